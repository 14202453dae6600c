"""Which account a statement of a file goes to: one rule for the wizard's pre-selection, the CLI and
the commit.

In order: the user's choice; the account with the statement's number; the open account with the
statement's name (a QIF `!Account`, a CSV account column); the default account (the CLI's
`--account`) for a statement the file does not name, or for the one statement of a file of one; a new
account, created on commit, when the file names one (by number or name); the
only open account; else none (the rows are then an error: "no account was chosen").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from financeapp.accounts.models import ACCOUNT_TYPES, Account
from financeapp.core.errors import NotFound
from financeapp.core.money import is_currency
from financeapp.core.scoping import as_id, get_scoped_or_404, scoped
from financeapp.extensions import db
from financeapp.imports.parsed import ParsedFile, ParsedStatement
from financeapp.imports.parsers.ledger import fold
from financeapp.workspaces.models import Workspace

NEW = "new"  # the account choice "create it from the file"
_TYPE_WORDS = (("credit_card", ("card", "visa", "mastercard", "amex")), ("savings", ("saving",)),
               ("cash", ("cash", "wallet")), ("loan", ("loan", "mortgage")),
               ("investment", ("brokerage", "invest", "pension")))


def normalise_number(number: str) -> str:
    return "".join(c for c in (number or "") if c.isalnum()).casefold()


def find_account(workspace: Workspace, ref: str | int) -> Account:
    """An account by id or by name (the CLI's --account)."""
    key = as_id(ref)
    account = None
    if key is not None:
        account = db.session.scalar(scoped(Account, workspace).where(Account.id == key))
    if account is None:
        account = db.session.scalar(scoped(Account, workspace).where(Account.name == str(ref).strip()))
    if account is None:
        raise NotFound(f"No account “{ref}” in {workspace.name}.")
    return account


@dataclass
class Target:
    """Where one statement's rows go: an existing account, or one created on commit."""

    account: Account | None
    how: str  # "chosen" | "number" | "name" | "default" | "new" | "only" | ""
    new_name: str = ""
    new_currency: str = ""
    new_type: str = "checking"
    new_number: str = ""

    @property
    def currency(self) -> str:
        return self.account.currency if self.account else self.new_currency

    @property
    def label(self) -> str:
        if self.account is not None:
            return self.account.name
        return f"{self.new_name} (new)" if self.how == NEW else "no account chosen"


class Accounts:
    """The workspace's accounts as the rule looks them up (read once per file)."""

    def __init__(self, workspace: Workspace, default: Account | None = None):
        rows = list(db.session.scalars(scoped(Account, workspace).order_by(Account.id)))
        self.open = [a for a in rows if not a.archived]
        self.by_number: dict[str, Account] = {}
        for account in rows:
            if account.number:
                self.by_number.setdefault(normalise_number(account.number), account)
        self.by_name = {fold(a.name): a for a in reversed(self.open)}
        self.taken = {a.name.casefold() for a in rows}
        self.default = default

    def match(self, number: str, name: str, *, alone: bool = True) -> tuple[Account | None, str]:
        """(account, how) by the rule above, without the user's choice; (None, NEW) for a new account.
        `alone`: the statement is the file's only one."""
        for given in (number, name):  # a CSV's account column may hold the account's number
            if given and (found := self.by_number.get(normalise_number(given))) is not None:
                return found, "number"
        if name and (found := self.by_name.get(fold(name))) is not None:
            return found, "name"
        if self.default is not None and (alone or not name):
            return self.default, "default"
        if number or name:
            return None, NEW
        if len(self.open) == 1:
            return self.open[0], "only"
        return None, ""

    def new_name(self, statement: ParsedStatement, file_name: str) -> str:
        """The name a statement's account gets when created from the file (never one already taken)."""
        kind = ACCOUNT_TYPES.get(statement.account_type, "Account")
        base = (statement.account_name or (f"{kind} {statement.account_number}" if statement.account_number
                                           else Path(file_name).stem or "Imported account")).strip()[:72]
        name, n = base, 2
        while name.casefold() in self.taken:
            name = f"{base} ({n})"
            n += 1
        self.taken.add(name.casefold())
        return name


def account_type(statement: ParsedStatement) -> str:
    """The file's account type, else one guessed from the name ("Visa card" is a credit card)."""
    if statement.account_type in ACCOUNT_TYPES:
        return statement.account_type
    words = statement.account_name.casefold()
    return next((kind for kind, hints in _TYPE_WORDS if any(h in words for h in hints)), "checking")


def new_target(workspace: Workspace, accounts: Accounts, statement: ParsedStatement, file_name: str) -> Target:
    currency = (statement.currency or "").upper()
    return Target(None, NEW, accounts.new_name(statement, file_name),
                  currency if is_currency(currency) else workspace.base_currency, account_type(statement),
                  statement.account_number[:64])


def resolve_targets(workspace: Workspace, parsed: ParsedFile, choices: dict[str, Any] | None = None,
                    default_account_id: int | None = None, file_name: str = "") -> list[Target]:
    """Each statement's account, by the rule in this module's docstring."""
    choices = choices or {}
    default = get_scoped_or_404(Account, default_account_id, workspace) if default_account_id else None
    accounts = Accounts(workspace, default)
    targets = []
    for i, statement in enumerate(parsed.statements):
        choice = choices.get(str(i))
        if choice not in (None, "", NEW):
            targets.append(Target(get_scoped_or_404(Account, choice, workspace), "chosen"))
            continue
        account, how = accounts.match(statement.account_number, statement.account_name,
                                      alone=len(parsed.statements) == 1)
        if choice == NEW or how == NEW:
            targets.append(new_target(workspace, accounts, statement, file_name))
        else:
            targets.append(Target(account, how))
    return targets


def default_choices(workspace: Workspace, statements: list[dict[str, Any]],
                    default_account_id: int | None = None) -> dict[str, str]:
    """What the account step pre-selects per statement summary (services.summarise): the same rule, with
    `default_account_id` (a saved CSV mapping's account) as the default account."""
    default = db.session.scalar(scoped(Account, workspace).where(
        Account.id == default_account_id, Account.archived.is_(False))) if default_account_id else None
    accounts = Accounts(workspace, default)
    out = {}
    for i, summary in enumerate(statements):
        account, how = accounts.match(summary.get("number", ""), summary.get("name", ""),
                                      alone=len(statements) == 1)
        out[str(i)] = str(account.id) if account is not None else how
    return out


def proposed_names(workspace: Workspace, statements: list[dict[str, Any]], file_name: str) -> list[str]:
    """The name each statement's account would get if created from the file."""
    accounts = Accounts(workspace)
    return [accounts.new_name(ParsedStatement(account_number=s["number"], account_type=s["type"],
                                              account_name=s["name"]), file_name) for s in statements]
