"""API: invoices and receipts (list with filters, get, upload, update fields, workflow moves) and vendors.

Roles as on the pages: reading needs viewer, uploading and correcting member, submitting member,
approving/rejecting/returning/paying manager (the workflow's table decides; see documents/workflow.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g, jsonify, request, url_for
from flask_login import current_user

from financeapp.api import bp
from financeapp.api.resources import list_meta
from financeapp.api.schemas import amount_text, read_json
from financeapp.core.errors import Invalid, NotFound
from financeapp.core.pagination import page_number
from financeapp.core.scoping import MAX_ID, as_id, require_role
from financeapp.documents import jobs, queries, services, workflow
from financeapp.documents.models import FLAG_CODES, STATES, STATUSES, Document
from financeapp.extensions import db
from financeapp.vendors import services as vendor_services

PER_PAGE = 50


def _money(value: Decimal | None, currency: str | None) -> str | None:
    return None if value is None else amount_text(value, currency or "INR")


def invoice_json(doc: Document) -> dict[str, Any]:
    """A document as the API shows it: fields with how they were read, flags with reasons, workflow state."""
    fields = {}
    for name, value, field in services.field_rows(doc):
        if isinstance(value, Decimal):
            shown: Any = _money(value, doc.currency)
        elif isinstance(value, date):
            shown = value.isoformat()
        else:
            shown = value or None
        fields[name] = {
            "value": shown,
            "confidence": field.confidence if field else 0,
            "source": field.source if field else None,
            "note": field.note if field else "",
            "corrected": bool(field and field.corrected),
        }
    return {
        "id": doc.id,
        "file": doc.original_name,
        "content_type": doc.content_type,
        "status": doc.status,
        "message": doc.message,
        "source": doc.source,
        "pages": doc.pages,
        "kind": doc.kind,
        "state": doc.state,
        "vendor": {"id": doc.vendor.id, "name": doc.vendor.name} if doc.vendor else None,
        "fields": fields,
        "gstin_valid": doc.gstin_valid,
        "flags": [{"code": f.code, "reason": f.reason, "related_id": f.related_id} for f in doc.flags],
        "taxes": [
            {
                "kind": t.kind,
                "rate": None if t.rate is None else format(t.rate.normalize(), "f"),
                "amount": _money(t.amount, doc.currency),
            }
            for t in doc.tax_lines
        ],
        "transaction_id": doc.transaction_id,
        "payment_transaction_id": doc.payment_transaction_id,
        "version": doc.version,
        "created_at": doc.created_at.isoformat() + "Z",
    }


def _document(document_id: int) -> Document:
    if document_id > MAX_ID:
        raise NotFound("No such document.")
    return services.get_document(g.workspace, document_id)


@bp.get("/invoices")
@require_role("viewer")
def invoices_index():
    """A page of documents, newest first; filters: state, status, flag, vendor_id, batch_id, q, page."""
    f = queries.DocumentFilter.from_args(request.args)
    if f.errors:
        raise BadFilter("A filter is not valid.", fields=f.errors)
    page = queries.document_page(g.workspace, f, page_number(request.args.get("page")), PER_PAGE)
    return jsonify(
        data=[invoice_json(d) for d in page.rows],
        meta=list_meta(page),
    )


class BadFilter(Invalid):
    status = 400
    title = "Bad request"


@bp.get("/invoices/<int:document_id>")
@require_role("viewer")
def invoices_detail(document_id: int):
    """One document with its fields, flags and taxes."""
    return jsonify(data=invoice_json(_document(document_id)))


@bp.post("/invoices")
@require_role("member")
def invoices_upload():
    """Upload files (multipart, field "files"); each is read as a job, inline without Redis. 201."""
    files = request.files.getlist("files") or request.files.getlist("file")
    batch = services.upload_documents(
        g.workspace, current_user, [services.Upload(f.filename or "", f.stream) for f in files]
    )
    docs = services.batch_documents(g.workspace, batch)
    mode = jobs.start(g.workspace, docs)
    if mode == "page":  # no queue: an API client has no page to drive the reading, so read them now
        for doc in docs:
            jobs.run_document(doc.id, g.workspace.id)
    db.session.expire_all()
    body = [invoice_json(services.get_document(g.workspace, doc.id)) for doc in docs]
    response = jsonify(data=body, meta={"batch_id": batch.id, "mode": mode})
    response.status_code = 201
    if len(docs) == 1:
        response.headers["Location"] = url_for("api.invoices_detail", document_id=docs[0].id)
    return response


def _amount(body: dict, name: str, errors: dict[str, str]) -> Decimal | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        errors[name] = 'Send an amount such as "1180.00".'
        return None


def _day(body: dict, errors: dict[str, str]) -> date | None:
    value = body.get("date")
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors["date"] = "Send the date as YYYY-MM-DD."
        return None


@bp.patch("/invoices/<int:document_id>")
@require_role("member")
def invoices_update(document_id: int):
    """Correct fields; fields not sent keep their value. Corrections teach the vendor's template."""
    doc = _document(document_id)
    body = read_json(request)
    errors: dict[str, str] = {}
    current = {name: value for name, value, _field in services.field_rows(doc)}
    given = {**current, **{k: v for k, v in body.items() if k in current}}
    data = services.FieldsInput(
        vendor=str(given["vendor"] or ""),
        vendor_gstin=str(given["vendor_gstin"] or ""),
        buyer_gstin=str(given["buyer_gstin"] or ""),
        invoice_number=str(given["invoice_number"] or ""),
        date=_day(body, errors) if "date" in body else current["date"],
        currency=str(given["currency"] or ""),
        subtotal=_amount(body, "subtotal", errors) if "subtotal" in body else current["subtotal"],
        tax=_amount(body, "tax", errors) if "tax" in body else current["tax"],
        round_off=_amount(body, "round_off", errors) if "round_off" in body else current["round_off"],
        total=_amount(body, "total", errors) if "total" in body else current["total"],
        version=as_id(body["version"]) if body.get("version") is not None else None,
    )
    if errors:
        raise Invalid("Some fields need attention.", fields=errors)
    services.update_fields(g.workspace, current_user, doc, data)
    body_out = invoice_json(doc)
    db.session.commit()
    return jsonify(data=body_out)


def _move(document_id: int, action: str):
    doc = _document(document_id)
    body = read_json(request) if request.get_data(cache=True).strip() else {}
    options = workflow.Options(
        comment=str(body.get("comment") or ""),
        account_id=as_id(body["account_id"]) if body.get("account_id") else None,
        payment_transaction_id=as_id(body["payment_transaction_id"]) if body.get("payment_transaction_id") else None,
    )
    role = g.membership.role if g.get("membership") else None
    workflow.transition(g.workspace, current_user, role, doc, action, options)
    out = invoice_json(doc)
    db.session.commit()
    return jsonify(data=out)


@bp.post("/invoices/<int:document_id>/submit")
@require_role("member")
def invoices_submit(document_id: int):
    """Submit for approval (member)."""
    return _move(document_id, "submit")


@bp.post("/invoices/<int:document_id>/approve")
@require_role("manager")
def invoices_approve(document_id: int):
    """Approve (manager, not the submitter); the final approval books one ledger entry."""
    return _move(document_id, "approve")


@bp.post("/invoices/<int:document_id>/reject")
@require_role("manager")
def invoices_reject(document_id: int):
    """Reject with a reason in "comment" (manager)."""
    return _move(document_id, "reject")


@bp.post("/invoices/<int:document_id>/return")
@require_role("manager")
def invoices_return(document_id: int):
    """Return for changes, saying what in "comment" (manager)."""
    return _move(document_id, "return")


@bp.post("/invoices/<int:document_id>/pay")
@require_role("manager")
def invoices_pay(document_id: int):
    """Mark paid, linking "payment_transaction_id" or the booked entry (manager)."""
    return _move(document_id, "pay")


@bp.get("/vendors")
@require_role("viewer")
def vendors_index():
    """A page of vendors with their figures and risk score (with its reasons)."""
    page = vendor_services.vendor_page(
        g.workspace, page_number(request.args.get("page")), search=(request.args.get("q") or "")[:100]
    )
    return jsonify(
        data=[
            {
                "id": row.vendor.id,
                "name": row.vendor.name,
                "gstin": row.vendor.gstin,
                "gstin_valid": row.vendor.gstin_valid,
                "documents": row.figures.documents,
                "totals": {code: amount_text(v, code or "INR") for code, v in row.figures.totals.items()},
                "average": {code: amount_text(v, code or "INR") for code, v in row.figures.average.items()},
                "duplicate_rate": format(row.figures.duplicate_rate, "f"),
                "risk": {
                    "score": row.risk.score,
                    "points": [{"points": p.points, "reason": p.reason} for p in row.risk.points],
                },
            }
            for row in page.rows
        ],
        meta=list_meta(page),
    )


_ID = {"name": "document_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_MOVE_BODY = {
    "required": False,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "comment": {"type": "string", "maxLength": 500},
                    "account_id": {"type": "integer"},
                    "payment_transaction_id": {"type": "integer"},
                },
            }
        }
    },
}


def _ok(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    names = {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        409: "Conflict",
        415: "UnsupportedMediaType",
        422: "Invalid",
    }
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


_ONE = {"type": "object", "required": ["data"], "properties": {"data": {"$ref": "#/components/schemas/Invoice"}}}
_MANY = {
    "type": "object",
    "required": ["data", "meta"],
    "properties": {
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Invoice"}},
        "meta": {"type": "object"},
    },
}


def _move_path(action: str, summary: str) -> dict:
    verb = {
        "submitting": "submit",
        "approving": "approve",
        "rejecting": "reject",
        "returning": "return",
        "paying": "pay",
    }[action]
    return {
        "post": {
            "operationId": f"invoices_{verb}",
            "tags": ["invoices"],
            "summary": summary,
            "parameters": [_ID],
            "requestBody": _MOVE_BODY,
            "responses": {"200": _ok(_ONE, f"The document after {action}."), **_errors(401, 403, 404, 409, 422)},
        }
    }


OPENAPI: dict[str, Any] = {
    "tags": ["invoices", "vendors"],
    "paths": {
        "/api/v1/invoices": {
            "get": {
                "operationId": "invoices_index",
                "tags": ["invoices"],
                "summary": "Documents, newest first, 50 a page.",
                "parameters": [
                    {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(STATES)}},
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}},
                    {"name": "flag", "in": "query", "schema": {"type": "string", "enum": list(FLAG_CODES)}},
                    {"name": "vendor_id", "in": "query", "schema": {"type": "integer"}},
                    {"name": "batch_id", "in": "query", "schema": {"type": "integer"}},
                    {"name": "q", "in": "query", "schema": {"type": "string"},
                     "description": "Part of the vendor's name, the number or the file name."},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                ],
                "responses": {"200": _ok(_MANY, "A page of documents."), **_errors(400, 401, 403)},
            },
            "post": {
                "operationId": "invoices_upload",
                "tags": ["invoices"],
                "summary": 'Upload PDF/PNG/JPEG/HEIC files (multipart field "files").',
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _ok(_MANY, "The documents, read (or queued with Redis)."),
                    **_errors(401, 403, 422),
                },
            },
        },
        "/api/v1/invoices/{document_id}": {
            "get": {
                "operationId": "invoices_detail",
                "tags": ["invoices"],
                "summary": "One document.",
                "parameters": [_ID],
                "responses": {"200": _ok(_ONE, "The document."), **_errors(401, 403, 404)},
            },
            "patch": {
                "operationId": "invoices_update",
                "tags": ["invoices"],
                "summary": "Correct fields (draft or returned documents).",
                "parameters": [_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    **{
                                        k: {"type": ["string", "null"]}
                                        for k in ("vendor", "vendor_gstin", "buyer_gstin", "invoice_number", "currency")
                                    },
                                    "date": {"type": ["string", "null"], "format": "date"},
                                    **{
                                        k: {"type": ["string", "null"]}
                                        for k in ("subtotal", "tax", "round_off", "total")
                                    },
                                    "version": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": _ok(_ONE, "The corrected document."), **_errors(401, 403, 404, 409, 415, 422)},
            },
        },
        "/api/v1/invoices/{document_id}/submit": _move_path("submitting", "Submit for approval (member)."),
        "/api/v1/invoices/{document_id}/approve": _move_path("approving", "Approve (manager; not the submitter)."),
        "/api/v1/invoices/{document_id}/reject": _move_path("rejecting", "Reject with a reason (manager)."),
        "/api/v1/invoices/{document_id}/return": _move_path("returning", "Return for changes (manager)."),
        "/api/v1/invoices/{document_id}/pay": _move_path("paying", "Mark paid, linking the payment (manager)."),
        "/api/v1/vendors": {
            "get": {
                "operationId": "vendors_index",
                "tags": ["vendors"],
                "summary": "Vendors with figures and a 0-100 risk score with its points.",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                ],
                "responses": {
                    "200": _ok(
                        {
                            "type": "object",
                            "required": ["data", "meta"],
                            "properties": {
                                "data": {"type": "array", "items": {"type": "object"}},
                                "meta": {"type": "object"},
                            },
                        },
                        "A page of vendors.",
                    ),
                    **_errors(401, 403),
                },
            },
        },
    },
    "schemas": {
        "Invoice": {
            "type": "object",
            "required": ["id", "file", "status", "state", "fields", "flags"],
            "properties": {
                "id": {"type": "integer"},
                "file": {"type": "string"},
                "status": {"type": "string", "enum": list(STATUSES)},
                "state": {"type": "string", "enum": list(STATES)},
                "fields": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "value": {"type": ["string", "null"]},
                            "confidence": {"type": "integer"},
                            "source": {"type": ["string", "null"]},
                            "note": {"type": "string"},
                            "corrected": {"type": "boolean"},
                        },
                    },
                },
                "gstin_valid": {"type": ["boolean", "null"]},
                "flags": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string", "enum": list(FLAG_CODES)},
                            "reason": {"type": "string"},
                            "related_id": {"type": ["integer", "null"]},
                        },
                    },
                },
            },
        },
    },
}
