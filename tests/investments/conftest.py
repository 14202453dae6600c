"""Fixtures for the investments tests: an owner's brokerage account with a stranger's beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from financeapp.accounts.models import Account
from financeapp.extensions import db
from financeapp.investments import services
from financeapp.investments.models import Price, Security, Trade
from financeapp.workspaces.models import Workspace
from tests.factories import add_member, make_account, make_user, personal_workspace

OWNER = "investor@example.com"
STRANGER = "stranger@example.com"
VIEWER = "watcher@example.com"


def buy(ws: Workspace, account: Account, security: Security, quantity: str, price: str, on: date,
        fees: str = "0", kind: str = "buy", **extra) -> Trade:
    trade = services.record_trade(ws, account, services.NewTrade(
        kind=kind, on=on, security_id=security.id, quantity=Decimal(quantity), price=Decimal(price),
        fees=Decimal(fees), **extra))
    db.session.commit()
    return trade


def sell(ws: Workspace, account: Account, security: Security, quantity: str, price: str, on: date,
         fees: str = "0", **extra) -> Trade:
    return buy(ws, account, security, quantity, price, on, fees, kind="sell", **extra)


def cash(ws: Workspace, account: Account, kind: str, amount: str, on: date, security: Security | None = None) -> Trade:
    trade = services.record_trade(ws, account, services.NewTrade(
        kind=kind, on=on, amount=Decimal(amount), security_id=security.id if security else None))
    db.session.commit()
    return trade


def price(ws: Workspace, security: Security, close: str, on: date) -> Price:
    row = services.record_price(ws, security, on, Decimal(close))
    db.session.commit()
    return row


@dataclass
class Books:
    ws: Workspace
    broker: Account
    acme: Security
    other_ws: Workspace
    other_account_id: int
    other_security_id: int
    other_trade_id: int
    other_price_id: int


@pytest.fixture
def books(ctx) -> Books:
    ws = personal_workspace(make_user(OWNER))
    other_ws = personal_workspace(make_user(STRANGER))
    broker = make_account(ws, "Broker", type="investment")
    acme = services.find_or_create_security(ws, "ACME", name="Acme Corp", kind="stock", currency="USD")
    other_account = make_account(other_ws, "Their broker", type="investment")
    theirs = services.find_or_create_security(other_ws, "THEIRS", name="Theirs", kind="etf", currency="USD")
    db.session.commit()
    other_trade = buy(other_ws, other_account, theirs, "5", "10", date(2026, 1, 5))
    other_price = price(other_ws, theirs, "11", date(2026, 1, 6))
    return Books(ws, broker, acme, other_ws, other_account.id, theirs.id, other_trade.id, other_price.id)


@pytest.fixture
def owner(books, auth) -> Books:
    """The books, with the client signed in as their owner."""
    assert auth.login(OWNER).status_code == 302
    return books


@pytest.fixture
def viewer(books, auth, client) -> Books:
    """The books, with the client signed in as a viewer of the owner's workspace."""
    add_member(books.ws, make_user(VIEWER), "viewer")
    assert auth.login(VIEWER).status_code == 302
    assert client.post(f"/workspaces/{books.ws.id}/switch").status_code == 302
    return books
