"""one data version, bumped by every transaction that writes data (financeapp/core/versions.py)

Revision ID: 1702
Revises: 0701
Create Date: 2026-12-03 15:30:00

Figures cached under the version they were read at can never be served stale, and pages can
answer conditional GETs (304) while nothing changed.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '1702'
down_revision = '0701'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_versions',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('version', sa.BigInteger(), nullable=False, server_default='0'),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('data_versions')
