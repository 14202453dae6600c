"""a saved CSV mapping remembers the account its file went to

Revision ID: 0904
Revises: 0601
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0904'
down_revision = '0601'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('csv_mappings') as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_csv_mappings_account_id_accounts'), 'accounts', ['account_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('csv_mappings') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_csv_mappings_account_id_accounts'), type_='foreignkey')
        batch_op.drop_column('account_id')
