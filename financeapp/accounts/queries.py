"""Read-only balance aggregations in SQL, shared by pages, the API and services."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.core.db import Money
from financeapp.core.scoping import scoped
from financeapp.core.validation import convert
from financeapp.extensions import db
from financeapp.reports import totals
from financeapp.reports.models import MonthlyTotal
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)


def _sum(*conditions: sa.ColumnElement[bool]) -> Decimal:
    total = db.session.scalar(sa.select(sa.func.sum(Transaction.amount)).where(*conditions))
    return total or ZERO


def balance_on(account: Account, on: date | None = None) -> Decimal:
    """Opening balance plus every transaction up to `on` (all when None)."""
    conditions = [Transaction.workspace_id == account.workspace_id, Transaction.account_id == account.id]
    if on is not None:
        conditions.append(Transaction.on <= on)
    return account.opening_balance + _sum(*conditions)


def cleared_balance_on(account: Account, on: date) -> Decimal:
    return account.opening_balance + _sum(
        Transaction.workspace_id == account.workspace_id, Transaction.account_id == account.id,
        Transaction.on <= on, Transaction.status != "uncleared",
    )


def account_label(account: Account) -> str:
    return f"{account.name} ({account.currency})"


def account_choices(workspace: Workspace, *, keep: Iterable[int | None] = (), archived: bool = False,
                    where: Iterable[sa.ColumnElement[bool]] = (), blank: str | None = None,
                    label: Callable[[Account], str] = account_label) -> list[tuple[str, str]]:
    """The select options of the workspace's accounts by name, as `(id, "Name (EUR)")`.

    Archived accounts are left out unless `archived` (filters, which find old rows too) or a record
    being edited already uses one (its id in `keep`); `where` narrows the list (a currency, a type);
    `blank` puts an empty first option with that text.
    """
    kept = {key for key in keep if key}
    query = scoped(Account, workspace).where(*where).order_by(Account.name, Account.id)
    options = [(str(a.id), label(a)) for a in db.session.scalars(query) if archived or not a.archived or a.id in kept]
    return [("", blank), *options] if blank is not None else options


def transaction_sums(workspace: Workspace) -> dict[int, Decimal]:
    """Each account's sum of transactions, from the monthly totals kept beside the ledger.

    They are current for every month, this one included (reports/totals.py), and a workspace
    has a few rows per account and month where the ledger has every transaction.
    """
    totals.flush_totals(db.session)  # this transaction's own writes first
    rows = db.session.execute(
        sa.select(MonthlyTotal.account_id,
                  sa.func.sum(MonthlyTotal.money_in + MonthlyTotal.money_out, type_=Money))
        .where(MonthlyTotal.workspace_id == workspace.id)
        .group_by(MonthlyTotal.account_id)
    )
    return {account_id: total for account_id, total in rows}


@dataclass
class AccountBalance:
    account: Account
    balance: Decimal
    converted: Decimal | None  # in the workspace base currency; None when no rate is known


@dataclass
class AccountGroup:
    name: str
    rows: list[AccountBalance] = field(default_factory=list)

    @property
    def total(self) -> Decimal | None:
        values = [r.converted for r in self.rows]
        return None if any(v is None for v in values) else sum(values, ZERO)  # type: ignore[arg-type]


@dataclass
class AccountsOverview:
    groups: list[AccountGroup]
    archived: list[AccountBalance]
    assets: Decimal
    liabilities: Decimal
    missing_rates: list[str]

    @property
    def net_worth(self) -> Decimal:
        return self.assets + self.liabilities


def accounts_overview(workspace: Workspace, on: date, rates: dict[str, Decimal | None]) -> AccountsOverview:
    """Balances per group and net worth in the base currency (`rates` converts into it)."""
    sums = transaction_sums(workspace)
    accounts = db.session.scalars(scoped(Account, workspace).order_by(Account.group_name, Account.name))
    groups: dict[str, AccountGroup] = {}
    archived: list[AccountBalance] = []
    assets = liabilities = ZERO
    missing: set[str] = set()
    for account in accounts:
        balance = account.opening_balance + sums.get(account.id, ZERO)
        rate = Decimal(1) if account.currency == workspace.base_currency else rates.get(account.currency)
        converted = convert(balance, rate, workspace.base_currency) if rate is not None else None
        row = AccountBalance(account, balance, converted)
        if account.archived:
            archived.append(row)
            continue
        label = account.group_name or ("Liabilities" if account.is_liability else "Accounts")
        groups.setdefault(label, AccountGroup(label)).rows.append(row)
        if not account.include_in_net_worth:
            continue
        if converted is None:
            missing.add(account.currency)
        elif account.is_liability or converted < 0:
            liabilities += converted
        else:
            assets += converted
    ordered = sorted(groups.values(), key=lambda g: (g.name == "Liabilities", g.name.lower()))
    return AccountsOverview(ordered, archived, assets, liabilities, sorted(missing))


class AccountsByNumber:
    """The workspace's accounts found by number (or IBAN) through its keyed hash: the numbers themselves are
    encrypted, so the database compares digests, under every key of the ring during a rotation."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self._found: dict[str, Account | None] = {}

    def get(self, number: str, default: Account | None = None) -> Account | None:
        from financeapp.accounts.models import normalise_number
        from financeapp.core.crypto import ring

        plain = normalise_number(number)
        if not plain:
            return default
        if plain not in self._found:
            self._found[plain] = db.session.scalar(
                scoped(Account, self.workspace).where(Account.number_digest.in_(ring().blind_indexes(plain)))
                .order_by(Account.id).limit(1))
        return self._found[plain] or default
