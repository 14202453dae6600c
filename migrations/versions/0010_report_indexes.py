"""covering indexes for reports over date ranges

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.create_index('ix_transactions_ws_date_flow',
                              ['workspace_id', 'date', 'transfer_key', 'account_id', 'payee_id', 'amount'],
                              unique=False)
    with op.batch_alter_table('transaction_lines', schema=None) as batch_op:
        batch_op.create_index('ix_transaction_lines_txn_ws_category_amount',
                              ['transaction_id', 'workspace_id', 'category_id', 'amount'], unique=False)


def downgrade():
    with op.batch_alter_table('transaction_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_transaction_lines_txn_ws_category_amount')
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_transactions_ws_date_flow')
