"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from financeapp import create_app
from financeapp.extensions import db
from financeapp.reports import totals
from tests.conftest import _create_mysql_database


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"


def test_there_is_one_head_and_the_schema_is_at_it(ctx):
    from alembic.script import ScriptDirectory
    from flask import current_app

    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    heads = script.get_heads()
    assert len(heads) == 1, f"merge the migration heads before landing: flask db merge heads ({heads})"
    assert current == heads[0]


def _scratch_url(app, tmp_path) -> str:
    """A database beside the suite's, on the same server kind, for migrating from an older revision."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "mysql":
        return f"sqlite:///{tmp_path / 'upgrade.db'}"
    scratch = url.set(database=f"{url.database}_upgrade")
    _create_mysql_database(scratch.render_as_string(hide_password=False))
    return scratch.render_as_string(hide_password=False)


def test_upgrading_fills_the_monthly_totals_from_an_existing_ledger(app, tmp_path):
    """0011 adds the reports' monthly totals; a database with history gets them computed on upgrade."""
    url = _scratch_url(app, tmp_path)
    old = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path)})
    try:
        with old.app_context():
            upgrade(revision="0010")
            with db.engine.begin() as conn:  # Core rows, as the schema of 0010 has them
                ws = conn.execute(sa.text(
                    "INSERT INTO workspaces (name, base_currency, is_personal, created_at, updated_at) "
                    "VALUES ('Old', 'USD', 0, :now, :now)"), {"now": date(2026, 1, 1)}).lastrowid
                account = conn.execute(sa.text(
                    "INSERT INTO accounts (workspace_id, name, type, currency, opening_balance, opening_date, "
                    "group_name, colour, include_in_net_worth, archived, number, notes, created_at, updated_at) VALUES "
                    "(:ws, 'Checking', 'checking', 'USD', 0, :d, '', '', 1, 0, '', '', :d, :d)"),
                    {"ws": ws, "d": date(2026, 1, 1)}).lastrowid
                ledger = ((date(2026, 1, 5), -10000, [-10000]), (date(2026, 1, 9), -3000, [-1000, 4000, -6000]),
                          (date(2026, 2, 1), 250000, []))  # a split with a refund line; one without lines
                for day, amount, lines in ledger:
                    txn = conn.execute(sa.text(
                        "INSERT INTO transactions (workspace_id, account_id, date, amount, memo, status, version, "
                        "created_at, updated_at) VALUES (:ws, :a, :d, :amount, '', 'uncleared', 1, :d, :d)"),
                        {"ws": ws, "a": account, "d": day, "amount": amount}).lastrowid
                    for line in lines:
                        conn.execute(sa.text(
                            "INSERT INTO transaction_lines (workspace_id, transaction_id, amount, memo) "
                            "VALUES (:ws, :t, :amount, '')"), {"ws": ws, "t": txn, "amount": line})
            upgrade(revision="heads")
            with db.engine.connect() as conn:
                stored = conn.execute(sa.text(
                    "SELECT month, SUM(money_in), SUM(money_out) FROM monthly_totals GROUP BY month ORDER BY month"
                )).all()
                assert [(m, int(i), int(o)) for m, i, o in stored] == [("2026-01", 4000, -17000),
                                                                        ("2026-02", 250000, 0)]
                assert totals.differences(conn) == []
    finally:
        with old.app_context():
            db.engine.dispose()
        if url.startswith("mysql"):
            engine = sa.create_engine(sa.make_url(url).set(database=""))
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{sa.make_url(url).database}`"))
            engine.dispose()
