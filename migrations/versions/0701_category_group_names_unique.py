"""category group names unique per workspace (a computed parent key: NULL parents never clash)

Revision ID: 0701
Revises: 0402
Create Date: 2026-12-03 08:00:00

Two writers creating the same new group at once both succeeded, because the unique constraint
on (workspace, parent, name) treats every NULL parent as different. A virtual column holding the
parent's id or 0 carries a unique index that does clash. Groups already duplicated (by such
a race) are renamed "Name (2)", "Name (3)" first, so the upgrade never fails and nothing is lost.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0701'
down_revision = '0402'
branch_labels = None
depends_on = None


def _rename_duplicate_groups() -> None:
    """Rename all but the first of each set of same-named groups, comparing names as the database does
    (MariaDB's collation folds case and accents, so the duplicates are found by its GROUP BY)."""
    bind = op.get_bind()
    groups = "FROM categories WHERE parent_id IS NULL AND workspace_id = :ws"
    duplicated = bind.execute(sa.text(
        "SELECT workspace_id, MIN(name) FROM categories WHERE parent_id IS NULL "
        "GROUP BY workspace_id, name HAVING COUNT(*) > 1")).all()
    for workspace_id, name in duplicated:
        ids = bind.execute(sa.text(f"SELECT id, name {groups} AND name = :name ORDER BY id"),
                           {"ws": workspace_id, "name": name}).all()
        number = 1
        for category_id, own_name in ids[1:]:
            while True:
                number += 1
                suffix = f" ({number})"
                candidate = own_name[:60 - len(suffix)] + suffix
                if not bind.execute(sa.text(f"SELECT COUNT(*) {groups} AND name = :name"),
                                    {"ws": workspace_id, "name": candidate}).scalar():
                    break
            bind.execute(sa.text("UPDATE categories SET name = :name WHERE id = :id"),
                         {"name": candidate, "id": category_id})


def upgrade():
    _rename_duplicate_groups()
    op.add_column('categories', sa.Column('parent_key', sa.Integer(),
                                          sa.Computed('coalesce(parent_id, 0)', persisted=False), nullable=True))
    op.create_index('uq_categories_workspace_parent_key_name', 'categories', ['workspace_id', 'parent_key', 'name'],
                    unique=True)


def downgrade():
    op.drop_index('uq_categories_workspace_parent_key_name', table_name='categories')
    with op.batch_alter_table('categories') as batch_op:  # SQLite cannot drop a column in place
        batch_op.drop_column('parent_key')
