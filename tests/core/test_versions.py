"""The data version (core/versions.py) and the conditional GETs and caches built on it (core/conditional.py)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from financeapp.core import versions
from financeapp.extensions import db
from financeapp.payees.models import Payee
from tests.factories import make_account, make_transaction, make_user, personal_workspace

KIND = "system"


def test_written_table_reads_the_target_of_each_dml_statement():
    assert versions.written_table("INSERT INTO payees (name) VALUES (?)") == "payees"
    assert versions.written_table("insert ignore into `labels` (name) values (%s)") == "labels"
    assert versions.written_table('UPDATE "transactions" SET memo=?') == "transactions"
    assert versions.written_table("DELETE FROM user_sessions WHERE id = ?") == "user_sessions"
    assert versions.written_table("INSERT OR REPLACE INTO rates VALUES (1)") == "rates"
    assert versions.written_table("SELECT * FROM payees") is None
    assert versions.written_table("WITH x AS (SELECT 1) SELECT * FROM x") is None


def test_a_commit_that_wrote_data_bumps_the_version_once(ctx):
    user = make_user()
    db.session.commit()
    before = versions.current()
    db.session.add(Payee(workspace_id=personal_workspace(user).id, name="Corner shop"))
    db.session.add(Payee(workspace_id=personal_workspace(user).id, name="Bakery"))
    db.session.commit()
    assert versions.current() == before + 1


def test_reads_rollbacks_and_bookkeeping_tables_leave_the_version(ctx):
    user = make_user()
    db.session.commit()
    before = versions.current()
    db.session.scalars(sa.select(Payee)).all()
    db.session.commit()
    db.session.add(Payee(workspace_id=personal_workspace(user).id, name="Never saved"))
    db.session.flush()
    db.session.rollback()
    db.session.execute(sa.text("DELETE FROM user_sessions WHERE id = -1"))
    db.session.commit()
    assert versions.current() == before


def test_bulk_statements_outside_the_session_bump_it_too(ctx):
    user = make_user()
    db.session.commit()
    before = versions.current()
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE payees SET name = name WHERE workspace_id = :ws"),
                     {"ws": personal_workspace(user).id})
    db.session.commit()  # end the session's own snapshot (MariaDB reads repeatably within a transaction)
    assert versions.current() == before + 1


def test_the_cache_recomputes_after_any_write(ctx):
    user = make_user()
    db.session.commit()
    cache = versions.VersionedCache(size=4)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get_or_compute("k", compute) == 1
    assert cache.get_or_compute("k", compute) == 1
    db.session.add(Payee(workspace_id=personal_workspace(user).id, name="Anything"))
    db.session.commit()
    assert cache.get_or_compute("k", compute) == 2


def _dashboard_net_worth(client) -> str:
    page = client.get("/dashboard")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_dashboard_shows_a_new_transaction_at_once_and_answers_304_while_nothing_changed(app, client, auth):
    with app.app_context():
        user = make_user(email="live@example.com")
        account = make_account(personal_workspace(user), name="Everyday", opening_balance="100.00")
        make_transaction(account, amount="-1.00", on=date.today())
        db.session.commit()
        account_id = account.id
    auth.login("live@example.com")
    welcome = client.get("/dashboard")  # shows the sign-in's flashed message: rendered, never stored
    assert welcome.headers["Cache-Control"] == "no-store" and "ETag" not in welcome.headers
    first = client.get("/dashboard")
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get("/dashboard", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()

    with app.app_context():
        make_transaction(db.session.get(type(account), account_id), amount="-4321.00", on=date.today(),
                         memo="Live figure")
        db.session.commit()
    changed = client.get("/dashboard", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert "Live figure" in changed.get_data(as_text=True)  # the recent list and the figures are new
    assert "-$4,222.00" in changed.get_data(as_text=True) or "−$4,222.00" in changed.get_data(as_text=True)


def test_the_notification_badge_answers_304_until_the_count_changes(app, client, auth):
    from financeapp.notifications import services as notify

    with app.app_context():
        user = make_user(email="badge@example.com")
        db.session.commit()
        user_id, workspace_id = user.id, personal_workspace(user).id
    auth.login("badge@example.com")
    client.get("/dashboard")  # the page the badge sits on shows the sign-in's message
    first = client.get("/notifications/badge")
    assert first.status_code == 200
    assert client.get("/notifications/badge", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with app.app_context():
        from financeapp.workspaces.models import Workspace

        notify.notify(db.session.get(Workspace, workspace_id), KIND, "Something happened", "t-1", user_ids=[user_id])
        db.session.commit()
    after = client.get("/notifications/badge", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and 'data-count="1"' in after.get_data(as_text=True)
