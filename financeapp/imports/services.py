"""The import wizard's steps, as its views call them: upload, CSV columns, accounts, preview.

Every step works on an `ImportBatch` and the uploaded file kept beside it (storage.py):

1. `stage_upload` stores the file and detects its format;
2. (CSV) `planning.csv_layout` / `planning.mapping_for_layout` / `choose_csv_mapping` pick the
   columns; a mapping is saved per workspace under the file's header signature and chosen again
   automatically;
3. `statement_summaries` + `choose_accounts` say which account each statement goes to
   (matched by the file's account number, chosen by the user, or created on commit);
4. `analyse_batch` plans every row (planning.py: parse, rules, de-duplicate, validate) and keeps
   the preview beside the upload; `preview_page` and `set_overrides` read it and record the
   user's choices;
5. `committing.commit_import` writes everything in bulk, or raises and writes nothing;
   `committing.undo_import` removes an import as a whole.

Services flush, never commit; the caller (view, job, CLI) owns the one commit.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from hashlib import sha256
from typing import Any

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.auth.models import User
from financeapp.core.errors import Conflict, Invalid, NotFound
from financeapp.core.money import is_currency
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.extensions import db
from financeapp.imports.models import CsvMapping as SavedMapping
from financeapp.imports.models import ImportBatch
from financeapp.imports.parsed import ParsedFile, ParsedStatement
from financeapp.imports.planning import (
    NEW,
    Plan,
    PlannedRow,
    accounts_by_number,
    csv_layout,
    csv_parser,
    detect,
    new_account_name,
    normalise_number,
    parse_batch,
    parse_data,
    plan_batch,
    record_counts,
    require_staged,
    saved_mapping,
)
from financeapp.imports.storage import (
    ProgressFn,
    clean_file_name,
    import_folder,
    open_plan,
    options_of,
    plan_path,
    read_stored,
    set_options,
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


def get_batch(workspace: Workspace, batch_id: object) -> ImportBatch:
    return get_scoped_or_404(ImportBatch, batch_id, workspace)


# -- 2. CSV columns -----------------------------------------------------------------------------------


def choose_csv_mapping(workspace: Workspace, batch: ImportBatch, mapping: dict[str, Any],
                       *, name: str = "", data: bytes | None = None) -> ParsedFile:
    """Check a column mapping by parsing the whole file with it, keep it on the batch and save it for
    the next file with the same header."""
    require_staged(batch)
    data = read_stored(batch) if data is None else data
    try:
        normalised = csv_parser().CsvMapping.from_dict(mapping).to_dict()
    except (TypeError, ValueError, KeyError) as err:
        raise Invalid(f"That column mapping is incomplete: {err}") from None
    parsed = parse_data(data, batch.file_name, normalised)
    signature = csv_parser().header_signature(csv_layout(batch, data))
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


# -- 3. accounts --------------------------------------------------------------------------------------


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
    return [new_account_name(workspace, ParsedStatement(account_number=s["number"], account_type=s["type"],
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


# -- 4. the preview, kept as a file of rows -----------------------------------------------------------


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
    write_atomically(plan_path(batch), lines.encode(), sealed=True)
    record_counts(batch, plan)
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
        handle = open_plan(batch)
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
        with open_plan(batch) as handle:
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
    with open_plan(batch) as handle:
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
