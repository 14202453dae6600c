"""Switching in from another app in one step: bench/'s generated history (8 accounts, categories,
splits, labels, transfers written on both sides) as one CSV, imported by `flask imports run` without
--account, gives what the file itself says; importing it again adds nothing (issue 10, acceptance 1)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from bench.history_csv import summarise, write_history_csv
from financeapp.accounts.models import Account
from financeapp.extensions import db
from financeapp.reports.queries import ReportFilter
from financeapp.reports.services import run_report
from financeapp.transactions.models import Transaction
from tests.factories import make_user, personal_workspace

TWO_YEARS = 2_600  # about 1,300 transactions make a year


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "history.csv"
    write_history_csv(path, TWO_YEARS, seed=3, end=date(2026, 6, 30))
    return path, summarise(path)


def _run(runner, path, ws) -> dict:
    result = runner.invoke(args=["imports", "run", str(path), "--workspace", str(ws.id), "--json"])
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.output)


def _net_by_category(ws, year: int) -> dict[str, Decimal]:
    """The categories report of one year, as "Group/Name" -> income less spending (the base currency's
    accounts only: the file brings no exchange rates, so the EUR account's months are left out)."""
    report = run_report(ws, "categories", ReportFilter(date(year, 1, 1), date(year, 12, 31)))
    return {f"{row[1]}/{row[0]}": row[5] - row[2] for row in report.rows if row[1]}


def test_one_csv_of_eight_accounts_imports_to_what_the_file_says_and_again_adds_nothing(ctx, runner, history):
    path, expected = history
    ws = personal_workspace(make_user("switch@example.com"))

    first = _run(runner, path, ws)
    db.session.expire_all()

    assert first["status"] == "committed" and first["imported"] == expected.transactions
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction).where(
        Transaction.workspace_id == ws.id))
    assert count == expected.transactions
    accounts = {a.name: a for a in db.session.scalars(sa.select(Account).where(Account.workspace_id == ws.id))}
    assert set(accounts) == set(expected.balances) and len(accounts) >= 7  # the car has no rows in 2 years
    for name, balance in expected.balances.items():
        total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Transaction.amount), 0)).where(
            Transaction.account_id == accounts[name].id))
        assert (Decimal(total) + accounts[name].opening_balance, accounts[name].currency) == (
            balance, expected.currencies[name]), name
    sides = db.session.execute(sa.select(Transaction.transfer_key, sa.func.count()).where(
        Transaction.workspace_id == ws.id, Transaction.transfer_key.is_not(None))
        .group_by(Transaction.transfer_key)).all()
    assert len(sides) == expected.transfers and {n for _key, n in sides} == {2}
    wanted = expected.categories[(2025, ws.base_currency)]
    assert _net_by_category(ws, 2025) == {k: v for k, v in wanted.items() if v}

    again = _run(runner, path, ws)
    assert again["imported"] == 0 and again["rows"]["duplicate"] == expected.transactions
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction).where(
        Transaction.workspace_id == ws.id)) == expected.transactions
