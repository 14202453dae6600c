"""forecast cache (insights, issue 14)

Revision ID: 1402
Revises: 1401
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1402'
down_revision = '1401'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('forecast_cache',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_key', sa.String(length=60), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=True),
    sa.Column('milliseconds', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_forecast_cache_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forecast_cache')),
    sa.UniqueConstraint('workspace_id', 'series_key', name='uq_forecast_cache_series')
    )
    with op.batch_alter_table('forecast_cache', schema=None) as batch_op:
        batch_op.create_index('ix_forecast_cache_lookup', ['workspace_id', 'series_key', 'checksum'], unique=False)
        batch_op.create_index(batch_op.f('ix_forecast_cache_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('forecast_cache', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forecast_cache_workspace_id'))
        batch_op.drop_index('ix_forecast_cache_lookup')

    op.drop_table('forecast_cache')
