"""Two writers of one account's month at once: they queue on the account's lock and both land.

Without the lock, on MariaDB each writer's refresh of the monthly totals waits for the other's
uncommitted row, a deadlock that fails one of them. On SQLite writers queue on the database lock.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.reports import totals
from financeapp.reports.models import MonthlyTotal
from financeapp.transactions.models import Transaction, TransactionLine
from tests.factories import make_account, make_user, personal_workspace


def _write(app, ws_id: int, account_id: int, amount: str, errors: list, *, flushed=None, hold: float = 0) -> None:
    with app.app_context():
        try:
            txn = Transaction(workspace_id=ws_id, account_id=account_id, on=date(2026, 5, 3), amount=Decimal(amount))
            txn.lines.append(TransactionLine(workspace_id=ws_id, amount=Decimal(amount)))
            db.session.add(txn)
            db.session.flush()
            if flushed is not None:
                flushed.set()
            time.sleep(hold)  # keep the transaction open while the other writer starts
            db.session.commit()
        except Exception as err:  # the test reports whatever a writer hit
            errors.append(repr(err))
            db.session.rollback()


def test_two_writers_of_one_account_month_both_land(app):
    with app.app_context():
        ws = personal_workspace(make_user("totals-writers@example.com"))
        ws_id, account_id = ws.id, make_account(ws).id
        db.session.commit()
    errors: list[str] = []
    flushed = threading.Event()
    first = threading.Thread(target=_write, args=(app, ws_id, account_id, "-1.00", errors),
                             kwargs={"flushed": flushed, "hold": 0.5})
    first.start()
    assert flushed.wait(10)
    second = threading.Thread(target=_write, args=(app, ws_id, account_id, "-2.00", errors))
    second.start()
    first.join(30)
    second.join(30)
    assert errors == []
    with app.app_context():
        stored = db.session.scalar(sa.select(sa.func.sum(MonthlyTotal.money_out)).where(
            MonthlyTotal.account_id == account_id, MonthlyTotal.month == "2026-05"))
        assert stored == Decimal("-3.000")
        assert totals.differences(db.session, ws_id) == []
