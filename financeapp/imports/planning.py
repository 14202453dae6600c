"""From a staged file to a plan: what would happen to every row, written nowhere.

Parsing the file (a CSV with its saved or suggested column mapping), the account each statement
goes to (`resolve_targets`: chosen, matched by the file's account number, the default, or created
on commit), then per row: validation, categories, the rules, and de-duplication against the
account's transactions (`plan_import`). The wizard's preview (`services.analyse_batch`) and the
commit (`committing.commit_import`) both start from `plan_batch`.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from financeapp.accounts.models import ACCOUNT_TYPES, Account, normalise_number
from financeapp.accounts.queries import AccountsByNumber
from financeapp.categories.models import Category
from financeapp.core.errors import Conflict, Invalid, NotFound
from financeapp.core.money import is_currency, minor_units
from financeapp.core.scoping import as_id, get_scoped_or_404, scoped
from financeapp.extensions import db
from financeapp.imports import dedupe
from financeapp.imports.models import CsvMapping as SavedMapping
from financeapp.imports.models import ImportBatch
from financeapp.imports.parsed import ParsedFile, ParsedStatement, ParsedTransaction, ParseError
from financeapp.imports.storage import ProgressFn, options_of, read_stored
from financeapp.rules.matching import RuleOutcome, RuleSubject
from financeapp.workspaces.models import Workspace

NEW = "new"  # the account choice "create it from the file"
MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_AMOUNT = Decimal("1e13")


# -- a batch that can still change ----------------------------------------------------------------


def require_staged(batch: ImportBatch) -> None:
    if batch.status == "committed":
        raise Conflict("This file has already been imported.")
    if batch.status == "undone":
        raise Conflict("This import was undone; upload the file again to import it.")
    if batch.status == "running":
        raise Conflict("This import is running; wait until it has finished.")


# -- parsing the file (another module's parsers, looked up when called) -----------------------------


def _parsers():
    from financeapp.imports import parsers

    return parsers


def csv_parser():
    """The CSV parser's module (its column mapping, header signature and sniffing)."""
    from financeapp.imports.parsers import csv as module

    return module


def detect(filename: str, data: bytes) -> str:
    """The file's format ("csv", "ofx", "qfx", "qif", "camt053"), or Invalid with the reason."""
    if not data:
        raise Invalid("The file is empty.", fields={"file": "The file is empty."})
    try:
        return _parsers().detect_format(filename, data)
    except ParseError as err:
        raise Invalid(str(err), fields={"file": str(err)}) from None


def parse_data(data: bytes, filename: str, csv_mapping: dict[str, Any] | None = None) -> ParsedFile:
    """Parse a bank file; a file that cannot be read raises Invalid naming the row and the reason."""
    mapping = csv_parser().CsvMapping.from_dict(csv_mapping) if csv_mapping else None
    try:
        return _parsers().parse(data, filename, csv_mapping=mapping)
    except ParseError as err:
        raise Invalid(f"{filename or 'The file'}: {err}", fields={"file": str(err)}) from None


def parse_batch(batch: ImportBatch, data: bytes | None = None) -> ParsedFile:
    options = options_of(batch)
    if batch.format == "csv" and not options.get("csv_mapping"):
        raise Invalid("Map the file's columns first.")
    return parse_data(read_stored(batch) if data is None else data, batch.file_name, options.get("csv_mapping"))


# -- CSV columns ----------------------------------------------------------------------------------


def csv_layout(batch: ImportBatch, data: bytes | None = None):
    """The parser's view of a CSV file: encoding, delimiter, header, sample rows, a suggested mapping."""
    try:
        return csv_parser().sniff(read_stored(batch) if data is None else data)
    except ParseError as err:
        raise Invalid(str(err), fields={"file": str(err)}) from None


def saved_mapping(workspace: Workspace, signature: str) -> SavedMapping | None:
    return db.session.scalar(scoped(SavedMapping, workspace).where(SavedMapping.header_signature == signature))


def mapping_for_layout(workspace: Workspace, layout) -> tuple[dict[str, Any] | None, SavedMapping | None]:
    """The mapping to pre-select: the one saved for this header, else the parser's suggestion."""
    saved = saved_mapping(workspace, csv_parser().header_signature(layout))
    if saved is not None:
        try:
            return json.loads(saved.mapping), saved
        except ValueError:
            pass
    suggested = getattr(layout, "suggested", None)
    return (suggested.to_dict() if suggested is not None else None), None


# -- accounts: where each statement's rows go ------------------------------------------------------


def accounts_by_number(workspace: Workspace) -> AccountsByNumber:
    """Accounts by their (encrypted) number: `.get(number)` looks one up by its keyed hash."""
    return AccountsByNumber(workspace)


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
    how: str  # "number" | "chosen" | "default" | "new" | ""
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


def new_account_name(workspace: Workspace, statement: ParsedStatement, file_name: str, taken: set[str]) -> str:
    """The name a statement's account gets when created from the file: not one of `taken`, which it joins."""
    kind = ACCOUNT_TYPES.get(statement.account_type, "Account")
    base = (statement.account_name or (f"{kind} {statement.account_number}" if statement.account_number
                                       else Path(file_name).stem or "Imported account")).strip()[:72]
    name, n = base, 2
    while name.casefold() in taken:
        name = f"{base} ({n})"
        n += 1
    taken.add(name.casefold())
    return name


def resolve_targets(workspace: Workspace, parsed: ParsedFile, choices: dict[str, Any] | None = None,
                    default_account_id: int | None = None, file_name: str = "") -> list[Target]:
    """Each statement's account: the user's choice, else the account with the file's number, else
    the default account (the CLI's --account, or the only account), else a new one when the file
    gives a number."""
    choices = choices or {}
    by_number = accounts_by_number(workspace)
    default = get_scoped_or_404(Account, default_account_id, workspace) if default_account_id else None
    taken = {n.casefold() for n in db.session.scalars(sa.select(Account.name).where(
        Account.workspace_id == workspace.id))}
    targets = []
    for i, statement in enumerate(parsed.statements):
        choice = choices.get(str(i))
        matched = by_number.get(normalise_number(statement.account_number)) if statement.account_number else None
        if choice == NEW or (choice in (None, "") and matched is None and default is None
                             and statement.account_number):
            currency = (statement.currency or "").upper()
            targets.append(Target(
                None, NEW, new_account_name(workspace, statement, file_name, taken),
                currency if is_currency(currency) else workspace.base_currency,
                statement.account_type if statement.account_type in ACCOUNT_TYPES else "checking",
                statement.account_number[:64],
            ))
        elif choice not in (None, ""):
            targets.append(Target(get_scoped_or_404(Account, choice, workspace), "chosen"))
        elif matched is not None:
            targets.append(Target(matched, "number"))
        elif default is not None:
            targets.append(Target(default, "default"))
        else:
            targets.append(Target(None, ""))
    return targets



# -- the plan: what happens to every row ----------------------------------------------------------


@dataclass(slots=True)
class PlannedRow:
    key: str  # "<statement>:<index>", stable across re-plans of the same file and mapping
    statement: int
    row: int
    on: date
    amount: Decimal
    file_payee: str
    payee: str  # after rules
    memo: str
    external_id: str | None  # stored: the bank's id, or a fingerprint of the text
    category_id: int | None = None
    category: str = ""
    labels: tuple[str, ...] = ()
    rule: str = ""
    lines: tuple[tuple[Decimal, int | None, str], ...] = ()  # split lines: amount, category, memo
    status: str = "new"  # new | duplicate | error
    reason: str = ""
    match: dedupe.Match | None = None
    include: bool = True  # after the user's overrides
    text: str = ""  # the file's payee and memo, normalised for de-duplication

    @property
    def outcome(self) -> str:
        """new | duplicate | error | skipped (a new row left out) | forced (a duplicate imported anyway)."""
        if self.status == "new":
            return "new" if self.include else "skipped"
        if self.status == "duplicate":
            return "forced" if self.include else "duplicate"
        return "error"


@dataclass
class Plan:
    targets: list[Target]
    rows: list[PlannedRow]
    warnings: list[str] = field(default_factory=list)
    skipped_notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {"total": len(self.rows), "new": 0, "duplicate": 0, "error": 0, "skipped": 0, "forced": 0}
        for row in self.rows:
            counts[row.outcome] += 1
        counts["imported"] = counts["new"] + counts["forced"]
        return counts

    def to_import(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.include and r.status != "error"]

    def errors(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.status == "error"]

    def sums(self) -> list[tuple[str, str, Decimal, int]]:
        """(account, currency, sum, count) of the rows to import, per target."""
        totals: dict[int, list[Any]] = {}
        for row in self.to_import():
            entry = totals.setdefault(row.statement, [Decimal(0), 0])
            entry[0] += row.amount
            entry[1] += 1
        merged: dict[tuple[str, str], list[Any]] = {}
        for index, (total, count) in sorted(totals.items()):
            target = self.targets[index]
            entry = merged.setdefault((target.label, target.currency), [Decimal(0), 0])
            entry[0] += total
            entry[1] += count
        return [(name, currency, total, count) for (name, currency), (total, count) in merged.items()]


def _clean(text: str | None, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


def fold(name: str) -> str:
    """A name as MariaDB's case- and accent-insensitive collation compares it."""
    text = unicodedata.normalize("NFKD", " ".join(name.split()).casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def category_index(workspace: Workspace) -> tuple[dict[str, int], dict[int, str]]:
    """Category ids by folded name ("Group:Name" and, when unambiguous, "Name"), and display names."""
    rows = db.session.execute(sa.select(Category.id, Category.name, Category.parent_id).where(
        Category.workspace_id == workspace.id)).all()
    names = {cid: name for cid, name, _ in rows}
    by_name: dict[str, int] = {}
    display: dict[int, str] = {}
    leaf_count: dict[str, int] = defaultdict(int)
    for cid, name, parent in rows:
        full = f"{names[parent]}: {name}" if parent in names else name
        display[cid] = full
        by_name[fold(full.replace(": ", ":"))] = cid
        leaf_count[fold(name)] += 1
    for cid, name, parent in rows:
        if leaf_count[fold(name)] == 1 and parent is not None:
            by_name.setdefault(fold(name), cid)
    for cid, name, parent in rows:
        if parent is None:
            by_name.setdefault(fold(name), cid)
    return by_name, display


def _category_id(by_name: dict[str, int], name: str) -> int | None:
    if not name:
        return None
    key = fold(name.replace(" : ", ":").replace(": ", ":"))
    return by_name.get(key) or by_name.get(key.rsplit(":", 1)[-1])


def apply_rules(workspace: Workspace, subjects: Sequence[RuleSubject]) -> list[RuleOutcome]:
    """The rules engine's outcome for each row."""
    from financeapp.rules.services import apply_rules as engine

    return engine(workspace, subjects)


def _row_error(txn: ParsedTransaction, currency: str, unit: Decimal | None) -> str:
    """Why a parsed row cannot be imported into an account of `currency` ("" when it can);
    `unit` is the currency's smallest amount (Decimal("0.01") for USD)."""
    amount = txn.amount
    if not amount.is_finite():
        return "the amount is not a number"
    if abs(amount) >= MAX_AMOUNT:
        return f"the amount {amount} is too large"
    if unit is not None and amount != amount.quantize(unit):
        return f"the amount {amount} has more decimals than {currency} allows ({minor_units(currency)})"
    if not MIN_YEAR <= txn.on.year <= MAX_YEAR:
        return f"the date {txn.on.isoformat()} is out of range"
    if txn.splits:
        total = sum((sp.amount for sp in txn.splits), Decimal(0))
        if total != amount:
            return f"the split lines add up to {total}, not to the amount {amount}"
        if unit is not None and any(sp.amount != sp.amount.quantize(unit) for sp in txn.splits):
            return f"a split amount has more decimals than {currency} allows"
    return ""


def _memo(txn: ParsedTransaction) -> str:
    memo = _clean(txn.memo, 255)
    extras = []
    if txn.check_number and txn.check_number not in memo:
        extras.append(f"check {txn.check_number}")
    if txn.transfer_account:
        direction = "to" if txn.amount < 0 else "from"
        extras.append(f"transfer {direction} [{txn.transfer_account}]")
    if extras:
        memo = _clean(" · ".join([memo, *extras]) if memo else " · ".join(extras), 255)
    return memo


def plan_import(workspace: Workspace, parsed: ParsedFile, targets: list[Target], *,
                force: Sequence[str] = (), skip: Sequence[str] = (),
                progress: ProgressFn | None = None) -> Plan:
    """What will happen to every row: new, duplicate (of which transaction, and why), error (and why),
    and what the rules set. Writes nothing."""
    total = parsed.transaction_count
    by_name, display = category_index(workspace)
    known_categories = set(display)
    forced, skipped = set(force), set(skip)
    plan = Plan(targets, [], list(parsed.warnings))
    subjects: list[RuleSubject] = []
    for s, statement in enumerate(parsed.statements):
        target = targets[s]
        plan.skipped_notes.extend(f"{statement.account_number or 'Statement ' + str(s + 1)}: {note}"
                                  for note in statement.skipped)
        currency_problem = ""
        stated = (statement.currency or "").upper()
        if target.account is None and target.how != NEW:
            currency_problem = "no account was chosen for these rows"
        elif stated and is_currency(stated) and target.currency and stated != target.currency:
            currency_problem = f"the file is in {stated} but {target.label} is in {target.currency}"
        currency = target.currency
        unit = Decimal(1).scaleb(-minor_units(currency)) if currency else None
        account_id = target.account.id if target.account else 0
        for i, txn in enumerate(statement.transactions):
            memo = _memo(txn)
            file_payee = _clean(txn.payee, 120)
            row = PlannedRow(f"{s}:{i}", s, txn.row, txn.on, txn.amount, file_payee, file_payee, memo,
                             txn.external_id[:255] if txn.external_id else None)
            row.reason = currency_problem or _row_error(txn, currency, unit)
            if row.reason:
                row.status, row.include = "error", False
            else:
                if unit is not None:
                    row.amount = txn.amount.quantize(unit)
                if txn.category:
                    row.category_id = _category_id(by_name, txn.category)
                if txn.splits:
                    row.lines = tuple((sp.amount.quantize(unit) if unit is not None else sp.amount,
                                       _category_id(by_name, sp.category), _clean(sp.memo, 255))
                                      for sp in txn.splits)
                row.text = dedupe.normalise_text(file_payee, memo)
            plan.rows.append(row)
            subjects.append(RuleSubject(file_payee, memo, row.amount, account_id))
    if progress:
        progress(0, total)

    outcomes = apply_rules(workspace, subjects) if subjects else []
    for row, outcome in zip(plan.rows, outcomes, strict=False):
        if row.status == "error" or outcome.rule_id is None:
            continue
        row.rule = outcome.rule_name
        if outcome.payee:
            row.payee = _clean(outcome.payee, 120)
        if outcome.category_id in known_categories:
            row.category_id = outcome.category_id
        row.labels = tuple(outcome.labels)
    for row in plan.rows:
        if row.category_id:
            row.category = display.get(row.category_id, "")

    # De-duplicate per account: one date-span query (plus bank-id lookups) per account.
    by_account: dict[int, list[PlannedRow]] = defaultdict(list)
    for row in plan.rows:
        target = targets[row.statement]
        if row.status != "error" and target.account is not None:
            by_account[target.account.id].append(row)
    done = 0
    for account_id, rows in by_account.items():
        incoming = [dedupe.Incoming(r.on, r.amount, _texts(r), r.external_id) for r in rows]
        for row, match in zip(rows, dedupe.find_duplicates(workspace.id, account_id, incoming), strict=True):
            if match is not None:
                row.status, row.match, row.reason, row.include = "duplicate", match, match.reason, False
        done += len(rows)
        if progress:
            progress(done, total)

    for row in plan.rows:
        if row.status == "duplicate" and row.key in forced:
            row.include = True
        elif row.status == "new" and row.key in skipped:
            row.include = False
    if progress:
        progress(total, total)
    return plan


def _texts(row: PlannedRow) -> tuple[str, ...]:
    """The normalised texts a stored copy of this row would have: as in the file, and as renamed."""
    if row.payee == row.file_payee:
        return (row.text,)
    renamed = dedupe.normalise_text(row.payee, row.memo)
    return (row.text, renamed) if renamed != row.text else (row.text,)


def plan_batch(workspace: Workspace, batch: ImportBatch, parsed: ParsedFile | None = None,
               progress: ProgressFn | None = None) -> Plan:
    """The plan of a staged batch, with its account choices and the user's overrides."""
    options = options_of(batch)
    parsed = parsed if parsed is not None else parse_batch(batch)
    targets = resolve_targets(workspace, parsed, options.get("accounts"), options.get("account_id"),
                              batch.file_name)
    return plan_import(workspace, parsed, targets, force=options.get("force", []), skip=options.get("skip", []),
                       progress=progress)


def record_counts(batch: ImportBatch, plan: Plan) -> None:
    """Keep a plan's counts on its batch."""
    counts = plan.counts()
    batch.rows_total = counts["total"]
    batch.rows_imported = counts["imported"]
    batch.rows_duplicate = counts["duplicate"]
    batch.rows_error = counts["error"]
    batch.rows_skipped = counts["skipped"]
