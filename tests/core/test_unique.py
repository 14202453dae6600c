"""Eight writers creating the same new payee, label or category at once: all eight succeed, one row exists.

Real threads, each with its own client or app context and so its own database connection, released
together by a barrier. On MariaDB the losers' inserts wait on the winner's row, are refused once it
commits, and find it with a locking read (financeapp/core/unique.py); on SQLite writers queue on the
database lock. Run it on MariaDB with TEST_DATABASE_URL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlalchemy as sa

from financeapp.categories.models import Category
from financeapp.categories.services import find_or_create_category
from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.payees.models import Payee
from financeapp.payees.services import find_or_create_payee
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace
from tests.factories import DEFAULT_PASSWORD, make_account, make_user, personal_workspace

WRITERS = 8
EMAIL = "racer@example.com"


def _race(work: Callable[[int], object]) -> list[object]:
    """Run `work(i)` in WRITERS threads started together; each result or the exception it raised."""
    barrier = threading.Barrier(WRITERS, timeout=30)
    results: list[object] = [None] * WRITERS

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as err:  # the test asserts on whatever a writer hit
            results[index] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_eight_entries_posted_at_once_with_a_new_payee_and_label_all_save_and_share_one_payee(app):
    with app.app_context():
        ws = personal_workspace(make_user(EMAIL))
        ws_id, account_id = ws.id, make_account(ws).id
    clients = [app.test_client() for _ in range(WRITERS)]
    for client in clients:
        assert client.post("/auth/login", data={"email": EMAIL, "password": DEFAULT_PASSWORD}).status_code == 302

    def post(index: int) -> int:
        return clients[index].post("/transactions/new", data={
            "on": "2026-03-02", "account_id": account_id, "direction": "out", "amount": f"{index + 1}.00",
            "payee": "Brand-new corner shop", "labels": "race-day", "status": "uncleared",
        }).status_code

    assert _race(post) == [302] * WRITERS
    assert _count(app, Payee, Payee.workspace_id == ws_id) == 1
    assert _count(app, Label, Label.workspace_id == ws_id) == 1
    assert _count(app, Transaction, Transaction.workspace_id == ws_id, Transaction.payee_id.is_not(None)) == WRITERS


def test_eight_services_creating_one_payee_and_one_category_at_once_all_succeed(app):
    with app.app_context():
        ws_id = personal_workspace(make_user(EMAIL)).id

    def create(_index: int) -> tuple[int, int]:
        with app.app_context():
            ws = db.session.get(Workspace, ws_id)
            payee = find_or_create_payee(ws, "Night market")
            category = find_or_create_category(ws, "Street food", group="Treats")
            db.session.commit()
            return payee.id, category.id

    results = _race(create)
    assert all(isinstance(result, tuple) for result in results), results
    assert len(set(results)) == 1
    assert _count(app, Payee, Payee.workspace_id == ws_id) == 1
    # the group "Treats" and its one category
    assert _count(app, Category, Category.workspace_id == ws_id, Category.name.in_(["Treats", "Street food"])) == 2


def test_find_or_create_returns_the_existing_row(ctx):
    ws = personal_workspace(make_user(EMAIL))
    first = find_or_create_payee(ws, "  Corner   shop ")
    assert find_or_create_payee(ws, "Corner shop").id == first.id and first.name == "Corner shop"
    category = find_or_create_category(ws, "Street food", group="Treats", kind="expense")
    again = find_or_create_category(ws, "Street food", group="Treats")
    assert again.id == category.id and category.parent.name == "Treats"
    db.session.commit()


def test_insert_missing_skips_rows_whose_key_exists(ctx):
    from financeapp.core.db import utcnow
    from financeapp.core.unique import insert_missing, locked_read

    ws = personal_workspace(make_user(EMAIL))
    find_or_create_payee(ws, "Corner shop")
    now = utcnow()
    rows = [{"workspace_id": ws.id, "name": name, "default_category_id": None, "created_at": now, "updated_at": now}
            for name in ("Corner shop", "Bakery", "Bakery")]
    insert_missing(Payee.__table__, rows)
    names = db.session.scalars(locked_read(sa.select(Payee.name).where(Payee.workspace_id == ws.id)
                                           .order_by(Payee.name))).all()
    assert names == ["Bakery", "Corner shop"]
    db.session.commit()
