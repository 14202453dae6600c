"""The whole-history scan job and the scoring of new entries and imports as they are recorded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.insights import jobs, services
from financeapp.insights.models import UnusualTransaction
from financeapp.notifications.models import Notification
from financeapp.transactions.models import Transaction
from financeapp.transactions.services import EntryInput, record_entry
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace
from tests.imports.conftest import parsed, run_import, statement, txn
from tests.insights.helpers import coffee_history


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("una@example.com", name="Una"))


@pytest.fixture
def ledger(ws):
    account = make_account(ws, "Checking", number="12345678")
    coffee = make_category(ws, "Coffee")
    coffee_history(account, coffee)
    return account, coffee


def flagged() -> dict[int, str]:
    return dict(db.session.execute(sa.select(UnusualTransaction.transaction_id, UnusualTransaction.reason)).all())


def test_a_typed_entry_is_scored_and_alerted_as_it_is_recorded(ws, ledger):
    account, coffee = ledger
    entry = record_entry(ws, EntryInput(account_id=account.id, on=date(2026, 2, 10), amount=Decimal("61.50"),
                                        direction="out", payee="Bean There", category_id=coffee.id))
    db.session.commit()
    assert "median payment to Bean There" in flagged()[entry.id]
    assert db.session.scalar(sa.select(Notification.kind)) == "unusual_transaction"
    normal = record_entry(ws, EntryInput(account_id=account.id, on=date(2026, 2, 11), amount=Decimal("5.30"),
                                         direction="out", payee="Bean There", category_id=coffee.id))
    db.session.commit()
    assert normal.id not in flagged()


def test_an_imported_row_is_scored_when_the_import_commits(ws, ledger):
    account, _coffee = ledger
    batch, _plan = run_import(ws, parsed(statement(
        txn(1, "2026-06-01", "-2400.00", "Summit Roofing", category="Repairs"),
        txn(2, "2026-06-02", "-5.20", "Bean There"), number="12345678")), account=account)
    roofer = db.session.scalar(sa.select(Transaction.id).where(Transaction.import_id == batch.id,
                                                               Transaction.amount == Decimal("-2400")))
    assert flagged() == {roofer: "first payment to this payee above $500.00"}


def test_scoring_that_fails_never_loses_the_entry(ws, ledger, monkeypatch):
    account, coffee = ledger

    def broken(*_args, **_kwargs):
        raise RuntimeError("the finder broke")

    monkeypatch.setattr(services, "score_new", broken)
    entry = record_entry(ws, EntryInput(account_id=account.id, on=date(2026, 2, 10), amount=Decimal("61.50"),
                                        direction="out", payee="Bean There", category_id=coffee.id))
    db.session.commit()
    assert db.session.get(Transaction, entry.id) is not None and flagged() == {}


def test_the_scan_runs_inline_without_redis_and_commits(ws, ledger):
    account, coffee = ledger
    big = make_transaction(account, "-61.50", on=date(2026, 2, 10), category=coffee, payee="Bean There")
    mode, result = jobs.start_scan(ws)
    assert mode == "done" and result is not None and result.added == 1 and result.scored == 37
    db.session.rollback()  # committed by the job: still there
    assert set(flagged()) == {big.id}
    assert jobs.scan_job(ws.id) == repr(services.ScanResult(scored=37, flagged=1, added=0, removed=0))
    assert jobs.run_scan(10**9) is None
