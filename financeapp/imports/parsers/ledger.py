"""Rows of a one-file, many-account export (Firefly III, Actual, YNAB, a spreadsheet) -> statements.

A CSV with an account column holds several accounts: `assemble` gives one statement per account (in
the order the accounts first appear, with the currency of their first row that names one) and turns
consecutive rows of one split into one transaction with lines. Rows belong to one split when they
share the date, the account and the payee, and either a split id (a column) or a numbered memo prefix
as YNAB ("Split (1/3) ...") and Actual ("(SPLIT 1 OF 3) ...") write them; Actual's parent row
("(SPLIT INTO 3)", amount 0) only announces its lines and is left out.

Categories arrive in two levels as "Group/Name", "Group:Name" or "Group > Name" and leave as
"Group:Name" (what planning looks up and creates); tags are split on commas, semicolons or bars.
Pure: no database, no Flask.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from financeapp.imports.parsed import ParsedSplit, ParsedStatement, ParsedTransaction

_SPLIT_LINE = (re.compile(r"^split \((\d+)/(\d+)\)\s*", re.IGNORECASE),
               re.compile(r"^\(split (\d+) of (\d+)\)\s*", re.IGNORECASE))
_SPLIT_PARENT = re.compile(r"^\(split into \d+\)\s*", re.IGNORECASE)
_TRANSFER_PAYEE = re.compile(r"^transfer\s*:\s*(.+)$", re.IGNORECASE)  # YNAB: "Transfer : Savings"
_CATEGORY_SEPARATORS = (">", ":", "/")
_LABEL_SEPARATORS = re.compile(r"[,;|]")


@functools.lru_cache(maxsize=4096)  # a file repeats its few account names on every row
def fold(name: str) -> str:
    """An account name as the file's rows are matched to each other: case, accents and spacing aside."""
    text = unicodedata.normalize("NFKD", " ".join(name.split()).casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def category_path(raw: str) -> str:
    """"Group/Name", "Group:Name", "Group > Name" -> "Group:Name"; one level stays as it is."""
    if not raw:
        return ""
    text = " ".join(raw.split())
    for separator in _CATEGORY_SEPARATORS:
        if separator in text:
            group, name = (part.strip() for part in text.split(separator, 1))
            if group and name:
                return f"{group}:{name}"
            return group or name
    return text


def labels_of(raw: str) -> tuple[str, ...]:
    """"rent, home;2024" -> ("rent", "home", "2024"), each once."""
    if not raw:
        return ()
    names = (" ".join(part.split())[:40] for part in _LABEL_SEPARATORS.split(raw or ""))
    return tuple(dict.fromkeys(name for name in names if name))


@dataclass(slots=True)
class LedgerRow:
    """One data row of the file, read through the column mapping."""

    row: int
    on: date
    amount: Decimal
    payee: str = ""
    memo: str = ""
    external_id: str | None = None
    account: str = ""
    currency: str = ""
    category: str = ""
    labels: tuple[str, ...] = ()
    transfer: str = ""
    split_id: str = ""


def _continues(group: list[LedgerRow], marker: tuple[int, int] | None, row: LedgerRow,
               this: tuple[int, int] | None) -> bool:
    """Whether `row` is the next line of the split `group` (whose first line has `marker`)."""
    first = group[0]
    same_split = (row.split_id and row.split_id == first.split_id) or (
        this is not None and marker is not None and this[1] == marker[1] and this[0] == marker[0] + len(group))
    return bool(same_split) and row.on == first.on and fold(row.account) == fold(first.account) \
        and fold(row.payee) == fold(first.payee)


def _groups(rows: list[LedgerRow]) -> Iterator[list[LedgerRow]]:
    """The rows of each transaction: one row, or the lines of a split."""
    group: list[LedgerRow] = []
    marker: tuple[int, int] | None = None
    for row in rows:
        if row.memo[:1] == "(" and row.amount == 0 and _SPLIT_PARENT.match(row.memo):
            continue  # Actual's split parent: its lines follow
        this, row.memo = _split_marker(row.memo)
        if group and (row.split_id or this is not None) and _continues(group, marker, row, this):
            group.append(row)
            continue
        if group:
            yield group
        group, marker = [row], this
    if group:
        yield group


def _split_marker(memo: str) -> tuple[tuple[int, int] | None, str]:
    if memo[:1] not in ("s", "S", "("):  # most memos: no pattern can match
        return None, memo
    for pattern in _SPLIT_LINE:
        match = pattern.match(memo)
        if match:
            return (int(match.group(1)), int(match.group(2))), memo[match.end():]
    return None, memo


def _transfers_from_payees(rows: list[LedgerRow]) -> None:
    """YNAB names a transfer's other account in the payee ("Transfer : Savings"), Actual gives the
    account's own name as the payee: either makes the row a transfer."""
    accounts = {fold(r.account): r.account for r in rows if r.account}
    for row in rows:
        if row.transfer or not row.payee:
            continue
        match = _TRANSFER_PAYEE.match(row.payee)
        other = match.group(1).strip() if match else accounts.get(fold(row.payee), "")
        if other and fold(other) != fold(row.account):
            row.transfer = other


def _transaction(rows: list[LedgerRow]) -> ParsedTransaction:
    first = rows[0]
    if len(rows) == 1:
        return ParsedTransaction(row=first.row, on=first.on, amount=first.amount, payee=first.payee, memo=first.memo,
                                 external_id=first.external_id, category=first.category,
                                 transfer_account=first.transfer, labels=first.labels)
    common = dict(row=first.row, on=first.on, payee=first.payee,
                  external_id=next((r.external_id for r in rows if r.external_id), None),
                  labels=tuple(dict.fromkeys(label for r in rows for label in r.labels)))
    memos = {r.memo for r in rows}
    return ParsedTransaction(
        amount=sum((r.amount for r in rows), Decimal(0)), memo=memos.pop() if len(memos) == 1 else "",
        splits=tuple(ParsedSplit(r.amount, r.category, r.memo) for r in rows), **common,  # type: ignore[arg-type]
    )


def assemble(rows: list[LedgerRow], *, transfers_from_payee: bool = False) -> list[ParsedStatement]:
    """One statement per account named in the rows (one statement when no row names an account)."""
    if transfers_from_payee:
        _transfers_from_payees(rows)
    statements: dict[str, ParsedStatement] = {}
    account: str | None = None
    statement = ParsedStatement()
    for group in _groups(rows):
        first = group[0]
        if first.account != account:  # files list an account's rows together: look it up when it changes
            account = first.account
            statement = statements.setdefault(fold(account), ParsedStatement(account_name=account))
        if statement.currency is None and first.currency:
            statement.currency = first.currency.upper()
        statement.transactions.append(_transaction(group))
    return list(statements.values()) or [ParsedStatement()]
