"""The demo brokerage's holdings: a year of monthly buys, dividends, a sale and month-end prices.

Deterministic (a fixed price path), so every demo install shows the same holdings and returns. The
cash for the buys is the brokerage account's own ledger balance (its opening balance and transfers in).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from financeapp.accounts.models import Account
from financeapp.extensions import db
from financeapp.investments import services as investments
from financeapp.investments.models import Trade
from financeapp.workspaces.models import Workspace

# symbol, name, kind, first price, monthly drift in per mille, shares bought each month
SECURITIES = (
    ("VTI", "Vanguard Total Stock Market ETF", "etf", Decimal("248.10"), 9, Decimal(3)),
    ("VXUS", "Vanguard Total International Stock ETF", "etf", Decimal("58.40"), 5, Decimal(6)),
    ("BND", "Vanguard Total Bond Market ETF", "etf", Decimal("72.30"), 1, Decimal(4)),
)
WIGGLE = (0, 14, -9, 21, -17, 6, 11, -4, 18, -12, 8, 3, -6)  # per mille, month by month


def _price(first: Decimal, drift: int, month: int) -> Decimal:
    factor = Decimal(1)
    for m in range(month + 1):
        factor *= 1 + Decimal(drift + WIGGLE[m % len(WIGGLE)]) / 1000
    return (first * factor).quantize(Decimal("0.01"))


def seed_demo_investments(workspace: Workspace, today: date | None = None) -> int:
    """Trades and prices in the demo's investment account, unless it has trades; returns the trades added."""
    today = today or date.today()
    account = db.session.scalar(sa.select(Account).where(Account.workspace_id == workspace.id,
                                                         Account.type == "investment").order_by(Account.id))
    if account is None or db.session.scalar(sa.select(Trade.id).where(Trade.account_id == account.id).limit(1)):
        return 0
    start = (today - relativedelta(months=12)).replace(day=5)
    added = 0
    for symbol, name, kind, first, drift, shares in SECURITIES:
        security = investments.find_or_create_security(workspace, symbol, name=name, kind=kind,
                                                       currency=account.currency)
        for month in range(12):
            on = start + relativedelta(months=month)
            price = _price(first, drift, month)
            investments.record_price(workspace, security, on, price)
            investments.record_trade(workspace, account, investments.NewTrade(
                kind="buy", on=on, security_id=security.id, quantity=shares, price=price, fees=Decimal("1.00")))
            added += 1
            if month % 3 == 2 and kind == "etf":  # quarterly distributions
                investments.record_trade(workspace, account, investments.NewTrade(
                    kind="dividend", on=on + timedelta(days=20), security_id=security.id,
                    amount=(shares * (month + 1) * price * Decimal("0.004")).quantize(Decimal("0.01"))))
                added += 1
        latest = _price(first, drift, 12)
        investments.record_price(workspace, security, today - timedelta(days=1), latest)
        if symbol == "BND":  # one sale, so the realized gains have a figure
            investments.record_trade(workspace, account, investments.NewTrade(
                kind="sell", on=today - timedelta(days=10), security_id=security.id, quantity=Decimal(10),
                price=latest, fees=Decimal("1.00")))
            added += 1
    return added
