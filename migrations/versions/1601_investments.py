"""investments: securities, trades, prices, settings

Revision ID: 1601
Revises: 1402
Create Date: 2026-12-03 15:12:40.621660

Securities, trades in investment accounts, prices per security and day, and each investment
account's cost-basis method (issue 16). Quantities and prices are Numeric(28, 10); money is the
Money column (a BIGINT of thousandths).
"""
from alembic import op
import sqlalchemy as sa


# Quantities and prices: exact NUMERIC(28, 10) on MySQL/MariaDB; on SQLite, whose NUMERIC holds a float,
# a BIGINT of 10^-10 units (the model's Quantity type reads and writes both).
QUANTITY = sa.Numeric(precision=28, scale=10).with_variant(sa.BigInteger(), "sqlite")

# revision identifiers, used by Alembic.
revision = '1601'
down_revision = '1402'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('securities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('symbol', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('unique_id', sa.String(length=32), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('stock', 'etf', 'fund', 'bond', 'crypto', 'other')", name=op.f('ck_securities_kind_known')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_securities_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_securities')),
    sa.UniqueConstraint('workspace_id', 'symbol', name='uq_securities_workspace_symbol'),
    sa.UniqueConstraint('workspace_id', 'unique_id', name='uq_securities_workspace_unique_id')
    )
    with op.batch_alter_table('securities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_securities_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('investment_settings',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('cost_method', sa.String(length=10), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_investment_settings_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_investment_settings_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_investment_settings'))
    )
    with op.batch_alter_table('investment_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_investment_settings_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('security_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('close', QUANTITY, nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("source IN ('manual', 'csv', 'statement')", name=op.f('ck_prices_source_known')),
    sa.ForeignKeyConstraint(['security_id'], ['securities.id'], name=op.f('fk_prices_security_id_securities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_prices_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prices')),
    sa.UniqueConstraint('security_id', 'date', name='uq_prices_security_date')
    )
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prices_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('trades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('security_id', sa.Integer(), nullable=True),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('quantity', QUANTITY, nullable=False),
    sa.Column('price', QUANTITY, nullable=True),
    sa.Column('fees', sa.BigInteger(), nullable=False),
    sa.Column('taxes', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('split_from', QUANTITY, nullable=True),
    sa.Column('split_to', QUANTITY, nullable=True),
    sa.Column('memo', sa.String(length=255), nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('buy', 'sell', 'dividend', 'interest', 'reinvest', 'split', 'transfer_in', 'transfer_out', 'fee', 'deposit', 'withdrawal')", name=op.f('ck_trades_kind_known')),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_trades_quantity_not_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_trades_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batches.id'], name=op.f('fk_trades_import_batch_id_import_batches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['security_id'], ['securities.id'], name=op.f('fk_trades_security_id_securities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_trades_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trades')),
    sa.UniqueConstraint('account_id', 'external_id', name='uq_trades_account_external_id')
    )
    with op.batch_alter_table('trades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trades_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trades_import_batch_id'), ['import_batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trades_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_trades_ws_account_date', ['workspace_id', 'account_id', 'date', 'id'], unique=False)
        batch_op.create_index('ix_trades_ws_security_date', ['workspace_id', 'security_id', 'date'], unique=False)



def downgrade():
    # Dropping the tables drops their indexes (MariaDB refuses to drop an index a foreign key uses first).
    op.drop_table('trades')
    op.drop_table('prices')
    op.drop_table('investment_settings')
    op.drop_table('securities')
