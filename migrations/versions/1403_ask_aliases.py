"""ask aliases: phrases a workspace taught Ask for its categories, groups, payees, accounts and labels

Revision ID: 1403
Revises: 1702
Create Date: 2026-12-03 15:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1403'
down_revision = '1702'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ask_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phrase', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('category', 'group', 'payee', 'account', 'label')",
                       name=op.f('ck_ask_aliases_kind_known')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_ask_aliases_workspace_id_workspaces'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ask_aliases')),
    sa.UniqueConstraint('workspace_id', 'phrase', name='uq_ask_aliases_workspace_phrase')
    )
    with op.batch_alter_table('ask_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ask_aliases_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ask_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ask_aliases_workspace_id'))

    op.drop_table('ask_aliases')
