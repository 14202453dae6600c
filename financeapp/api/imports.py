"""API: bank-file imports, the wizard's steps through imports/services and imports/jobs: upload, status,
CSV columns, accounts (then the analysis), preview, commit, undo, discard.

A step the pages run on the progress page (a large file without Redis) runs in the request here,
as the invoices upload does: an API client has no page to drive it.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from flask import g, jsonify, request, url_for
from flask_login import current_user

from financeapp.api import bp, docs
from financeapp.api.resources import BadParameter, created, deleted, idempotent, list_response, page_args, paged
from financeapp.api.schemas import amount_text, read_json
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.scoping import require_role, scoped
from financeapp.extensions import db
from financeapp.imports import committing, jobs, services
from financeapp.imports.models import STATUSES, ImportBatch
from financeapp.imports.state import WizardState
from financeapp.imports.targets import NEW

SHOWS = ("all", "new", "duplicate", "error")


def next_step(batch: ImportBatch, state: WizardState) -> str | None:
    """What the batch waits for: the same order as the pages' wizard (imports/views.next_url)."""
    if batch.status == "running":
        return "wait"
    if batch.status != "staged":
        return None
    if batch.format == "csv" and not state.csv_mapping:
        return "columns"
    return "accounts" if not state.analysed else "commit"


def batch_json(batch: ImportBatch) -> dict[str, Any]:
    state = WizardState.load(batch)
    return {
        "id": batch.id, "file_name": batch.file_name, "format": batch.format, "status": batch.status,
        "next_step": next_step(batch, state), "message": batch.message or None,
        "rows_total": batch.rows_total, "rows_imported": batch.rows_imported,
        "rows_duplicate": batch.rows_duplicate, "rows_error": batch.rows_error, "rows_skipped": batch.rows_skipped,
        "progress": batch.progress,
        "statements": [{"index": i, "name": s.get("name") or "", "currency": s.get("currency") or None,
                        "rows": int(s.get("count") or 0)} for i, s in enumerate(state.statements or [])],
        "accounts": {str(k): v for k, v in (state.accounts or {}).items()},
        "created_at": _utc(batch.created_at), "committed_at": _utc(batch.committed_at),
        "undone_at": _utc(batch.undone_at),
    }


def _utc(moment: datetime | None) -> str | None:
    """To the second: MariaDB's DATETIME keeps no fraction, so a created row reads back the same."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment is not None else None


def _batch(batch_id: int) -> ImportBatch:
    return services.get_batch(g.workspace, batch_id)


def _answer(batch: ImportBatch):
    db.session.refresh(batch)
    return jsonify(data=batch_json(batch))


def _run(batch: ImportBatch, step: str) -> None:
    """Start a step (commits); run it now unless a worker has it."""
    if jobs.start(batch, step) in ("now", "page"):
        jobs.run_step(batch.id, g.workspace.id, step)


@bp.get("/imports")
@require_role("viewer")
def imports_index():
    """The workspace's imports, newest first; `status` filters."""
    query = scoped(ImportBatch, g.workspace)
    status = (request.args.get("status") or "").strip()
    if status:
        if status not in STATUSES:
            raise BadParameter("Check the query parameters: status.",
                               fields={"status": f"Choose one of: {', '.join(STATUSES)}."})
        query = query.where(ImportBatch.status == status)
    page = paged(query.order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc()))
    return list_response((batch_json(batch) for batch in page.rows), page)


@bp.post("/imports")
@require_role("member")
@idempotent
def imports_upload():
    """Upload a bank file (multipart, field "file"): CSV, OFX/QFX, QIF, CAMT.053 or MT940. A statement
    file is read at once (one that cannot be read is a 422); a CSV waits for its columns."""
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("Send the file as multipart/form-data in the field “file”.",
                      fields={"file": "Required."})
    batch = services.upload(g.workspace, current_user, upload.filename or "", upload.read())
    out = batch_json(batch)
    db.session.commit()
    return created(out, url_for("api.imports_detail", batch_id=batch.id))


@bp.get("/imports/<int:batch_id>")
@require_role("viewer")
def imports_detail(batch_id: int):
    """The batch's status, counts and statements, and the step it waits for."""
    return jsonify(data=batch_json(_batch(batch_id)))


def _body() -> dict[str, Any]:
    return read_json(request) if request.get_data(cache=True).strip() else {}


@bp.post("/imports/<int:batch_id>/columns")
@require_role("member")
def imports_columns(batch_id: int):
    """A CSV's column mapping (`mapping`, as the columns page saves it); the whole file is read with it."""
    batch = _batch(batch_id)
    if batch.format != "csv":
        raise Conflict("Only a CSV file has columns to choose.")
    body = _body()
    unknown = [key for key in body if key not in ("mapping", "name")]
    mapping, name = body.get("mapping"), body.get("name") or ""
    if unknown or not isinstance(mapping, dict) or not isinstance(name, str):
        raise Invalid("Send {\"mapping\": {...}} and, optionally, a name.",
                      fields={key: "Unknown field." for key in unknown} or {"mapping": "Send an object."})
    services.choose_csv_mapping(g.workspace, batch, mapping, name=name[:80])
    db.session.commit()
    return _answer(batch)


@bp.post("/imports/<int:batch_id>/accounts")
@require_role("member")
def imports_accounts(batch_id: int):
    """The account of each statement (`{"accounts": {"0": 12, "1": "new"}}`; without it, the page's
    defaults), then the analysis (duplicates, rules, transfers) that the preview shows."""
    batch = _batch(batch_id)
    state = WizardState.load(batch)
    if batch.status == "staged" and batch.format == "csv" and not state.csv_mapping:
        raise Conflict("Choose the CSV's columns first (POST …/columns).")
    body = _body()
    chosen = body.get("accounts")
    if [key for key in body if key != "accounts"] or (chosen is not None and not isinstance(chosen, dict)):
        raise Invalid("Send {\"accounts\": {\"0\": account_id or \"new\"}}.", fields={"accounts": "Send an object."})
    if chosen is None:
        chosen = services.default_choices(g.workspace, batch) if batch.status == "staged" else {}
    choices = {str(k): (v if v == NEW else str(v)) for k, v in chosen.items()
               if isinstance(v, int | str) and not isinstance(v, bool)}
    services.choose_accounts(g.workspace, batch, choices)
    _run(batch, "analyse")
    return _answer(batch)


@bp.get("/imports/<int:batch_id>/preview")
@require_role("viewer")
def imports_preview(batch_id: int):
    """The analysed rows: what each will do (new, duplicate, error) and why; `show` filters."""
    batch = _batch(batch_id)
    show = (request.args.get("show") or "all").strip()
    if show not in SHOWS:
        raise BadParameter("Check the query parameters: show.", fields={"show": f"Choose one of: {', '.join(SHOWS)}."})
    number, per_page = page_args(request.args)
    if batch.status != "staged" or not WizardState.load(batch).analysed:
        raise Conflict("There is no preview: choose the accounts first (POST …/accounts).")
    page = services.preview_page(batch, page=number, show=show, per_page=per_page)

    def row_json(row: Any) -> dict[str, Any]:
        data = asdict(row)
        data["amount"] = amount_text(row.amount, row.currency) if row.currency else format(row.amount, "f")
        if row.match is not None:
            data["match"] = {**data["match"], "amount": format(row.match.amount, "f")}
        return data

    meta = {"page": page.number, "per_page": per_page, "total": page.total, "pages": page.pages,
            "next": page.number + 1 if page.number < page.pages else None, "show": page.show}
    return jsonify(data=[row_json(row) for row in page.rows], meta=meta)


@bp.post("/imports/<int:batch_id>/commit")
@require_role("member")
def imports_commit(batch_id: int):
    """Carry the import out: new rows (less `exclude`), duplicates in `include`; rows with errors refuse
    it unless `skip_errors`. One transaction: all rows or none."""
    batch = _batch(batch_id)
    if batch.status != "staged" or not WizardState.load(batch).analysed:
        raise Conflict("Nothing to commit: the import is not analysed, or is already done.")
    body = _body()
    errors: dict[str, str] = {}
    lists = {}
    for name in ("include", "exclude"):
        value = body.get(name, [])
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value) or len(value) > 100_000:
            errors[name] = "Send a list of row keys from the preview."
        lists[name] = value if name not in errors else []
    skip_errors = body.get("skip_errors")
    if skip_errors is not None and not isinstance(skip_errors, bool):
        errors["skip_errors"] = "Send true or false."
    errors.update({key: "Unknown field." for key in body if key not in ("include", "exclude", "skip_errors")})
    if errors:
        raise Invalid("Some fields need attention.", fields=errors)
    if lists["include"] or lists["exclude"] or skip_errors is not None:
        services.set_overrides(batch, [*lists["include"], *lists["exclude"]], lists["include"],
                               skip_errors=skip_errors)
    _run(batch, "commit")
    return _answer(batch)


@bp.post("/imports/<int:batch_id>/undo")
@require_role("member")
def imports_undo(batch_id: int):
    """Remove every transaction the import wrote (and the accounts it created, when left empty)."""
    batch = _batch(batch_id)
    committing.undo_import(g.workspace, batch)
    db.session.commit()
    return _answer(batch)


@bp.delete("/imports/<int:batch_id>")
@require_role("member")
def imports_discard(batch_id: int):
    """Forget an import that was never carried out, and its file (a done one: undo it instead, 422)."""
    services.discard_batch(_batch(batch_id))
    db.session.commit()
    return deleted()


DATE_TIME = {"type": "string", "format": "date-time"}
BATCH = {
    "type": "object",
    "required": ["id", "file_name", "format", "status", "next_step", "message", "rows_total", "rows_imported",
                 "rows_duplicate", "rows_error", "rows_skipped", "progress", "statements", "accounts", "created_at",
                 "committed_at", "undone_at"],
    "properties": {
        "id": {"type": "integer"}, "file_name": {"type": "string"}, "format": {"type": "string"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "next_step": {"oneOf": [{"type": "string", "enum": ["columns", "accounts", "commit", "wait"]},
                                {"type": "null"}], "description": "What the import waits for; null when done."},
        "message": {"type": ["string", "null"]}, "rows_total": {"type": "integer"},
        "rows_imported": {"type": "integer"}, "rows_duplicate": {"type": "integer"},
        "rows_error": {"type": "integer"}, "rows_skipped": {"type": "integer"}, "progress": {"type": "integer"},
        "statements": {"type": "array", "items": {
            "type": "object", "required": ["index", "name", "currency", "rows"],
            "properties": {"index": {"type": "integer"}, "name": {"type": "string"},
                           "currency": {"type": ["string", "null"]}, "rows": {"type": "integer"}}}},
        "accounts": {"type": "object", "additionalProperties": {"oneOf": [{"type": "integer"}, {"type": "string"}]}},
        "created_at": DATE_TIME, "committed_at": docs.nullable(DATE_TIME), "undone_at": docs.nullable(DATE_TIME),
    },
}
PREVIEW_ROW = {
    "type": "object",
    "required": ["key", "status", "row", "date", "amount", "currency", "account", "payee", "memo", "include"],
    "properties": {"key": {"type": "string"}, "status": {"type": "string", "enum": ["new", "duplicate", "error"]},
                   "row": {"type": "integer"}, "date": {"type": "string"}, "amount": {"type": "string"},
                   "currency": {"type": "string"}, "account": {"type": "string"}, "payee": {"type": "string"},
                   "memo": {"type": "string"}, "include": {"type": "boolean"}},
}
ID = docs.path_id("batch_id")
STEP_ERRORS = docs.errors(400, 401, 403, 404, 409, 415, 422)


def _step(operation_id: str, summary: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"post": {
        "operationId": operation_id, "summary": summary, "tags": ["imports"], "parameters": [ID, docs.CSRF],
        "requestBody": {"required": False, "content": {"application/json": {"schema": body}}},
        "responses": {"200": docs.one("ImportBatch", "The batch now."), **STEP_ERRORS},
    }}


KEYS = {"type": "array", "items": {"type": "string"}}
OPENAPI: dict[str, Any] = {
    "tags": ["imports"],
    "schemas": {"ImportBatch": BATCH, "ImportPreviewRow": PREVIEW_ROW},
    "paths": {
        "/api/v1/imports": {
            "get": {"operationId": "listImports", "summary": "The workspace's imports, newest first",
                    "tags": ["imports"],
                    "parameters": [docs.query("status", {"type": "string", "enum": list(STATUSES)}, "Only these."),
                                   *docs.PAGE_PARAMETERS],
                    "responses": {"200": docs.many("ImportBatch", "The imports."), **docs.errors(400, 401, 404)}},
            "post": {"operationId": "createImport", "summary": "Upload a bank file", "tags": ["imports"],
                     "parameters": [docs.CSRF],
                     "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                         "type": "object", "required": ["file"],
                         "properties": {"file": {"type": "string", "format": "binary"}}}}}},
                     "responses": {"201": docs.one("ImportBatch", "The staged import."),
                                   **docs.errors(400, 401, 403, 404, 409, 415, 422)}},
        },
        "/api/v1/imports/{batch_id}": {
            "get": {"operationId": "getImport", "summary": "An import's status", "tags": ["imports"],
                    "parameters": [ID],
                    "responses": {"200": docs.one("ImportBatch", "The import."), **docs.errors(401, 404)}},
            "delete": {"operationId": "discardImport", "summary": "Forget an import never carried out",
                       "tags": ["imports"], "parameters": [ID, docs.CSRF],
                       "responses": {"204": {"description": "Discarded."}, **docs.errors(401, 403, 404, 409, 422)}},
        },
        "/api/v1/imports/{batch_id}/columns": _step("chooseImportColumns", "A CSV's column mapping", {
            "type": "object", "required": ["mapping"],
            "properties": {"mapping": {"type": "object"}, "name": {"type": "string", "maxLength": 80}}}),
        "/api/v1/imports/{batch_id}/accounts": _step("chooseImportAccounts", "Each statement's account, then analyse", {
            "type": "object", "additionalProperties": False,
            "properties": {"accounts": {"type": "object", "additionalProperties": {
                "oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "enum": [NEW]}]}}}}),
        "/api/v1/imports/{batch_id}/preview": {"get": {
            "operationId": "getImportPreview", "summary": "What each row will do", "tags": ["imports"],
            "parameters": [ID, docs.query("show", {"type": "string", "enum": list(SHOWS)}, "Only these rows."),
                           *docs.PAGE_PARAMETERS],
            "responses": {"200": docs.json_response({
                "type": "object", "required": ["data", "meta"],
                "properties": {"data": {"type": "array", "items": docs.ref("ImportPreviewRow")},
                               "meta": docs.ref("ListMeta")}}, "The rows."), **docs.errors(400, 401, 404, 409)},
        }},
        "/api/v1/imports/{batch_id}/commit": _step("commitImport", "Carry the import out", {
            "type": "object", "additionalProperties": False,
            "properties": {"include": KEYS, "exclude": KEYS, "skip_errors": {"type": "boolean"}}}),
        "/api/v1/imports/{batch_id}/undo": _step("undoImport", "Undo a finished import", {"type": "object"}),
    },
}
