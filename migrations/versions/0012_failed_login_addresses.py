"""failed sign-ins to unknown addresses

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('failed_login_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_digest', sa.String(length=64), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('last_failed_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_login_addresses')),
    sa.UniqueConstraint('email_digest', name=op.f('uq_failed_login_addresses_email_digest'))
    )
    with op.batch_alter_table('failed_login_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failed_login_addresses_last_failed_login_at'), ['last_failed_login_at'], unique=False)



def downgrade():
    with op.batch_alter_table('failed_login_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_login_addresses_last_failed_login_at'))

    op.drop_table('failed_login_addresses')
