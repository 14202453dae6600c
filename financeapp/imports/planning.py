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
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from financeapp.categories.models import Category
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.money import is_currency, minor_units
from financeapp.core.scoping import scoped
from financeapp.core.validation import EARLIEST_YEAR, LATEST_YEAR, MAX_AMOUNT, in_date_range
from financeapp.extensions import db
from financeapp.imports import dedupe, parsers
from financeapp.imports.file_transfers import link_transfers
from financeapp.imports.models import CsvMapping as SavedMapping
from financeapp.imports.models import ImportBatch
from financeapp.imports.parsed import ParsedFile, ParsedStatement, ParsedTransaction, ParseError
from financeapp.imports.parsers import csv as csv_format
from financeapp.imports.state import WizardState
from financeapp.imports.storage import ProgressFn, read_stored
from financeapp.imports.targets import NEW, Target, find_account, resolve_targets
from financeapp.rules.matching import RuleOutcome, RuleSubject
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace

__all__ = ["NEW", "Target", "find_account", "resolve_targets"]  # the account rule lives in targets.py


# -- a batch that can still change ----------------------------------------------------------------


def require_staged(batch: ImportBatch) -> None:
    if batch.status == "committed":
        raise Conflict("This file has already been imported.")
    if batch.status == "undone":
        raise Conflict("This import was undone; upload the file again to import it.")
    if batch.status == "running":
        raise Conflict("This import is running; wait until it has finished.")


# -- parsing the file -----------------------------------------------------------------------------


def detect(filename: str, data: bytes) -> str:
    """The file's format ("csv", "ofx", "qfx", "qif", "camt053"), or Invalid with the reason."""
    if not data:
        raise Invalid("The file is empty.", fields={"file": "The file is empty."})
    try:
        return parsers.detect_format(filename, data)
    except ParseError as err:
        raise Invalid(str(err), fields={"file": str(err)}) from None


def parse_data(data: bytes, filename: str, csv_mapping: dict[str, Any] | None = None) -> ParsedFile:
    """Parse a bank file; a file that cannot be read raises Invalid naming the row and the reason."""
    mapping = csv_format.CsvMapping.from_dict(csv_mapping) if csv_mapping else None
    try:
        return parsers.parse(data, filename, csv_mapping=mapping)
    except ParseError as err:
        raise Invalid(f"{filename or 'The file'}: {err}", fields={"file": str(err)}) from None


def parse_batch(batch: ImportBatch, data: bytes | None = None) -> ParsedFile:
    mapping = WizardState.load(batch).csv_mapping
    if batch.format == "csv" and not mapping:
        raise Invalid("Map the file's columns first.")
    return parse_data(read_stored(batch) if data is None else data, batch.file_name, mapping)


# -- CSV columns ----------------------------------------------------------------------------------


def csv_layout(data: bytes):
    """The parser's view of a CSV file: encoding, delimiter, header, sample rows, a suggested mapping."""
    try:
        return csv_format.sniff(data)
    except ParseError as err:
        raise Invalid(str(err), fields={"file": str(err)}) from None


def saved_mapping(workspace: Workspace, signature: str) -> SavedMapping | None:
    return db.session.scalar(scoped(SavedMapping, workspace).where(SavedMapping.header_signature == signature))


def mapping_for_layout(workspace: Workspace, layout) -> tuple[dict[str, Any] | None, SavedMapping | None]:
    """The mapping to pre-select: the one saved for this header, else the parser's suggestion."""
    saved = saved_mapping(workspace, csv_format.header_signature(layout))
    if saved is not None:
        try:
            return json.loads(saved.mapping), saved
        except ValueError:
            pass
    suggested = getattr(layout, "suggested", None)
    return (suggested.to_dict() if suggested is not None else None), None


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
    pair: int | None = None  # the index in Plan.pairs of the transfer this row is a side of
    made: bool = False  # a transfer's side the file did not hold, written from the other side
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
    pairs: list[tuple[int, int]] = field(default_factory=list)  # the two sides of each transfer, by row index
    # Categories the file names that the workspace lacks: a stand-in id (negative) -> (group, name).
    new_categories: dict[int, tuple[str, str]] = field(default_factory=dict)

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


class Categories:
    """The workspace's categories by name, and stand-ins (negative ids) for those the file names that
    it lacks: created on commit (committing._create_categories)."""

    def __init__(self, workspace: Workspace, plan: Plan):
        self.by_name, self.display = category_index(workspace)
        self.known = set(self.display)
        self.new = plan.new_categories
        self._stand_ins: dict[str, int] = {}

    def id_for(self, name: str) -> int | None:
        """The category a file's "Group:Name" (or one-level "Name") means, existing or to be created."""
        text = " ".join(name.replace(" : ", ":").replace(": ", ":").split())
        if not text or text.startswith("["):  # a QIF split line to [Account]: a transfer, not a category
            return None
        key = fold(text)
        found = self.by_name.get(key)
        if found is not None:
            return found
        group, _, leaf = text.partition(":")
        stand_in = self._stand_ins.get(key)
        if stand_in is None:
            stand_in = self._stand_ins[key] = -(len(self.new) + 1)
            self.new[stand_in] = (group.strip()[:60], leaf.strip()[:60]) if leaf else ("", group.strip()[:60])
            self.display[stand_in] = (f"{group.strip()}: {leaf.strip()}" if leaf else group.strip()) + " (new)"
        return stand_in


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
    if not in_date_range(txn.on):
        return f"the date {txn.on.isoformat()} is out of range (dates run from {EARLIEST_YEAR} to {LATEST_YEAR})"
    if txn.splits:
        total = sum((sp.amount for sp in txn.splits), Decimal(0))
        if total != amount:
            return f"the split lines add up to {total}, not to the amount {amount}"
        if unit is not None and any(sp.amount != sp.amount.quantize(unit) for sp in txn.splits):
            return f"a split amount has more decimals than {currency} allows"
    return ""


def _memo(txn: ParsedTransaction) -> str:
    memo = _clean(txn.memo, 255)
    if txn.check_number and txn.check_number not in memo:
        memo = _clean(f"{memo} · check {txn.check_number}" if memo else f"check {txn.check_number}", 255)
    return memo


def plan_import(workspace: Workspace, parsed: ParsedFile, targets: list[Target], *,
                force: Sequence[str] = (), skip: Sequence[str] = (),
                progress: ProgressFn | None = None) -> Plan:
    """What will happen to every row: new, duplicate (of which transaction, and why), error (and why),
    and what the rules set. Writes nothing."""
    link_transfers(parsed)
    total = parsed.transaction_count
    plan = Plan(targets, [], list(parsed.warnings))
    categories = Categories(workspace, plan)
    subjects = _read_rows(parsed, targets, plan, categories)
    _link_sides(parsed, plan)
    if progress:
        progress(0, total)
    _apply_rules(workspace, plan, subjects, categories)
    _find_duplicates(workspace, plan, progress, total)
    _find_known_transfers(workspace, plan)
    _keep_sides_together(plan)
    forced, skipped = set(force), set(skip)
    for row in plan.rows:
        if row.status == "duplicate" and row.key in forced:
            row.include = True
        elif row.status == "new" and row.key in skipped:
            row.include = False
    if progress:
        progress(total, total)
    return plan


def _statement_problem(statement: ParsedStatement, target: Target) -> str:
    stated = (statement.currency or "").upper()
    if target.account is None and target.how != NEW:
        return "no account was chosen for these rows"
    if stated and is_currency(stated) and target.currency and stated != target.currency:
        return f"the file is in {stated} but {target.label} is in {target.currency}"
    return ""


def _read_rows(parsed: ParsedFile, targets: list[Target], plan: Plan, categories: Categories) -> list[RuleSubject]:
    """A planned row per parsed row: validated, amounts to the account's currency, categories found."""
    subjects: list[RuleSubject] = []
    for s, statement in enumerate(parsed.statements):
        target = targets[s]
        plan.skipped_notes.extend(f"{statement.account_number or 'Statement ' + str(s + 1)}: {note}"
                                  for note in statement.skipped)
        problem = _statement_problem(statement, target)
        currency = target.currency
        unit = Decimal(1).scaleb(-minor_units(currency)) if currency else None
        account_id = target.account.id if target.account else 0
        for i, txn in enumerate(statement.transactions):
            memo = _memo(txn)
            file_payee = _clean(txn.payee, 120)
            row = PlannedRow(f"{s}:{i}", s, txn.row, txn.on, txn.amount, file_payee, file_payee, memo,
                             txn.external_id[:255] if txn.external_id else None, labels=txn.labels,
                             made=(s, i) in parsed.made)
            row.reason = problem or _row_error(txn, currency, unit)
            if row.reason:
                row.status, row.include = "error", False
            else:
                if unit is not None:
                    row.amount = txn.amount.quantize(unit)
                if txn.category and not txn.transfer_account:
                    row.category_id = categories.id_for(txn.category)
                if txn.splits:
                    row.lines = tuple((sp.amount.quantize(unit) if unit is not None else sp.amount,
                                       categories.id_for(sp.category), _clean(sp.memo, 255))
                                      for sp in txn.splits)
                row.text = dedupe.normalise_text(file_payee, memo)
            plan.rows.append(row)
            subjects.append(RuleSubject(file_payee, memo, row.amount, account_id))
    return subjects


def _link_sides(parsed: ParsedFile, plan: Plan) -> None:
    """The file's transfers as pairs of planned rows; a transfer has no payee and no category."""
    if not parsed.transfers:
        return
    index = {tuple(map(int, row.key.split(":"))): n for n, row in enumerate(plan.rows)}
    for first, second in parsed.transfers:
        a, b = index[first], index[second]
        plan.pairs.append((a, b))
        for n in (a, b):
            row = plan.rows[n]
            row.pair, row.payee, row.category_id, row.lines = len(plan.pairs) - 1, "", None, ()
        one, other = plan.rows[a], plan.rows[b]
        both = {plan.targets[one.statement].currency, plan.targets[other.statement].currency}
        if (one.made or other.made) and len(both) == 2 and "" not in both:
            for row in (one, other):
                row.status, row.include = "error", False
                row.reason = row.reason or ("a transfer between two currencies needs both sides in the file "
                                            "(the amount that arrived is not known)")


def _apply_rules(workspace: Workspace, plan: Plan, subjects: list[RuleSubject], categories: Categories) -> None:
    """The rules' payee, category and labels (a transfer keeps neither payee nor category)."""
    outcomes = apply_rules(workspace, subjects) if subjects else []
    for row, outcome in zip(plan.rows, outcomes, strict=False):
        if row.status == "error" or outcome.rule_id is None:
            continue
        row.rule = outcome.rule_name
        if row.pair is None:
            if outcome.payee:
                row.payee = _clean(outcome.payee, 120)
            if outcome.category_id in categories.known:
                row.category_id = outcome.category_id
        row.labels = tuple(dict.fromkeys((*row.labels, *outcome.labels)))
    for row in plan.rows:
        if row.category_id:
            row.category = categories.display.get(row.category_id, "")


def _find_duplicates(workspace: Workspace, plan: Plan, progress: ProgressFn | None, total: int) -> None:
    """De-duplicate per account: one date-span query (plus bank-id lookups) per account."""
    by_account: dict[int, list[PlannedRow]] = defaultdict(list)
    for row in plan.rows:
        target = plan.targets[row.statement]
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


def _find_known_transfers(workspace: Workspace, plan: Plan) -> None:
    """A side of a transfer the account already holds as a transfer with the same other account and
    amount, within the window, is a duplicate whatever its text: it came in before from the other
    account's file (written from that side) or was entered by hand. One match each."""
    wanted: dict[int, list[tuple[PlannedRow, int]]] = defaultdict(list)  # account -> (row, other account)
    for a, b in plan.pairs:
        for row, other in ((plan.rows[a], plan.rows[b]), (plan.rows[b], plan.rows[a])):
            mine, theirs = plan.targets[row.statement].account, plan.targets[other.statement].account
            if row.status == "new" and mine is not None and theirs is not None:
                wanted[mine.id].append((row, theirs.id))
    window = timedelta(days=dedupe.WINDOW_DAYS)
    for account_id, rows in wanted.items():
        other_side = aliased(Transaction)
        found = db.session.execute(
            sa.select(Transaction.id, Transaction.on, Transaction.amount, other_side.account_id)
            .join(other_side, sa.and_(other_side.transfer_key == Transaction.transfer_key,
                                      other_side.id != Transaction.id))
            .where(Transaction.workspace_id == workspace.id, Transaction.account_id == account_id,
                   other_side.workspace_id == workspace.id, Transaction.transfer_key.is_not(None),
                   Transaction.on.between(min(r.on for r, _ in rows) - window, max(r.on for r, _ in rows) + window))
        ).all()
        taken = {r.match.transaction_id for r in plan.rows if r.match is not None}
        for row, other_account in rows:
            match = min((f for f in found if f.id not in taken and f.amount == row.amount
                         and f.account_id == other_account and abs((f.on - row.on).days) <= dedupe.WINDOW_DAYS),
                        key=lambda f: abs((f.on - row.on).days), default=None)
            if match is not None:
                taken.add(match.id)
                row.status, row.include = "duplicate", False
                row.match = dedupe.Match(match.id, match.on, match.amount, "", "", "transfer",
                                         abs((match.on - row.on).days))
                row.reason = row.match.reason


def _keep_sides_together(plan: Plan) -> None:
    """A transfer whose one side has an error is an error as a whole: one side alone would count as
    income or spending."""
    for a, b in plan.pairs:
        one, other = plan.rows[a], plan.rows[b]
        for row, side in ((one, other), (other, one)):
            if side.status == "error" and row.status != "error":
                row.status, row.include, row.match = "error", False, None
                row.reason = f"the other side of this transfer (row {side.row}) has an error: {side.reason}"


def _texts(row: PlannedRow) -> tuple[str, ...]:
    """The normalised texts a stored copy of this row would have: as in the file, and as renamed."""
    if row.payee == row.file_payee:
        return (row.text,)
    renamed = dedupe.normalise_text(row.payee, row.memo)
    return (row.text, renamed) if renamed != row.text else (row.text,)


def plan_batch(workspace: Workspace, batch: ImportBatch, parsed: ParsedFile | None = None,
               progress: ProgressFn | None = None) -> Plan:
    """The plan of a staged batch, with its account choices and the user's overrides."""
    state = WizardState.load(batch)
    parsed = link_transfers(parsed if parsed is not None else parse_batch(batch))
    targets = resolve_targets(workspace, parsed, state.accounts, state.account_id, batch.file_name)
    return plan_import(workspace, parsed, targets, force=state.force, skip=state.skip,
                       progress=progress)


def record_counts(batch: ImportBatch, plan: Plan) -> None:
    """Keep a plan's counts on its batch."""
    counts = plan.counts()
    batch.rows_total = counts["total"]
    batch.rows_imported = counts["imported"]
    batch.rows_duplicate = counts["duplicate"]
    batch.rows_error = counts["error"]
    batch.rows_skipped = counts["skipped"]
