"""The import wizard's steps, as its views call them: upload, CSV columns, accounts, preview.

Every step works on an `ImportBatch`, its `WizardState` (state.py: what the steps chose, kept on
the batch) and the uploaded file kept beside it (storage.py); views.next_url says which step is next:

1. `upload` stores the file and detects its format (a bank statement is parsed right away);
2. (CSV) `planning.csv_layout` / `planning.mapping_for_layout` / `choose_csv_mapping` pick the
   columns (presets for Firefly III, Actual and YNAB exports); a mapping is saved per workspace
   under the file's header signature and chosen again automatically;
3. `statement_summaries` + `choose_accounts` say which account each statement goes to (the one
   rule of targets.py: chosen, by number, by name, the default, a new one, the only one);
4. `analyse_batch` plans every row (planning.py: parse, transfers, rules, de-duplicate, validate)
   and keeps the preview (`PreviewRow` lines) beside the upload; `preview_page` and
   `set_overrides` read it and record the user's choices;
5. `committing.commit_import` writes everything in bulk, or raises and writes nothing;
   `committing.undo_import` removes an import as a whole.

Services flush, never commit; the caller (view, job, CLI) owns the one commit.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from financeapp.accounts.models import Account
from financeapp.auth.models import User
from financeapp.core.errors import Conflict, Invalid, NotFound
from financeapp.core.money import is_currency
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.extensions import db
from financeapp.imports import targets
from financeapp.imports.file_transfers import link_transfers
from financeapp.imports.models import CsvMapping as SavedMapping
from financeapp.imports.models import ImportBatch
from financeapp.imports.parsed import ParsedFile
from financeapp.imports.parsers import broker_csv
from financeapp.imports.parsers import csv as csv_format
from financeapp.imports.planning import (
    NEW,
    Plan,
    PlannedRow,
    csv_layout,
    detect,
    parse_batch,
    parse_data,
    plan_batch,
    record_counts,
    require_staged,
    saved_mapping,
)
from financeapp.imports.state import PreviewMatch, PreviewRow, WizardState
from financeapp.imports.storage import (
    ProgressFn,
    clean_file_name,
    discard_files,
    import_folder,
    open_plan,
    plan_path,
    read_stored,
    write_atomically,
)
from financeapp.workspaces.models import Workspace

# -- 1. upload ---------------------------------------------------------------------------------------


def stage_upload(workspace: Workspace, user: User | None, filename: str, data: bytes) -> ImportBatch:
    """Keep an uploaded bank file and detect its format: the first step of the wizard."""
    name = clean_file_name(filename)
    fmt = detect(name, data)
    token = secrets.token_hex(16)
    write_atomically(import_folder(workspace.id) / token, data, sealed=True)
    batch = ImportBatch(
        workspace_id=workspace.id, file_name=name, format=fmt[:10], status="staged", stored_name=token,
        sha256=sha256(data).hexdigest(), options="{}", created_by_id=user.id if user else None,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def upload(workspace: Workspace, user: User | None, filename: str, data: bytes) -> ImportBatch:
    """Stage an upload; a bank statement (not a CSV, whose columns come first) is parsed right away,
    so a file that cannot be read is refused here and its copy removed."""
    batch = stage_upload(workspace, user, filename, data)
    if batch.format == "csv":
        if broker_csv.looks_like_broker_csv(data):  # a broker's export: trades, read by the investments import
            from financeapp.investments import importing

            try:
                importing.remember(batch, importing.parse_statement_file(batch.file_name, data))
            except Invalid:
                discard_files(batch)
                raise
        return batch
    try:
        remember_statements(batch, data)
    except Invalid:
        discard_files(batch)
        raise
    return batch


def discard_batch(batch: ImportBatch) -> ImportBatch:
    """Forget an import that was never carried out, and its uploaded file."""
    if batch.status not in ("staged", "failed"):
        raise Invalid("Only an import that was not carried out can be discarded; undo it instead.")
    discard_files(batch)
    db.session.delete(batch)
    return batch


def get_batch(workspace: Workspace, batch_id: object) -> ImportBatch:
    return get_scoped_or_404(ImportBatch, batch_id, workspace)


# -- 2. CSV columns -----------------------------------------------------------------------------------


def choose_csv_mapping(workspace: Workspace, batch: ImportBatch, mapping: dict[str, Any],
                       *, name: str = "", data: bytes | None = None, layout: Any = None) -> ParsedFile:
    """Check a column mapping by parsing the whole file with it, keep it on the batch and save it for
    the next file with the same header."""
    require_staged(batch)
    data = read_stored(batch) if data is None else data
    try:
        normalised = csv_format.CsvMapping.from_dict(mapping).to_dict()
    except (TypeError, ValueError, KeyError) as err:
        raise Invalid(f"That column mapping is incomplete: {err}") from None
    parsed = parse_data(data, batch.file_name, normalised)
    signature = csv_format.header_signature(layout if layout is not None else csv_layout(data))
    saved = saved_mapping(workspace, signature)
    if saved is None:
        saved = SavedMapping(workspace_id=workspace.id, header_signature=signature[:64])
        db.session.add(saved)
    saved.mapping = json.dumps(normalised, default=str)
    saved.name = (name or saved.name or batch.file_name)[:80]
    db.session.flush()
    WizardState.change(batch, csv_mapping=normalised, mapping_id=saved.id, statements=summarise(parsed),
                       warnings=list(parsed.warnings), accounts={}, force=[], skip=[], analysed=False)
    batch.rows_total = parsed.transaction_count
    db.session.flush()
    return parsed


# -- 3. accounts --------------------------------------------------------------------------------------


def summarise(parsed: ParsedFile) -> list[dict[str, Any]]:
    """What the account step shows of each statement in a file (with the accounts it names only as a
    transfer's other side)."""
    link_transfers(parsed)
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


def remember_statements(batch: ImportBatch, data: bytes | None = None) -> list[dict[str, Any]]:
    """Parse a staged file and keep its statements on the batch (the upload of a bank statement, the
    CSV columns step): a file that cannot be read is refused here, before any other step."""
    parsed = parse_batch(batch, data)
    from financeapp.investments import importing

    if importing.is_investment_file(parsed):  # an OFX investment statement: its trades, not bank rows
        return importing.remember(batch, parsed)
    state = WizardState.change(batch, statements=summarise(parsed), warnings=list(parsed.warnings))
    batch.rows_total = parsed.transaction_count
    return state.statements or []


def statement_summaries(batch: ImportBatch) -> list[dict[str, Any]]:
    """The statements kept on the batch; a batch staged before they were kept is parsed, and nothing
    is written (the pages that show them are GETs)."""
    statements = WizardState.load(batch).statements
    return statements if statements is not None else summarise(parse_batch(batch))


def default_choices(workspace: Workspace, batch: ImportBatch) -> dict[str, str]:
    """What the account step pre-selects per statement: the saved choice, else the one rule of
    targets.py (number, name, a new account for a named one, the only open account)."""
    state = WizardState.load(batch)
    if state.accounts:
        return {key: str(value) for key, value in state.accounts.items()}
    saved = _saved_mapping_of(workspace, state)
    return targets.default_choices(workspace, statement_summaries(batch),
                                   default_account_id=saved.account_id if saved else None)


def _saved_mapping_of(workspace: Workspace, state: WizardState) -> SavedMapping | None:
    if state.mapping_id is None:
        return None
    return db.session.scalar(scoped(SavedMapping, workspace).where(SavedMapping.id == state.mapping_id))


def _remember_account(workspace: Workspace, batch: ImportBatch, cleaned: dict[str, Any]) -> None:
    """A CSV of one statement: its saved mapping remembers the account chosen, for the next such file."""
    saved = _saved_mapping_of(workspace, WizardState.load(batch))
    if saved is not None and list(cleaned) == ["0"] and isinstance(cleaned["0"], int):
        saved.account_id = cleaned["0"]


def proposed_names(workspace: Workspace, batch: ImportBatch) -> list[str]:
    """The name each statement's account would get if created from the file."""
    return targets.proposed_names(workspace, statement_summaries(batch), batch.file_name)


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
    _remember_account(workspace, batch, cleaned)
    WizardState.change(batch, accounts=cleaned, force=[], skip=[], analysed=False)
    batch.message = ""
    db.session.flush()


# -- 4. the preview, kept as a file of rows -----------------------------------------------------------


def preview_row(row: PlannedRow, plan: Plan) -> PreviewRow:
    target = plan.targets[row.statement]
    match = row.match
    other = ""
    if row.pair is not None:
        a, b = plan.pairs[row.pair]
        other = plan.targets[plan.rows[b if plan.rows[a] is row else a].statement].label
    return PreviewRow(
        key=row.key, status=row.status, row=row.row, date=row.on.isoformat(), amount=row.amount,
        currency=target.currency, account=target.label, payee=row.payee, file_payee=row.file_payee, memo=row.memo,
        category=row.category, labels=list(row.labels), rule=row.rule, reason=row.reason, split=len(row.lines),
        transfer=other,
        match=None if match is None else PreviewMatch(match.transaction_id, match.on.isoformat(), match.amount,
                                                      match.payee, match.memo, match.kind),
    )


def analyse_batch(workspace: Workspace, batch: ImportBatch, progress: ProgressFn | None = None) -> Plan:
    """Plan a staged batch and keep the preview (one line per row) beside the upload."""
    if batch.status != "running":
        require_staged(batch)
    plan = plan_batch(workspace, batch, progress=progress)
    write_atomically(plan_path(batch), "".join(preview_row(row, plan).to_line() for row in plan.rows).encode(),
                     sealed=True)
    record_counts(batch, plan)
    WizardState.change(batch, analysed=True, targets=[t.label for t in plan.targets],
                       target_how=[t.how for t in plan.targets], warnings=plan.warnings,
                       skipped_notes=plan.skipped_notes, sums=[[n, c, str(t), k] for n, c, t, k in plan.sums()])
    db.session.flush()
    return plan


@dataclass
class PreviewPage:
    rows: list[PreviewRow]
    number: int
    pages: int
    total: int
    show: str


def _preview_lines(batch: ImportBatch) -> Iterator[tuple[str, str, str]]:
    """(status, key, JSON) of each stored preview row; none when the preview is gone or out of date."""
    try:
        handle = open_plan(batch)
    except (FileNotFoundError, NotFound):
        return
    with handle:
        for line in handle:
            status, key, record = line.rstrip("\n").split("\t", 2)
            yield status, key, record


def preview_page(batch: ImportBatch, *, page: int = 1, show: str = "all", per_page: int = 100) -> PreviewPage:
    """One page of the stored preview, optionally only new, duplicate, error or changed rows."""
    state = WizardState.load(batch)
    forced, skipped = set(state.force), set(state.skip)
    wanted = show if show in ("new", "duplicate", "error") else "all"
    start = (max(page, 1) - 1) * per_page
    rows: list[PreviewRow] = []
    count = 0
    for status, key, record in _preview_lines(batch):
        if wanted != "all" and status != wanted:
            continue
        if start <= count < start + per_page:
            try:
                item = PreviewRow.from_json(record)
            except (TypeError, ValueError, KeyError):
                return PreviewPage([], 1, 1, 0, wanted)  # a preview written by an older version: analyse again
            item.include = (status == "new" and key not in skipped) or (status == "duplicate" and key in forced)
            rows.append(item)
        count += 1
    pages = max(1, -(-count // per_page))
    return PreviewPage(rows, min(max(page, 1), pages), pages, count, wanted)


def set_overrides(batch: ImportBatch, shown: Sequence[str], included: Sequence[str],
                  skip_errors: bool | None = None) -> None:
    """The user's choices on one preview page: duplicates to import anyway, new rows to leave out."""
    require_staged(batch)
    if not plan_path(batch).exists():
        raise Conflict("The preview is out of date; open it again.")
    wanted = set(shown)
    statuses = {key: status for status, key, _ in _preview_lines(batch)
                if status in ("new", "duplicate") and key in wanted}
    state = WizardState.load(batch)
    forced = set(state.force) - wanted
    skipped = set(state.skip) - wanted
    chosen = set(included)
    for key, status in statuses.items():
        if status == "duplicate" and key in chosen:
            forced.add(key)
        elif status == "new" and key not in chosen:
            skipped.add(key)
    state.force, state.skip = sorted(forced), sorted(skipped)
    if skip_errors is not None:
        state.skip_errors = bool(skip_errors)
    state.save(batch)
    batch.message = ""
    _count_preview(batch, state)
    db.session.flush()


def _count_preview(batch: ImportBatch, state: WizardState) -> None:
    """The batch's counts from the stored preview and the user's choices (without re-planning)."""
    forced, skipped = set(state.force), set(state.skip)
    counts = {"new": 0, "duplicate": 0, "error": 0, "skipped": 0, "forced": 0}
    for status, key, _ in _preview_lines(batch):
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
