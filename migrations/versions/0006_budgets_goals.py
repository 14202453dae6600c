"""budgets and goals (the planning issue)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('budget_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('style', sa.String(length=12), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("style IN ('limits', 'zero_based')", name=op.f('ck_budget_settings_style_known')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_budget_settings_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_settings')),
    sa.UniqueConstraint('workspace_id', name='uq_budget_settings_workspace_id')
    )
    op.create_index(op.f('ix_budget_settings_workspace_id'), 'budget_settings', ['workspace_id'], unique=False)
    op.create_table('budget_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('period', sa.String(length=5), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('rollover', sa.Boolean(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("period IN ('month', 'year')", name=op.f('ck_budget_lines_period_known')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_budget_lines_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_budget_lines_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_lines')),
    sa.UniqueConstraint('workspace_id', 'category_id', 'month', name='uq_budget_lines_ws_category_month')
    )
    op.create_index(op.f('ix_budget_lines_category_id'), 'budget_lines', ['category_id'], unique=False)
    op.create_index(op.f('ix_budget_lines_workspace_id'), 'budget_lines', ['workspace_id'], unique=False)
    op.create_index('ix_budget_lines_ws_month', 'budget_lines', ['workspace_id', 'month'], unique=False)
    op.create_table('goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('target_amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('milestone', sa.Integer(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_goals_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_goals_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals'))
    )
    op.create_index(op.f('ix_goals_account_id'), 'goals', ['account_id'], unique=False)
    op.create_index(op.f('ix_goals_workspace_id'), 'goals', ['workspace_id'], unique=False)
    op.create_table('goal_contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('memo', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_goal_contributions_goal_id_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_goal_contributions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_contributions'))
    )
    op.create_index('ix_goal_contributions_goal_date', 'goal_contributions', ['goal_id', 'date'], unique=False)
    op.create_index(op.f('ix_goal_contributions_workspace_id'), 'goal_contributions', ['workspace_id'], unique=False)
    # ### end Alembic commands ###


def downgrade():
    # Dropping a table drops its indexes; dropping them first fails on MariaDB where a foreign key needs one.
    op.drop_table('goal_contributions')
    op.drop_table('goals')
    op.drop_table('budget_lines')
    op.drop_table('budget_settings')
