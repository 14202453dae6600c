"""categorisation rules (the imports issue)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('match_field', sa.String(length=8), nullable=False),
    sa.Column('match_op', sa.String(length=8), nullable=False),
    sa.Column('match_text', sa.String(length=255), nullable=False),
    sa.Column('amount_min', sa.BigInteger(), nullable=True),
    sa.Column('amount_max', sa.BigInteger(), nullable=True),
    sa.Column('sign', sa.String(length=3), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('set_payee', sa.String(length=120), nullable=False),
    sa.Column('set_category_id', sa.Integer(), nullable=True),
    sa.Column('add_labels', sa.String(length=255), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("match_field IN ('payee', 'memo', 'any')", name=op.f('ck_rules_match_field_known')),
    sa.CheckConstraint("match_op IN ('contains', 'equals', 'regex')", name=op.f('ck_rules_match_op_known')),
    sa.CheckConstraint("sign IN ('any', 'in', 'out')", name=op.f('ck_rules_sign_known')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_rules_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_category_id'], ['categories.id'], name=op.f('fk_rules_set_category_id_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_rules_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rules'))
    )
    with op.batch_alter_table('rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rules_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rules_set_category_id'), ['set_category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rules_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_rules_ws_position', ['workspace_id', 'position'], unique=False)


def downgrade():
    with op.batch_alter_table('rules', schema=None) as batch_op:
        batch_op.drop_index('ix_rules_ws_position')
        batch_op.drop_index(batch_op.f('ix_rules_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_rules_set_category_id'))
        batch_op.drop_index(batch_op.f('ix_rules_account_id'))

    op.drop_table('rules')
