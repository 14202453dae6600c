"""A generated history (splits, transfers, EUR with monthly rates) plus hand-made entries, and the
independent SQL that the reports' numbers are checked against.

The expected figures come from plain SQL written here by hand (sa.text), not from the code
under test: sums per (currency, month) and the month-end rate, then converted and rounded
half-even to cents as the reports document.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
import sqlalchemy as sa

from financeapp.demo.generator import generate_history
from financeapp.extensions import db
from financeapp.transactions import services as ledger
from financeapp.transactions.services import EntryInput, LineInput, TransferInput
from financeapp.workspaces.models import Workspace
from tests.factories import add_member, make_category, make_user, personal_workspace

OWNER = "reports-owner@example.com"
STRANGER = "reports-stranger@example.com"
VIEWER = "reports-viewer@example.com"
END = date(2026, 10, 31)
CENT = Decimal("0.01")


@dataclass
class Dataset:
    ws: Workspace
    other_ws: Workspace
    other_account_id: int
    checking_id: int
    euro_id: int
    label_id: int
    split_id: int


def _account_id(ws: Workspace, currency: str, type_: str) -> int:
    return db.session.execute(sa.text(
        "SELECT id FROM accounts WHERE workspace_id = :ws AND currency = :c AND type = :t ORDER BY id LIMIT 1"
    ), {"ws": ws.id, "c": currency, "t": type_}).scalar_one()


@pytest.fixture
def dataset(ctx) -> Dataset:
    ws = personal_workspace(make_user(OWNER))
    other_ws = personal_workspace(make_user(STRANGER))
    generate_history(ws.id, 3000, seed=5, end=END)
    generate_history(other_ws.id, 400, seed=9, end=END)
    db.session.commit()
    checking = _account_id(ws, "USD", "checking")
    euro = db.session.execute(sa.text("SELECT id FROM accounts WHERE workspace_id = :ws AND currency = 'EUR'"),
                              {"ws": ws.id}).scalar_one()
    food = make_category(ws, "Groceries", group="Everyday")
    fun = make_category(ws, "Cinema", group="Fun")
    refund = make_category(ws, "Refunds", group="Other income", kind="income")
    split, = [ledger.record_entry(ws, EntryInput(
        account_id=checking, on=date(2026, 10, 20), amount=Decimal("150.00"), direction="out", payee="Hypermarket",
        labels=("reports-test",),
        lines=(LineInput(food.id, Decimal("100.25")), LineInput(fun.id, Decimal("49.75")))))]
    ledger.record_entry(ws, EntryInput(account_id=euro, on=date(2026, 9, 3), amount=Decimal("80.10"),
                                       direction="in", payee="Remboursement", category_id=refund.id))
    ledger.record_transfer(ws, TransferInput(from_account_id=checking, to_account_id=euro, on=date(2026, 10, 5),
                                             amount=Decimal("500.00"), to_amount=Decimal("431.20")))
    db.session.commit()
    label_id = db.session.execute(sa.text("SELECT id FROM labels WHERE workspace_id = :ws AND name = 'reports-test'"),
                                  {"ws": ws.id}).scalar_one()
    other_account = db.session.execute(sa.text("SELECT id FROM accounts WHERE workspace_id = :ws LIMIT 1"),
                                       {"ws": other_ws.id}).scalar_one()
    return Dataset(ws, other_ws, other_account, checking, euro, label_id, split.id)


@pytest.fixture
def signed_in(dataset, auth) -> Dataset:
    assert auth.login(OWNER).status_code == 302
    return dataset


@pytest.fixture
def as_viewer(dataset, auth, client) -> Dataset:
    add_member(dataset.ws, make_user(VIEWER), "viewer")
    assert auth.login(VIEWER).status_code == 302
    assert client.post(f"/workspaces/{dataset.ws.id}/switch").status_code == 302
    return dataset


# Independent SQL -------------------------------------------------------------------------------------


def month_sql() -> str:
    return "strftime('%Y-%m', t.date)" if db.engine.dialect.name == "sqlite" else "DATE_FORMAT(t.date, '%Y-%m')"


def money(scaled: int | Decimal | None) -> Decimal:
    """A raw Money column value (thousandths) as a Decimal."""
    return Decimal(int(scaled or 0)).scaleb(-3)


def month_end(key: str) -> date:
    year, month = int(key[:4]), int(key[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])


def rate_at(ws_id: int, currency: str, base: str, on: date) -> Decimal:
    if currency == base:
        return Decimal(1)
    raw = db.session.execute(sa.text(
        "SELECT rate FROM exchange_rates WHERE workspace_id = :ws AND base = :c AND quote = :b AND date <= :d "
        "ORDER BY date DESC LIMIT 1"), {"ws": ws_id, "c": currency, "b": base, "d": on}).scalar()
    assert raw is not None, f"the dataset has a {currency} rate for {on}"
    return Decimal(int(raw)).scaleb(-10)


def to_base(ws: Workspace, amount: Decimal, currency: str, month: str) -> Decimal:
    return (amount * rate_at(ws.id, currency, ws.base_currency, month_end(month))).quantize(
        CENT, rounding=ROUND_HALF_EVEN)


# Income and spending per line, as the app defines them (financeapp/reports/spending.py), written out
# again by hand: an income category's line is income, any other category's line is spending net of
# refunds, an uncategorised line counts by its sign.
LINE_INCOME = ("CASE WHEN c.kind = 'income' THEN l.amount "
               "WHEN c.id IS NULL AND l.amount > 0 THEN l.amount ELSE 0 END")
LINE_SPENDING = ("CASE WHEN c.kind = 'income' THEN 0 WHEN c.id IS NOT NULL THEN -l.amount "
                 "WHEN l.amount < 0 THEN -l.amount ELSE 0 END")


def line_flows(ws: Workspace, start: date, end: date, key: str = "'all'", extra: str = "") -> dict:
    """{key: [income, spending]} in the base currency, from the category lines of non-transfers.

    Converted per account, month and category (the documented unit of conversion), then added up.
    """
    rows = db.session.execute(sa.text(f"""
        SELECT a.currency, {month_sql()} AS m, {key} AS k, SUM({LINE_INCOME}), SUM({LINE_SPENDING})
        FROM transaction_lines l
        JOIN transactions t ON t.id = l.transaction_id
        JOIN accounts a ON a.id = t.account_id
        LEFT JOIN categories c ON c.id = l.category_id
        WHERE t.workspace_id = :ws AND t.transfer_key IS NULL AND t.date >= :s AND t.date <= :e {extra}
        GROUP BY a.currency, t.account_id, l.category_id, {month_sql()}, {key}
    """), {"ws": ws.id, "s": start, "e": end}).all()
    result: dict = {}
    for currency, month, k, money_in, money_out in rows:
        item = result.setdefault((month, k) if key != "'all'" else month, [Decimal(0), Decimal(0)])
        item[0] += to_base(ws, money(money_in), currency, month)
        item[1] += to_base(ws, money(money_out), currency, month)
    return result


def text(value: Decimal) -> str:
    return f"{value.quantize(CENT) + 0:f}"
