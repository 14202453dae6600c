"""documents remember when their reading started, so a reading that died can be told from a slow one

Revision ID: 0202
Revises: 1701
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0202'
down_revision = '1701'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.add_column(sa.Column('reading_started_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.drop_column('reading_started_at')
