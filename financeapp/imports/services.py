"""The import pipeline: stage an upload, map CSV columns, choose accounts, preview, commit, undo.

Every step works on an `ImportBatch` and the uploaded file kept beside it (outside static/):

1. `stage_upload` stores the file and detects its format;
2. (CSV) `csv_layout` / `mapping_for_layout` / `choose_csv_mapping` pick the columns; a mapping
   is saved per workspace under the file's header signature and chosen again automatically;
3. `statement_summaries` + `choose_accounts` say which account each statement goes to
   (matched by the file's account number, chosen by the user, or created on commit);
4. `plan_import` parses, applies rules, de-duplicates and validates every row: the preview;
5. `commit_import` re-plans inside the caller's transaction and writes everything in bulk, or
   raises and writes nothing; `undo_import` removes an import as a whole.

Services flush, never commit; the caller (view, job, CLI) owns the one commit.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from hashlib import sha256
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from financeapp.accounts.models import ACCOUNT_TYPES, Account
from financeapp.auth.models import User
from financeapp.categories.models import Category
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, Invalid, NotFound
from financeapp.core.money import is_currency, minor_units, quantize
from financeapp.core.scoping import as_id, get_scoped_or_404, scoped
from financeapp.extensions import db
from financeapp.imports import dedupe
from financeapp.imports.models import CsvMapping as SavedMapping
from financeapp.imports.models import ImportBatch
from financeapp.imports.parsed import ParsedFile, ParsedStatement, ParsedTransaction, ParseError
from financeapp.labels.services import labels_named
from financeapp.payees.models import Payee
from financeapp.reports import totals
from financeapp.rules.matching import RuleOutcome, RuleSubject
from financeapp.transactions.models import Transaction, TransactionLine, transaction_labels
from financeapp.workspaces.models import Workspace

CHUNK = 5_000  # rows per executemany
PROGRESS_EVERY = 2_000  # rows between progress reports
MAX_ERRORS_NAMED = 5  # rows named in a refusal message
NEW = "new"  # the account choice "create it from the file"
IMPORT_STATUS = "cleared"  # the bank has booked an imported row
MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_AMOUNT = Decimal("1e13")

ProgressFn = Callable[[int, int], None]


# -- files ------------------------------------------------------------------------------------


def import_folder(workspace_id: int) -> Path:
    """Where a workspace's uploaded bank files wait for their import (outside static/)."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / "imports" / str(int(workspace_id))


def stored_path(batch: ImportBatch) -> Path:
    if not batch.stored_name:
        raise NotFound("The uploaded file of this import is no longer kept; upload it again.")
    return import_folder(batch.workspace_id) / batch.stored_name


def read_stored(batch: ImportBatch) -> bytes:
    try:
        return stored_path(batch).read_bytes()
    except FileNotFoundError:
        raise NotFound("The uploaded file of this import is no longer kept; upload it again.") from None


def plan_path(batch: ImportBatch) -> Path:
    return stored_path(batch).with_suffix(".plan")


def progress_path(batch: ImportBatch) -> Path:
    return import_folder(batch.workspace_id) / f"{batch.stored_name or batch.id}.progress"


def discard_files(batch: ImportBatch) -> None:
    """Remove the upload and its preview once the import is done (call after the commit)."""
    if not batch.stored_name:
        return
    for path in (stored_path(batch), plan_path(batch), progress_path(batch)):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            current_app.logger.warning("could not remove %s", path)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class ProgressFile:
    """Live progress of a running step, in a small file beside the upload.

    The database transaction that imports the rows cannot also publish progress (on SQLite
    nobody else may write while it runs), so the page polls this file; the batch's own
    `progress` column holds the final count once the transaction commits.
    """

    def __init__(self, batch: ImportBatch, label: str):
        self.path = progress_path(batch)
        self.label = label
        self.last = -PROGRESS_EVERY

    def __call__(self, done: int, total: int) -> None:
        if done - self.last < PROGRESS_EVERY and done < total:
            return
        self.last = done
        with contextlib.suppress(OSError):  # progress is a nicety; never fail an import for it
            _write_atomically(self.path, json.dumps({"done": done, "total": total, "step": self.label}).encode())

    @staticmethod
    def read(batch: ImportBatch) -> dict[str, Any] | None:
        try:
            data = json.loads(progress_path(batch).read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None


# -- options kept on the batch ---------------------------------------------------------------


def options_of(batch: ImportBatch) -> dict[str, Any]:
    try:
        data = json.loads(batch.options or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def set_options(batch: ImportBatch, **changes: Any) -> dict[str, Any]:
    data = options_of(batch)
    data.update(changes)
    batch.options = json.dumps(data, default=str)
    return data


# -- parsers (another module's functions, looked up when called) -------------------------------


def _parsers():
    from financeapp.imports import parsers

    return parsers


def _csv():
    from financeapp.imports.parsers import csv as csv_parser

    return csv_parser


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
    mapping = _csv().CsvMapping.from_dict(csv_mapping) if csv_mapping else None
    try:
        return _parsers().parse(data, filename, csv_mapping=mapping)
    except ParseError as err:
        raise Invalid(f"{filename or 'The file'}: {err}", fields={"file": str(err)}) from None


def parse_batch(batch: ImportBatch, data: bytes | None = None) -> ParsedFile:
    options = options_of(batch)
    if batch.format == "csv" and not options.get("csv_mapping"):
        raise Invalid("Map the file's columns first.")
    return parse_data(read_stored(batch) if data is None else data, batch.file_name, options.get("csv_mapping"))


# -- 1. upload ----------------------------------------------------------------------------------


def clean_file_name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:255] or "upload"


def stage_upload(workspace: Workspace, user: User | None, filename: str, data: bytes) -> ImportBatch:
    """Keep an uploaded bank file and detect its format: the first step of the wizard."""
    name = clean_file_name(filename)
    fmt = detect(name, data)
    token = secrets.token_hex(16)
    _write_atomically(import_folder(workspace.id) / token, data)
    batch = ImportBatch(
        workspace_id=workspace.id, file_name=name, format=fmt[:10], status="staged", stored_name=token,
        sha256=sha256(data).hexdigest(), options="{}", created_by_id=user.id if user else None,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def get_batch(workspace: Workspace, batch_id: object) -> ImportBatch:
    return get_scoped_or_404(ImportBatch, batch_id, workspace)


def require_staged(batch: ImportBatch) -> None:
    if batch.status == "committed":
        raise Conflict("This file has already been imported.")
    if batch.status == "undone":
        raise Conflict("This import was undone; upload the file again to import it.")
    if batch.status == "running":
        raise Conflict("This import is running; wait until it has finished.")


# -- 2. CSV columns -----------------------------------------------------------------------------


def csv_layout(batch: ImportBatch, data: bytes | None = None):
    """The parser's view of a CSV file: encoding, delimiter, header, sample rows, a suggested mapping."""
    try:
        return _csv().sniff(read_stored(batch) if data is None else data)
    except ParseError as err:
        raise Invalid(str(err), fields={"file": str(err)}) from None


def saved_mapping(workspace: Workspace, signature: str) -> SavedMapping | None:
    return db.session.scalar(scoped(SavedMapping, workspace).where(SavedMapping.header_signature == signature))


def mapping_for_layout(workspace: Workspace, layout) -> tuple[dict[str, Any] | None, SavedMapping | None]:
    """The mapping to pre-select: the one saved for this header, else the parser's suggestion."""
    saved = saved_mapping(workspace, _csv().header_signature(layout))
    if saved is not None:
        try:
            return json.loads(saved.mapping), saved
        except ValueError:
            pass
    suggested = getattr(layout, "suggested", None)
    return (suggested.to_dict() if suggested is not None else None), None


def choose_csv_mapping(workspace: Workspace, batch: ImportBatch, mapping: dict[str, Any],
                       *, name: str = "", data: bytes | None = None) -> ParsedFile:
    """Check a column mapping by parsing the whole file with it, keep it on the batch and save it for
    the next file with the same header."""
    require_staged(batch)
    data = read_stored(batch) if data is None else data
    try:
        normalised = _csv().CsvMapping.from_dict(mapping).to_dict()
    except (TypeError, ValueError, KeyError) as err:
        raise Invalid(f"That column mapping is incomplete: {err}") from None
    parsed = parse_data(data, batch.file_name, normalised)
    signature = _csv().header_signature(csv_layout(batch, data))
    saved = saved_mapping(workspace, signature)
    if saved is None:
        saved = SavedMapping(workspace_id=workspace.id, header_signature=signature[:64])
        db.session.add(saved)
    saved.mapping = json.dumps(normalised, default=str)
    saved.name = (name or saved.name or batch.file_name)[:80]
    set_options(batch, csv_mapping=normalised, statements=summarise(parsed), warnings=list(parsed.warnings),
                accounts={}, force=[], skip=[], analysed=False)
    batch.rows_total = parsed.transaction_count
    db.session.flush()
    return parsed


# -- 3. accounts ---------------------------------------------------------------------------------


def summarise(parsed: ParsedFile) -> list[dict[str, Any]]:
    """What the account step shows of each statement in a file."""
    out = []
    for statement in parsed.statements:
        dates = [t.on for t in statement.transactions]
        out.append({
            "number": statement.account_number, "currency": statement.currency or "",
            "type": statement.account_type, "name": statement.account_name,
            "count": len(statement.transactions),
            "first": min(dates).isoformat() if dates else "", "last": max(dates).isoformat() if dates else "",
            "skipped": list(statement.skipped),
        })
    return out


def statement_summaries(batch: ImportBatch) -> list[dict[str, Any]]:
    """The statements of a staged file (parsed once, then kept on the batch)."""
    options = options_of(batch)
    if "statements" not in options:
        parsed = parse_batch(batch)
        set_options(batch, statements=summarise(parsed), warnings=list(parsed.warnings))
        batch.rows_total = parsed.transaction_count
        options = options_of(batch)
    return options["statements"]


def normalise_number(number: str) -> str:
    return "".join(c for c in (number or "") if c.isalnum()).casefold()


def accounts_by_number(workspace: Workspace) -> dict[str, Account]:
    accounts = db.session.scalars(scoped(Account, workspace).where(Account.number != "").order_by(Account.id))
    found: dict[str, Account] = {}
    for account in accounts:
        found.setdefault(normalise_number(account.number), account)
    return found


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


def _new_account_name(workspace: Workspace, statement: ParsedStatement, file_name: str, taken: set[str]) -> str:
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
                None, NEW, _new_account_name(workspace, statement, file_name, taken),
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


def default_choices(workspace: Workspace, batch: ImportBatch) -> dict[str, str]:
    """What the account step pre-selects per statement: the saved choice, the account with the file's
    number, "new" for a numbered account the workspace lacks, the account named like the file's
    (QIF), or the only open account."""
    options = options_of(batch)
    if options.get("accounts"):
        return {key: str(value) for key, value in options["accounts"].items()}
    by_number = accounts_by_number(workspace)
    accounts = list(db.session.scalars(scoped(Account, workspace).where(Account.archived.is_(False))))
    by_name = {a.name.casefold(): a for a in accounts}
    out = {}
    for i, summary in enumerate(statement_summaries(batch)):
        matched = by_number.get(normalise_number(summary["number"])) if summary["number"] else None
        named = by_name.get((summary["name"] or "").casefold())
        if matched is not None:
            out[str(i)] = str(matched.id)
        elif summary["number"]:
            out[str(i)] = NEW
        elif named is not None:
            out[str(i)] = str(named.id)
        elif len(accounts) == 1:
            out[str(i)] = str(accounts[0].id)
        else:
            out[str(i)] = ""
    return out


def proposed_names(workspace: Workspace, batch: ImportBatch) -> list[str]:
    """The name each statement's account would get if created from the file."""
    taken = {n.casefold() for n in db.session.scalars(sa.select(Account.name).where(
        Account.workspace_id == workspace.id))}
    return [_new_account_name(workspace, ParsedStatement(account_number=s["number"], account_type=s["type"],
                                                         account_name=s["name"]), batch.file_name, taken)
            for s in statement_summaries(batch)]


def choose_accounts(workspace: Workspace, batch: ImportBatch, choices: dict[str, Any]) -> None:
    """Keep the account chosen for each statement ("new" creates it on commit)."""
    require_staged(batch)
    summaries = statement_summaries(batch)
    cleaned: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for i, summary in enumerate(summaries):
        value = str(choices.get(str(i)) or "").strip()
        if value == NEW:
            cleaned[str(i)] = NEW
        elif value:
            account = get_scoped_or_404(Account, value, workspace)
            if summary["currency"] and is_currency(summary["currency"].upper()) \
                    and summary["currency"].upper() != account.currency:
                problems[f"account_{i}"] = (f"This statement is in {summary['currency'].upper()} but "
                                            f"{account.name} is in {account.currency}.")
            cleaned[str(i)] = account.id
        elif summary["count"]:
            problems[f"account_{i}"] = "Choose the account these rows go to."
    if problems:
        raise Invalid(next(iter(problems.values())), fields=problems)
    set_options(batch, accounts=cleaned, force=[], skip=[], analysed=False)
    db.session.flush()


# -- 4. the plan: what happens to every row ------------------------------------------------------


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


def _fold(name: str) -> str:
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
        by_name[_fold(full.replace(": ", ":"))] = cid
        leaf_count[_fold(name)] += 1
    for cid, name, parent in rows:
        if leaf_count[_fold(name)] == 1 and parent is not None:
            by_name.setdefault(_fold(name), cid)
    for cid, name, parent in rows:
        if parent is None:
            by_name.setdefault(_fold(name), cid)
    return by_name, display


def _category_id(by_name: dict[str, int], name: str) -> int | None:
    if not name:
        return None
    key = _fold(name.replace(" : ", ":").replace(": ", ":"))
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


def _record_counts(batch: ImportBatch, plan: Plan) -> None:
    counts = plan.counts()
    batch.rows_total = counts["total"]
    batch.rows_imported = counts["imported"]
    batch.rows_duplicate = counts["duplicate"]
    batch.rows_error = counts["error"]
    batch.rows_skipped = counts["skipped"]


# -- the preview, kept as a file of rows ---------------------------------------------------------


def _row_record(row: PlannedRow, plan: Plan) -> dict[str, Any]:
    target = plan.targets[row.statement]
    match = row.match
    return {
        "k": row.key, "s": row.status, "r": row.row, "d": row.on.isoformat(), "a": str(row.amount),
        "c": target.currency, "acc": target.label, "p": row.payee, "fp": row.file_payee, "m": row.memo,
        "cat": row.category, "lab": list(row.labels), "rule": row.rule, "why": row.reason,
        "split": len(row.lines),
        "mt": None if match is None else {"id": match.transaction_id, "d": match.on.isoformat(),
                                          "a": str(match.amount), "p": match.payee, "m": match.memo,
                                          "kind": match.kind},
    }


def analyse_batch(workspace: Workspace, batch: ImportBatch, progress: ProgressFn | None = None) -> Plan:
    """Plan a staged batch and keep the preview (one line per row) beside the upload."""
    if batch.status != "running":
        require_staged(batch)
    plan = plan_batch(workspace, batch, progress=progress)
    lines = "".join(f"{row.status}\t{row.key}\t{json.dumps(_row_record(row, plan), ensure_ascii=False)}\n"
                    for row in plan.rows)
    _write_atomically(plan_path(batch), lines.encode())
    _record_counts(batch, plan)
    set_options(batch, analysed=True, targets=[t.label for t in plan.targets],
                target_how=[t.how for t in plan.targets], warnings=plan.warnings,
                skipped_notes=plan.skipped_notes, sums=[[n, c, str(t), k] for n, c, t, k in plan.sums()])
    db.session.flush()
    return plan


@dataclass
class PreviewPage:
    rows: list[dict[str, Any]]
    number: int
    pages: int
    total: int
    show: str


def preview_page(batch: ImportBatch, *, page: int = 1, show: str = "all", per_page: int = 100) -> PreviewPage:
    """One page of the stored preview, optionally only new, duplicate, error or changed rows."""
    options = options_of(batch)
    forced, skipped = set(options.get("force", [])), set(options.get("skip", []))
    wanted = show if show in ("new", "duplicate", "error") else "all"
    try:
        handle = plan_path(batch).open(encoding="utf-8")
    except (FileNotFoundError, NotFound):
        return PreviewPage([], 1, 1, 0, wanted)
    start = (max(page, 1) - 1) * per_page
    rows: list[dict[str, Any]] = []
    count = 0
    with handle:
        for line in handle:
            status, _key, record = line.split("\t", 2)
            if wanted != "all" and status != wanted:
                continue
            if start <= count < start + per_page:
                item = json.loads(record)
                item["a"] = Decimal(item["a"])
                if item["mt"]:
                    item["mt"]["a"] = Decimal(item["mt"]["a"])
                item["include"] = (item["s"] == "new" and item["k"] not in skipped) or \
                                  (item["s"] == "duplicate" and item["k"] in forced)
                rows.append(item)
            count += 1
    pages = max(1, -(-count // per_page))
    return PreviewPage(rows, min(max(page, 1), pages), pages, count, wanted)


def set_overrides(batch: ImportBatch, shown: Sequence[str], included: Sequence[str],
                  skip_errors: bool | None = None) -> None:
    """The user's choices on one preview page: duplicates to import anyway, new rows to leave out."""
    require_staged(batch)
    statuses = {}
    wanted = set(shown)
    try:
        with plan_path(batch).open(encoding="utf-8") as handle:
            for line in handle:
                status, key, _record = line.split("\t", 2)
                if status in ("new", "duplicate") and key in wanted:
                    statuses[key] = status
    except FileNotFoundError:
        raise Conflict("The preview is out of date; open it again.") from None
    options = options_of(batch)
    forced = set(options.get("force", [])) - wanted
    skipped = set(options.get("skip", [])) - wanted
    chosen = set(included)
    for key, status in statuses.items():
        if status == "duplicate" and key in chosen:
            forced.add(key)
        elif status == "new" and key not in chosen:
            skipped.add(key)
    changes: dict[str, Any] = {"force": sorted(forced), "skip": sorted(skipped)}
    if skip_errors is not None:
        changes["skip_errors"] = bool(skip_errors)
    set_options(batch, **changes)
    _count_preview(batch)
    db.session.flush()


def _count_preview(batch: ImportBatch) -> None:
    """The batch's counts from the stored preview and the user's choices (without re-planning)."""
    options = options_of(batch)
    forced, skipped = set(options.get("force", [])), set(options.get("skip", []))
    counts = {"new": 0, "duplicate": 0, "error": 0, "skipped": 0, "forced": 0}
    with plan_path(batch).open(encoding="utf-8") as handle:
        for line in handle:
            status, key, _ = line.split("\t", 2)
            if status == "new" and key in skipped:
                status = "skipped"
            elif status == "duplicate" and key in forced:
                status = "forced"
            counts[status] += 1
    batch.rows_total = sum(counts.values())
    batch.rows_imported = counts["new"] + counts["forced"]
    batch.rows_duplicate = counts["duplicate"]
    batch.rows_error = counts["error"]
    batch.rows_skipped = counts["skipped"]


# -- 5. commit ------------------------------------------------------------------------------------


def refusal(errors: list[PlannedRow]) -> Invalid:
    named = "; ".join(f"row {r.row}: {r.reason}" for r in errors[:MAX_ERRORS_NAMED])
    more = f" (and {len(errors) - MAX_ERRORS_NAMED} more)" if len(errors) > MAX_ERRORS_NAMED else ""
    noun = "row has an error" if len(errors) == 1 else "rows have errors"
    return Invalid(f"Nothing was imported: {len(errors)} {noun}: {named}{more}.")


def commit_import(workspace: Workspace, batch: ImportBatch, *, parsed: ParsedFile | None = None,
                  progress: ProgressFn | None = None) -> Plan:
    """Write the batch's rows in one go, or raise and write nothing.

    Re-plans inside the caller's transaction (so the duplicates are current), refuses when a row
    has an error (unless the user chose to leave those out), creates the accounts the file names,
    finds or creates payees and labels, and inserts the transactions, their lines and labels in
    bulk. The caller commits.
    """
    if batch.status not in ("staged", "running"):
        require_staged(batch)
    parsed = parsed if parsed is not None else parse_batch(batch)
    half = (lambda done, total: progress(done // 2, total)) if progress else None
    plan = plan_batch(workspace, batch, parsed, progress=half)
    errors = plan.errors()
    if errors and not options_of(batch).get("skip_errors"):
        raise refusal(errors)
    rows = plan.to_import()
    created = _create_accounts(workspace, plan, rows, parsed)
    account_ids = [t.account.id if t.account else None for t in plan.targets]
    payee_ids, defaults = _payee_ids(workspace, {r.payee for r in rows if r.payee})
    label_ids = _label_ids(workspace, {name for r in rows for name in r.labels})
    _insert(workspace, batch, rows, account_ids, payee_ids, defaults, label_ids, progress, len(plan.rows))
    _record_counts(batch, plan)
    batch.status = "committed"
    batch.committed_at = utcnow()
    batch.progress = batch.rows_total
    batch.message = ""
    set_options(batch, created_accounts=created, sums=[[n, c, str(t), k] for n, c, t, k in plan.sums()])
    db.session.flush()
    return plan


def _create_accounts(workspace: Workspace, plan: Plan, rows: list[PlannedRow], parsed: ParsedFile) -> list[int]:
    """The accounts a file names that the workspace does not have yet (only those that get rows)."""
    used = {r.statement for r in rows}
    created = []
    for index, target in enumerate(plan.targets):
        if target.account is not None or target.how != NEW or index not in used:
            continue
        statement_rows = [r for r in plan.rows if r.statement == index]
        first = min((r.on for r in statement_rows), default=date.today())
        opening = Decimal(0)
        closing = parsed.statements[index].closing_balance
        if closing is not None and all(r.status != "error" for r in statement_rows):
            # The file's closing balance less its rows is the balance before the first of them.
            opening = quantize(closing - sum((r.amount for r in statement_rows), Decimal(0)), target.currency)
        account = Account(workspace_id=workspace.id, name=target.new_name, type=target.new_type,
                          currency=target.new_currency, opening_balance=opening,
                          opening_date=first - timedelta(days=1), number=target.new_number)
        db.session.add(account)
        db.session.flush()
        target.account, target.how = account, NEW
        created.append(account.id)
    return created


def _payee_ids(workspace: Workspace, names: set[str]) -> tuple[dict[str, int], dict[int, int]]:
    """Payee ids by name, creating the missing ones in bulk; and each payee's default category."""
    existing: dict[str, int] = {}
    defaults: dict[int, int] = {}
    for pid, name, default in db.session.execute(sa.select(Payee.id, Payee.name, Payee.default_category_id)
                                                 .where(Payee.workspace_id == workspace.id)):
        existing.setdefault(_fold(name), pid)
        if default:
            defaults[pid] = default
    missing: dict[str, str] = {}
    for name in sorted(names):
        key = _fold(name)
        if key not in existing:
            missing.setdefault(key, name)
    if missing:
        now = utcnow()
        table = Payee.__table__
        values = [{"workspace_id": workspace.id, "name": name, "default_category_id": None,
                   "created_at": now, "updated_at": now} for name in missing.values()]
        for offset in range(0, len(values), CHUNK):
            db.session.execute(table.insert(), values[offset:offset + CHUNK])
        wanted = list(missing.values())
        for offset in range(0, len(wanted), dedupe.IN_CHUNK):
            for pid, name in db.session.execute(sa.select(Payee.id, Payee.name).where(
                    Payee.workspace_id == workspace.id, Payee.name.in_(wanted[offset:offset + dedupe.IN_CHUNK]))):
                existing.setdefault(_fold(name), pid)
    return {name: existing[_fold(name)] for name in names}, defaults


def _label_ids(workspace: Workspace, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    labels = labels_named(workspace, sorted(names))
    by_fold = {label.name.casefold(): label.id for label in labels}
    return {name: by_fold[name.casefold()] for name in names}


class _BulkInsert:
    """INSERT ... VALUES of many rows through the driver's executemany, in chunks.

    Values go through their column's own bind processor (the Money type's scaling, SQLite's date
    strings), resolved once per column, and only for the columns that vary per row and need one;
    a Core insert would redo that work per value, which is most of a 100,000-row import's time.
    """

    def __init__(self, table: sa.Table, columns: Sequence[str], processed: Sequence[str] = ()):
        connection = db.session.connection()
        dialect = connection.dialect
        self.connection = connection
        self.dialect = dialect
        self.table = table
        self.processors = [(columns.index(name), processor) for name in processed
                           if (processor := table.c[name].type._cached_bind_processor(dialect)) is not None]
        quote = dialect.identifier_preparer.quote
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        self.sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
                    f"VALUES ({', '.join(marker for _ in columns)})")
        self.pending: list[tuple | list] = []

    def constant(self, name: str, value: Any) -> Any:
        """A value that is the same for every row, processed once."""
        processor = self.table.c[name].type._cached_bind_processor(self.dialect)
        return processor(value) if processor is not None and value is not None else value

    def add(self, values: list[Any]) -> None:
        for index, processor in self.processors:
            if values[index] is not None:
                values[index] = processor(values[index])
        self.pending.append(values)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.connection.exec_driver_sql(self.sql, [tuple(v) for v in self.pending])
            self.pending = []


@contextlib.contextmanager
def _big_cache() -> Iterator[None]:
    """On SQLite, a larger page cache while inserting: the transactions table's eight indexes
    outgrow the default 2 MB and every insert would then wait for pages to be spilled and re-read."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA cache_size = -131072")  # 128 MB, in KiB
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _insert(workspace: Workspace, batch: ImportBatch, rows: list[PlannedRow], account_ids: list[int | None],
            payee_ids: dict[str, int], defaults: dict[int, int], label_ids: dict[str, int],
            progress: ProgressFn | None, total: int) -> None:
    """Transactions, then their lines and labels, with executemany in chunks.

    Ids are not pre-assigned (other imports may be writing): the rows of this batch are read back
    by import_id in id order, which is insertion order on SQLite and MySQL alike.
    """
    with _big_cache():
        _insert_rows(workspace, batch, rows, account_ids, payee_ids, defaults, label_ids, progress, total)


def _insert_rows(workspace: Workspace, batch: ImportBatch, rows: list[PlannedRow], account_ids: list[int | None],
                 payee_ids: dict[str, int], defaults: dict[int, int], label_ids: dict[str, int],
                 progress: ProgressFn | None, total: int) -> None:
    ws = workspace.id
    totals.lock_accounts(db.session, {account_id for account_id in account_ids if account_id is not None})
    txns = _BulkInsert(Transaction.__table__, (
        "workspace_id", "account_id", "date", "amount", "payee_id", "memo", "status", "transfer_key", "version",
        "import_id", "external_id", "created_at", "updated_at"), processed=("date", "amount"))
    now = txns.constant("created_at", utcnow())
    for n, r in enumerate(rows, 1):
        txns.add([ws, account_ids[r.statement], r.on, r.amount, payee_ids.get(r.payee) if r.payee else None, r.memo,
                  IMPORT_STATUS, None, 1, batch.id, r.external_id or dedupe.fingerprint(r.text), now, now])
        if progress and n % CHUNK == 0:
            progress(total // 2 + n * (total - total // 2) // len(rows), total)
    txns.flush()
    ids = list(db.session.scalars(sa.select(Transaction.id).where(
        Transaction.workspace_id == ws, Transaction.import_id == batch.id).order_by(Transaction.id)))
    if len(ids) != len(rows):
        raise Conflict("The import was interrupted by another change to these transactions; try again.")
    lines = _BulkInsert(TransactionLine.__table__, ("workspace_id", "transaction_id", "category_id", "amount", "memo"),
                        processed=("amount",))
    tags = _BulkInsert(transaction_labels, ("transaction_id", "label_id"))
    for txn_id, r in zip(ids, rows, strict=True):
        if r.lines:
            for amount, category, memo in r.lines:
                lines.add([ws, txn_id, category, amount, memo])
        else:
            category = r.category_id
            if category is None and r.payee:
                category = defaults.get(payee_ids.get(r.payee, 0))
            lines.add([ws, txn_id, category, r.amount, ""])
        for name in dict.fromkeys(r.labels):
            tags.add([txn_id, label_ids[name]])
    lines.flush()
    tags.flush()
    totals.mark_where(db.session, Transaction.workspace_id == ws, Transaction.import_id == batch.id)
    if progress:
        progress(total, total)


# -- undo -----------------------------------------------------------------------------------------


def undo_import(workspace: Workspace, batch: ImportBatch) -> int:
    """Remove every transaction of an import (lines, labels, attachments too), and the accounts it
    created when they are left empty. Returns how many transactions went."""
    if batch.status == "undone":
        raise Conflict("This import has already been undone.")
    if batch.status != "committed":
        raise Conflict("Only a finished import can be undone.")
    from financeapp.receipts.services import delete_attachments_of

    ids = sa.select(Transaction.id).where(Transaction.workspace_id == workspace.id,
                                         Transaction.import_id == batch.id)
    delete_attachments_of(workspace, ids)
    totals.mark_where(db.session, Transaction.workspace_id == workspace.id, Transaction.import_id == batch.id)
    db.session.execute(sa.delete(transaction_labels).where(transaction_labels.c.transaction_id.in_(ids)))
    db.session.execute(sa.delete(TransactionLine).where(TransactionLine.workspace_id == workspace.id,
                                                        TransactionLine.transaction_id.in_(ids))
                       .execution_options(synchronize_session=False))
    result = db.session.execute(sa.delete(Transaction).where(Transaction.workspace_id == workspace.id,
                                                             Transaction.import_id == batch.id)
                                .execution_options(synchronize_session=False))
    for account_id in options_of(batch).get("created_accounts", []):
        account = db.session.scalar(scoped(Account, workspace).where(Account.id == account_id))
        still_used = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction).where(
            Transaction.workspace_id == workspace.id, Transaction.account_id == account_id))
        if account is not None and not still_used:
            db.session.delete(account)
    batch.status = "undone"
    batch.undone_at = utcnow()
    db.session.flush()
    db.session.expire_all()
    return result.rowcount or 0


# -- one call for scripts: the CLI and the benchmark -----------------------------------------------


@dataclass
class RunResult:
    batch: ImportBatch | None
    plan: Plan
    committed: bool


def run_file(workspace: Workspace, user: User | None, filename: str, data: bytes, *,
             account: Account | None = None, dry_run: bool = False, skip_errors: bool = False,
             progress: ProgressFn | None = None) -> RunResult:
    """Detect, parse (a CSV with its saved or detected mapping), plan and, unless a dry run, commit."""
    name = clean_file_name(filename)
    fmt = detect(name, data)
    mapping = None
    if fmt == "csv":
        layout = csv_layout(ImportBatch(), data)
        mapping, _saved = mapping_for_layout(workspace, layout)
        if mapping is None:
            problems = "; ".join(getattr(layout, "problems", ()) or ())
            raise Invalid("The columns of this CSV file could not be recognised" + (f" ({problems})" if problems
                                                                                     else "")
                          + ". Import it once in the web wizard to map them; the mapping is saved and used here "
                            "from then on.")
    parsed = parse_data(data, name, mapping)
    options = {"csv_mapping": mapping, "account_id": account.id if account else None, "skip_errors": skip_errors}
    if dry_run:
        targets = resolve_targets(workspace, parsed, None, options["account_id"], name)
        return RunResult(None, plan_import(workspace, parsed, targets, progress=progress), False)
    batch = ImportBatch(workspace_id=workspace.id, file_name=name, format=fmt[:10], status="running",
                        stored_name="", sha256=sha256(data).hexdigest(), options=json.dumps(options),
                        created_by_id=user.id if user else None)
    db.session.add(batch)
    db.session.flush()
    plan = commit_import(workspace, batch, parsed=parsed, progress=progress)
    return RunResult(batch, plan, True)


def iter_errors(plan: Plan) -> Iterator[PlannedRow]:
    return (r for r in plan.rows if r.status == "error")
