"""API: the workspace's accounts with their balances, in their own and the base currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import g, jsonify

from financeapp.accounts.models import Account
from financeapp.accounts.queries import transaction_sums
from financeapp.api import bp
from financeapp.api.schemas import amount_text
from financeapp.core.scoping import require_role, scoped
from financeapp.core.validation import convert
from financeapp.extensions import db
from financeapp.rates.services import rates_to

ZERO = Decimal(0)


def account_json(account: Account, balance: Decimal, rate: Decimal | None, base_currency: str) -> dict:
    """An account as the API shows it; `rate` converts into the base currency (None: unknown)."""
    in_base = convert(balance, rate, base_currency) if rate is not None else None
    return {
        "id": account.id,
        "name": account.name,
        "type": account.type,
        "currency": account.currency,
        "group": account.group_name or None,
        "archived": account.archived,
        "include_in_net_worth": account.include_in_net_worth,
        "opening_balance": amount_text(account.opening_balance, account.currency),
        "balance": amount_text(balance, account.currency),
        "balance_in_base": amount_text(in_base, base_currency) if in_base is not None else None,
        "missing_rate": rate is None,
    }


@bp.get("/accounts")
@require_role("viewer")
def accounts_index():
    """Every account (open first, by group and name) with its balance: three queries in all."""
    workspace = g.workspace
    accounts = list(db.session.scalars(
        scoped(Account, workspace).order_by(Account.archived, Account.group_name, Account.name, Account.id)
    ))
    sums = transaction_sums(workspace)
    rates = rates_to(workspace, {a.currency for a in accounts}, workspace.base_currency, date.today())
    data = [
        account_json(account, account.opening_balance + sums.get(account.id, ZERO), rates.get(account.currency),
                     workspace.base_currency)
        for account in accounts
    ]
    return jsonify(data=data, meta={"base_currency": workspace.base_currency, "total": len(data)})
