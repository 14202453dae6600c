"""What an import of bench/'s generated history must give, checked against values worked out from the
file alone (bench/history_csv.summarise): shared by the CLI test and the browser journey."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from bench.history_csv import Expected
from financeapp.accounts.models import Account
from financeapp.extensions import db
from financeapp.reports.queries import ReportFilter
from financeapp.reports.services import run_report
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace

TWO_YEARS = 2_600  # about 1,300 transactions make a year
REPORT_YEAR = 2025


def transaction_count(ws: Workspace) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Transaction).where(
        Transaction.workspace_id == ws.id)) or 0


def net_by_category(ws: Workspace, year: int) -> dict[str, Decimal]:
    """The categories report of one year, as "Group/Name" -> income less spending (the base currency's
    accounts only: the file brings no exchange rates, so the EUR account's months are left out)."""
    report = run_report(ws, "categories", ReportFilter(date(year, 1, 1), date(year, 12, 31)))
    net = {f"{row[1]}/{row[0]}": row[5] - row[2] for row in report.rows if row[1]}
    return {name: value for name, value in net.items() if value}  # rows of the period before show as 0


def check_import(ws: Workspace, expected: Expected) -> None:
    """Transactions, each account's balance and currency, linked transfers (two sides each) and the
    categories report of a year, as the file says."""
    db.session.expire_all()
    assert transaction_count(ws) == expected.transactions
    accounts = {a.name: a for a in db.session.scalars(sa.select(Account).where(Account.workspace_id == ws.id))}
    assert set(accounts) == set(expected.balances)
    for name, balance in expected.balances.items():
        total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Transaction.amount), 0)).where(
            Transaction.account_id == accounts[name].id))
        assert (Decimal(total) + accounts[name].opening_balance, accounts[name].currency) == (
            balance, expected.currencies[name]), name
    sides = db.session.execute(sa.select(Transaction.transfer_key, sa.func.count()).where(
        Transaction.workspace_id == ws.id, Transaction.transfer_key.is_not(None))
        .group_by(Transaction.transfer_key)).all()
    assert len(sides) == expected.transfers and {n for _key, n in sides} == {2}
    wanted = {k: v for k, v in expected.categories[(REPORT_YEAR, ws.base_currency)].items() if v}
    got = net_by_category(ws, REPORT_YEAR)
    assert got == wanted, {k: (got.get(k), wanted.get(k)) for k in set(got) | set(wanted)
                           if got.get(k) != wanted.get(k)}
