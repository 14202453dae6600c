"""transfer refusals: pairs the user said are not one transfer

Revision ID: 0601
Revises: 0903
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0601'
down_revision = '0903'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('transfer_refusals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('out_id', sa.Integer(), nullable=False),
    sa.Column('in_id', sa.Integer(), nullable=False),
    sa.Column('refused_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['in_id'], ['transactions.id'], name=op.f('fk_transfer_refusals_in_id_transactions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['out_id'], ['transactions.id'], name=op.f('fk_transfer_refusals_out_id_transactions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['refused_by_id'], ['users.id'], name=op.f('fk_transfer_refusals_refused_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_transfer_refusals_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_refusals')),
    sa.UniqueConstraint('out_id', 'in_id', name='uq_transfer_refusals_pair')
    )
    with op.batch_alter_table('transfer_refusals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_refusals_in_id'), ['in_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_refusals_refused_by_id'), ['refused_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_refusals_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    # The table's indexes go with it (MariaDB refuses to drop an index a foreign key needs first).
    op.drop_table('transfer_refusals')
