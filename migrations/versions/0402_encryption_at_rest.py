"""encryption at rest: secrets, account numbers and bank details encrypted under ENCRYPTION_KEY (issue 11)

The columns become TEXT (a ciphertext is longer than its value) and every existing value is
encrypted under the key of the app running the migration (`flask db upgrade`), which is then
recorded in encryption_keys. Account numbers get their keyed hash. Files uploaded before are
encrypted by `flask security rotate-key` (run it once after this upgrade).

Revision ID: 0402
Revises: 0401
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from financeapp.core import crypto


# revision identifiers, used by Alembic.
revision = '0402'
down_revision = '0401'
branch_labels = None
depends_on = None

# (table, column, old length, nullable): the context bound into each value is "table.column".
COLUMNS = [
    ("users", "totp_secret", 64, True),
    ("webhook_endpoints", "secret", 64, False),
    ("accounts", "number", 64, False),
    ("vendors", "bank_details", 80, False),
    ("documents", "bank_details", 80, False),
]


def _normalise(number):
    return "".join(c for c in (number or "") if c.isalnum()).casefold()


def _recode(change):
    """Rewrite every non-empty value of COLUMNS with `change(value, context)`."""
    conn = op.get_bind()
    for table_name, column_name, _, _ in COLUMNS:
        table = sa.table(table_name, sa.column("id", sa.Integer), sa.column(column_name, sa.Text))
        column = table.c[column_name]
        rows = conn.execute(sa.select(table.c.id, column).where(column.isnot(None), column != "")).all()
        for row_id, value in rows:
            conn.execute(sa.update(table).where(table.c.id == row_id)
                         .values({column_name: change(value, f"{table_name}.{column_name}")}))


def upgrade():
    op.create_table('encryption_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('check_value', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encryption_keys')),
    sa.UniqueConstraint('key_id', name=op.f('uq_encryption_keys_key_id'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_digest', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_accounts_ws_number_digest', ['workspace_id', 'number_digest'], unique=False)
    for table_name, column_name, length, nullable in COLUMNS:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column(column_name, existing_type=sa.String(length=length), type_=sa.Text(),
                                  existing_nullable=nullable)

    ring = current_app.extensions["encryption"]

    def seal(value, context):
        return value if crypto.is_encrypted_text(value) else ring.encrypt_text(value, context)

    _recode(seal)
    conn = op.get_bind()
    accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("number", sa.Text),
                        sa.column("number_digest", sa.String))
    for row_id, number in conn.execute(sa.select(accounts.c.id, accounts.c.number)).all():
        plain = _normalise(ring.decrypt_text(number, "accounts.number")) if number else ""
        conn.execute(sa.update(accounts).where(accounts.c.id == row_id)
                     .values(number_digest=ring.blind_indexes(plain)[0] if plain else None))
    keys = sa.table("encryption_keys", sa.column("key_id", sa.String), sa.column("check_value", sa.Text),
                    sa.column("created_at", sa.DateTime))
    from financeapp.core.db import utcnow
    conn.execute(sa.insert(keys).values(key_id=ring.current_id, created_at=utcnow(),
                                        check_value=ring.encrypt_text(crypto.CHECK_TEXT, crypto.KEYS_TABLE)))


def downgrade():
    ring = current_app.extensions["encryption"]
    _recode(lambda value, context: ring.decrypt_text(value, context))
    for table_name, column_name, length, nullable in reversed(COLUMNS):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column(column_name, existing_type=sa.Text(), type_=sa.String(length=length),
                                  existing_nullable=nullable)
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_accounts_ws_number_digest')
        batch_op.drop_column('number_digest')
    op.drop_table('encryption_keys')
