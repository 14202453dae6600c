"""The monthly totals behind the reports: ranges that split months, and totals that follow every write.

(tests/conftest.py also compares the totals with the ledger after every test of the suite.)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.reports import totals
from financeapp.reports.models import MonthlyTotal
from financeapp.reports.queries import MonthSplit, split_months
from financeapp.transactions.models import Transaction
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace
from tests.reports.conftest import line_flows, text
from tests.reports.test_numbers import category_names, series

MID_RANGE = "preset=custom&start=2026-02-15&end=2026-09-10"
MID_MONTHS = [f"2026-{m:02d}" for m in range(2, 10)]


@pytest.mark.parametrize(("start", "end", "expected"), [
    (date(2026, 1, 1), date(2026, 10, 31), MonthSplit("2026-01", "2026-10", ())),
    (date(2026, 2, 15), date(2026, 9, 10), MonthSplit("2026-03", "2026-08", (
        (date(2026, 2, 15), date(2026, 2, 28)), (date(2026, 9, 1), date(2026, 9, 10))))),
    (date(2026, 3, 3), date(2026, 3, 20), MonthSplit(None, None, ((date(2026, 3, 3), date(2026, 3, 20)),))),
    (date(2026, 3, 3), date(2026, 4, 2), MonthSplit(None, None, ((date(2026, 3, 3), date(2026, 4, 2)),))),
    (date(2025, 12, 2), date(2026, 1, 31),
     MonthSplit("2026-01", "2026-01", ((date(2025, 12, 2), date(2025, 12, 31)),))),
    (None, date(2026, 2, 28), MonthSplit(None, "2026-02", ())),
    (None, date(2026, 3, 9), MonthSplit(None, "2026-02", ((date(2026, 3, 1), date(2026, 3, 9)),))),
    (date(2024, 2, 1), date(2024, 2, 29), MonthSplit("2024-02", "2024-02", ())),  # a leap February is whole
])
def test_a_range_splits_into_whole_months_and_edge_days(start, end, expected):
    assert split_months(start, end) == expected


def test_a_range_cutting_months_matches_sql_per_month(client, signed_in):
    expected = line_flows(signed_in.ws, date(2026, 2, 15), date(2026, 9, 10))
    data = series(client, "monthly", MID_RANGE)
    assert data["datasets"][0]["data"] == [text(expected[m][0]) for m in MID_MONTHS]
    assert data["datasets"][1]["data"] == [text(expected[m][1]) for m in MID_MONTHS]


def test_a_range_cutting_months_matches_sql_per_category(client, signed_in):
    ws = signed_in.ws
    flows = line_flows(ws, date(2026, 2, 15), date(2026, 9, 10), "l.category_id")
    spending: dict = defaultdict(Decimal)
    for (_month, category), (_in, money_out) in flows.items():
        spending[category] += money_out
    names = category_names(ws.id)
    rows = {(row[0], row[1]): row[2] for row in series(client, "categories", MID_RANGE)["table"]["rows"]}
    checked = 0
    for category, value in spending.items():
        if value:
            assert rows[names.get(category, ("Uncategorised", ""))] == text(value)
            checked += 1
    assert checked > 10


def test_a_label_filter_reads_the_ledger_and_agrees(client, signed_in):
    data = series(client, "monthly", f"preset=custom&start=2026-10-01&end=2026-10-31&label={signed_in.label_id}")
    assert data["datasets"][1]["data"] == ["150.00"]  # only the labelled split, not the month's spending


def test_net_worth_at_a_mid_month_end_date_counts_the_days_up_to_it(client, signed_in):
    ws = signed_in.ws
    checking = signed_in.checking_id
    data = series(client, "net-worth", f"preset=custom&start=2026-02-15&end=2026-09-10&account={checking}")
    moved, opening, opened = db.session.execute(sa.text(
        "SELECT (SELECT COALESCE(SUM(amount), 0) FROM transactions WHERE account_id = :a AND date <= :d), "
        "opening_balance, opening_date FROM accounts WHERE id = :a AND workspace_id = :ws"
    ), {"a": checking, "d": date(2026, 9, 10), "ws": ws.id}).one()
    opened = opened if isinstance(opened, date) else date.fromisoformat(opened)
    balance = Decimal(int(moved) + (int(opening) if opened <= date(2026, 9, 10) else 0)).scaleb(-3)
    assert data["datasets"][0]["data"][-1] == text(balance)


def _stored(ws_id: int) -> dict:
    rows = db.session.execute(
        sa.select(MonthlyTotal.account_id, MonthlyTotal.month, sa.func.sum(MonthlyTotal.money_out))
        .where(MonthlyTotal.workspace_id == ws_id).group_by(MonthlyTotal.account_id, MonthlyTotal.month)
    )
    return {(a, m): v for a, m, v in rows}  # the sum keeps the Money type: Decimals


def test_moving_and_deleting_a_transaction_moves_its_totals(ctx):
    ws = personal_workspace(make_user("totals-mover@example.com"))
    first, second = make_account(ws, "First"), make_account(ws, "Second")
    txn = make_transaction(first, "-12.50", on=date(2026, 3, 10), category=make_category(ws))
    assert _stored(ws.id) == {(first.id, "2026-03"): Decimal("-12.5")}
    txn.account, txn.on = second, date(2026, 5, 1)
    db.session.commit()
    assert _stored(ws.id) == {(second.id, "2026-05"): Decimal("-12.5")}
    db.session.delete(db.session.get(Transaction, txn.id))
    db.session.commit()
    assert _stored(ws.id) == {}


def test_a_rolled_back_savepoint_keeps_the_outer_changes(ctx):
    ws = personal_workspace(make_user("totals-savepoint@example.com"))
    account = make_account(ws)
    account_id = account.id
    db.session.add(Transaction(workspace_id=ws.id, account_id=account_id, on=date(2026, 4, 2), amount=Decimal(-3)))
    db.session.flush()
    with db.session.begin_nested() as nested:
        db.session.add(Transaction(workspace_id=ws.id, account_id=account_id, on=date(2026, 6, 2),
                                   amount=Decimal(-4)))
        db.session.flush()
        nested.rollback()
    db.session.commit()
    assert _stored(ws.id) == {(account_id, "2026-04"): Decimal(-3)}
    assert totals.differences(db.session, ws.id) == []


def test_the_cli_finds_stale_totals_and_rebuilds_them(app, ctx, runner):
    ws = personal_workspace(make_user("totals-cli@example.com"))
    account = make_account(ws)
    make_transaction(account, "-5.00", on=date(2026, 1, 5))
    assert runner.invoke(args=["reports", "totals"]).exit_code == 0
    # A write behind the app's back (raw SQL) is exactly what the check is for.
    db.session.execute(sa.text(
        "INSERT INTO transactions (workspace_id, account_id, date, amount, memo, status, version, created_at, "
        "updated_at) VALUES (:ws, :a, :d, -7000, '', 'uncleared', 1, :now, :now)"),
        {"ws": ws.id, "a": account.id, "d": date(2026, 2, 1), "now": date(2026, 2, 1)})
    db.session.info.pop("reports.totals_stale", None)  # as if another program wrote it
    db.session.commit()
    stale = runner.invoke(args=["reports", "totals"])
    assert stale.exit_code == 1 and "totals differ" in stale.output
    rebuilt = runner.invoke(args=["reports", "totals", "--rebuild", "--workspace", str(ws.id)])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(args=["reports", "totals"]).exit_code == 0
    db.session.rollback()
    assert _stored(ws.id) == {(account.id, "2026-01"): Decimal(-5), (account.id, "2026-02"): Decimal(-7)}


def test_the_cli_names_an_unknown_workspace(runner, ctx):
    result = runner.invoke(args=["reports", "totals", "--workspace", "999999"])
    assert result.exit_code == 2 and "no workspace with id 999999" in result.output
