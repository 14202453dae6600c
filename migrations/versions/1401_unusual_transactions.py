"""unusual transactions, per-payee exceptions and pattern snapshots (insights, issue 14)

Revision ID: 1401
Revises: 1403
Create Date: 2026-12-03 15:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '1401'
down_revision = '1403'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'unusual_transactions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('transaction_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('score', sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column('reason', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('size', 'new_payee', 'duplicate')",
                           name=op.f('ck_unusual_transactions_kind_known')),
        sa.CheckConstraint("status IN ('open', 'normal')", name=op.f('ck_unusual_transactions_status_known')),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_unusual_transactions_reviewed_by_id_users')),
        sa.ForeignKeyConstraint(['transaction_id'], ['transactions.id'], ondelete='CASCADE',
                                name=op.f('fk_unusual_transactions_transaction_id_transactions')),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE',
                                name=op.f('fk_unusual_transactions_workspace_id_workspaces')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unusual_transactions')),
        sa.UniqueConstraint('transaction_id', name='uq_unusual_transactions_transaction_id'),
    )
    op.create_index('ix_unusual_transactions_ws_status_txn', 'unusual_transactions',
                    ['workspace_id', 'status', 'transaction_id'])
    op.create_index(op.f('ix_unusual_transactions_workspace_id'), 'unusual_transactions', ['workspace_id'])
    op.create_index(op.f('ix_unusual_transactions_reviewed_by_id'), 'unusual_transactions', ['reviewed_by_id'])
    op.create_table(
        'unusual_exceptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payee_id', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('low', sa.BigInteger(), nullable=False),
        sa.Column('high', sa.BigInteger(), nullable=False),
        sa.Column('taught_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['payee_id'], ['payees.id'], ondelete='CASCADE',
                                name=op.f('fk_unusual_exceptions_payee_id_payees')),
        sa.ForeignKeyConstraint(['taught_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_unusual_exceptions_taught_by_id_users')),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE',
                                name=op.f('fk_unusual_exceptions_workspace_id_workspaces')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unusual_exceptions')),
        sa.UniqueConstraint('workspace_id', 'payee_id', 'currency', name='uq_unusual_exceptions_payee_currency'),
    )
    op.create_index(op.f('ix_unusual_exceptions_payee_id'), 'unusual_exceptions', ['payee_id'])
    op.create_index(op.f('ix_unusual_exceptions_taught_by_id'), 'unusual_exceptions', ['taught_by_id'])
    op.create_index(op.f('ix_unusual_exceptions_workspace_id'), 'unusual_exceptions', ['workspace_id'])
    op.create_table(
        'pattern_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('through', sa.String(length=7), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE',
                                name=op.f('fk_pattern_snapshots_workspace_id_workspaces')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pattern_snapshots')),
        sa.UniqueConstraint('workspace_id', name='uq_pattern_snapshots_workspace_id'),
    )
    op.create_index(op.f('ix_pattern_snapshots_workspace_id'), 'pattern_snapshots', ['workspace_id'])


def downgrade():
    op.drop_table('pattern_snapshots')
    op.drop_table('unusual_exceptions')
    op.drop_table('unusual_transactions')
