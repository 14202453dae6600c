"""recurring transactions, bills and job runs (the planning issue)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('for_date', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('host', sa.String(length=120), nullable=False),
    sa.CheckConstraint("status IN ('running', 'ok', 'error')", name=op.f('ck_job_runs_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_name_started', ['name', 'started_at'], unique=False)

    op.create_table('recurring_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('to_account_id', sa.Integer(), nullable=True),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('to_amount', sa.BigInteger(), nullable=True),
    sa.Column('payee', sa.String(length=120), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('memo', sa.String(length=255), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('interval', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.String(length=20), nullable=False),
    sa.Column('monthly_mode', sa.String(length=12), nullable=False),
    sa.Column('month_day', sa.Integer(), nullable=True),
    sa.Column('nth', sa.Integer(), nullable=True),
    sa.Column('nth_weekday', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('auto_post', sa.Boolean(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('is_bill', sa.Boolean(), nullable=False),
    sa.Column('remind_days', sa.Integer(), nullable=False),
    sa.Column('tolerance_pct', sa.Integer(), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("direction IN ('out', 'in')", name=op.f('ck_recurring_items_direction_known')),
    sa.CheckConstraint("kind IN ('entry', 'transfer')", name=op.f('ck_recurring_items_kind_known')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_recurring_items_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_recurring_items_category_id_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_account_id'], ['accounts.id'], name=op.f('fk_recurring_items_to_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_recurring_items_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_items'))
    )
    with op.batch_alter_table('recurring_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recurring_items_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recurring_items_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recurring_items_to_account_id'), ['to_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recurring_items_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_recurring_items_ws_paused', ['workspace_id', 'paused'], unique=False)

    op.create_table('recurring_occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recurring_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('posted', 'paid', 'skipped')", name=op.f('ck_recurring_occurrences_status_known')),
    sa.ForeignKeyConstraint(['recurring_id'], ['recurring_items.id'], name=op.f('fk_recurring_occurrences_recurring_id_recurring_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transaction_id'], ['transactions.id'], name=op.f('fk_recurring_occurrences_transaction_id_transactions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_recurring_occurrences_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_occurrences')),
    sa.UniqueConstraint('recurring_id', 'occurrence_date', name='uq_recurring_occurrences_item_date')
    )
    with op.batch_alter_table('recurring_occurrences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recurring_occurrences_transaction_id'), ['transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recurring_occurrences_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recurring_occurrences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recurring_occurrences_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_recurring_occurrences_transaction_id'))

    op.drop_table('recurring_occurrences')
    with op.batch_alter_table('recurring_items', schema=None) as batch_op:
        batch_op.drop_index('ix_recurring_items_ws_paused')
        batch_op.drop_index(batch_op.f('ix_recurring_items_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_recurring_items_to_account_id'))
        batch_op.drop_index(batch_op.f('ix_recurring_items_category_id'))
        batch_op.drop_index(batch_op.f('ix_recurring_items_account_id'))

    op.drop_table('recurring_items')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_name_started')

    op.drop_table('job_runs')
