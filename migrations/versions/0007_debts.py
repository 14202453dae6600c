"""debts and loans (the planning issue)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

Loans and credit cards (debts), the payments recorded against loans (debt_payments) and each
workspace's chosen payoff strategy (debt_plan_settings). Amounts are Money (BIGINT thousandths),
rates Rate (BIGINT of 10^-10).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('debt_plan_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('strategy', sa.String(length=10), nullable=False),
    sa.Column('extra', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_debt_plan_settings_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debt_plan_settings')),
    sa.UniqueConstraint('workspace_id', name='uq_debt_plan_settings_workspace')
    )
    with op.batch_alter_table('debt_plan_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debt_plan_settings_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('debts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('annual_rate', sa.BigInteger(), nullable=False),
    sa.Column('principal', sa.BigInteger(), nullable=True),
    sa.Column('term_months', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('payment_day', sa.Integer(), nullable=True),
    sa.Column('balance', sa.BigInteger(), nullable=True),
    sa.Column('min_payment_kind', sa.String(length=10), nullable=False),
    sa.Column('min_payment', sa.BigInteger(), nullable=True),
    sa.Column('min_payment_percent', sa.BigInteger(), nullable=True),
    sa.Column('payoff_order', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('loan', 'credit_card')", name=op.f('ck_debts_kind_known')),
    sa.CheckConstraint("min_payment_kind IN ('fixed', 'percent')", name=op.f('ck_debts_min_payment_kind_known')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_debts_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_debts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debts')),
    sa.UniqueConstraint('workspace_id', 'name', name='uq_debts_workspace_name')
    )
    with op.batch_alter_table('debts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debts_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_debts_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('debt_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debt_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('interest', sa.BigInteger(), nullable=False),
    sa.Column('principal', sa.BigInteger(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('created_transaction', sa.Boolean(), nullable=False),
    sa.Column('memo', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['debt_id'], ['debts.id'], name=op.f('fk_debt_payments_debt_id_debts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transaction_id'], ['transactions.id'], name=op.f('fk_debt_payments_transaction_id_transactions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_debt_payments_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debt_payments'))
    )
    with op.batch_alter_table('debt_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debt_payments_debt_id'), ['debt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_debt_payments_transaction_id'), ['transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_debt_payments_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_debt_payments_ws_debt_date', ['workspace_id', 'debt_id', 'date'], unique=False)



def downgrade():
    with op.batch_alter_table('debt_payments', schema=None) as batch_op:
        batch_op.drop_index('ix_debt_payments_ws_debt_date')
        batch_op.drop_index(batch_op.f('ix_debt_payments_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_debt_payments_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_debt_payments_debt_id'))

    op.drop_table('debt_payments')
    with op.batch_alter_table('debts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debts_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_debts_account_id'))

    op.drop_table('debts')
    with op.batch_alter_table('debt_plan_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debt_plan_settings_workspace_id'))

    op.drop_table('debt_plan_settings')
