"""rules can also run on typed entries (a per-rule switch)

Revision ID: 0902
Revises: 0201
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0902'
down_revision = '0201'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rules') as batch_op:
        batch_op.add_column(sa.Column('on_manual', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('rules') as batch_op:
        batch_op.drop_column('on_manual')
