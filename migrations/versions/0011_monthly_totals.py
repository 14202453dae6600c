"""monthly totals per account, category and transfer flag, for the reports

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monthly_totals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('transfer', sa.Boolean(), nullable=False),
    sa.Column('money_in', sa.BigInteger(), nullable=False),
    sa.Column('money_out', sa.BigInteger(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_monthly_totals_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_monthly_totals_category_id_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_monthly_totals_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_totals'))
    )
    with op.batch_alter_table('monthly_totals', schema=None) as batch_op:
        batch_op.create_index('ix_monthly_totals_account_month', ['account_id', 'month'], unique=False)
        batch_op.create_index(batch_op.f('ix_monthly_totals_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_monthly_totals_ws_month_flow', ['workspace_id', 'month', 'transfer', 'account_id', 'category_id', 'money_in', 'money_out'], unique=False)
        batch_op.create_index(batch_op.f('ix_monthly_totals_workspace_id'), ['workspace_id'], unique=False)
    _fill_from_ledger()


def _fill_from_ledger():
    """Totals for the transactions already there (the same grouping as financeapp.reports.totals)."""
    # A text() statement has its % signs escaped for PyMySQL by SQLAlchemy itself.
    if op.get_bind().dialect.name == 'sqlite':
        month = "strftime('%Y-%m', t.date)"
    else:
        month = "DATE_FORMAT(t.date, '%Y-%m')"
    amount = 'COALESCE(l.amount, t.amount)'
    transfer = 'CASE WHEN t.transfer_key IS NULL THEN 0 ELSE 1 END'
    op.execute(
        'INSERT INTO monthly_totals (workspace_id, account_id, month, category_id, transfer, money_in, money_out, line_count) '
        f'SELECT t.workspace_id, t.account_id, {month}, l.category_id, {transfer}, '
        f'SUM(CASE WHEN {amount} > 0 THEN {amount} ELSE 0 END), SUM(CASE WHEN {amount} < 0 THEN {amount} ELSE 0 END), '
        'COUNT(*) FROM transactions t LEFT OUTER JOIN transaction_lines l ON l.transaction_id = t.id '
        f'GROUP BY t.workspace_id, t.account_id, {month}, l.category_id, {transfer}'
    )


def downgrade():
    with op.batch_alter_table('monthly_totals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monthly_totals_workspace_id'))
        batch_op.drop_index('ix_monthly_totals_ws_month_flow')
        batch_op.drop_index(batch_op.f('ix_monthly_totals_category_id'))
        batch_op.drop_index('ix_monthly_totals_account_month')
    op.drop_table('monthly_totals')
