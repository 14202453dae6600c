"""the account index also covers payee and memo, for the count and sums of a text search

Revision ID: 0903
Revises: 0902
Create Date: 2026-12-03

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0903'
down_revision = '0902'
branch_labels = None
depends_on = None


def upgrade():
    # Created before the old one goes: MariaDB needs an index on workspace_id for its foreign key.
    op.create_index('ix_transactions_ws_account_date_amount_text', 'transactions',
                    ['workspace_id', 'account_id', 'date', 'amount', 'payee_id', 'memo'], unique=False)
    op.drop_index('ix_transactions_ws_account_date_amount', table_name='transactions')


def downgrade():
    op.create_index('ix_transactions_ws_account_date_amount', 'transactions',
                    ['workspace_id', 'account_id', 'date', 'amount'], unique=False)
    op.drop_index('ix_transactions_ws_account_date_amount_text', table_name='transactions')
