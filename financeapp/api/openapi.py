"""API: the hand-written OpenAPI 3.1 description of /api/v1, served without signing in."""

from __future__ import annotations

import copy
import importlib
from typing import Any

from flask import jsonify

from financeapp.api import bp
from financeapp.api.docs import LIST_META
from financeapp.api.schemas import EARLIEST_YEAR, LATEST_YEAR, MAX_LABELS
from financeapp.categories.models import KINDS as CATEGORY_KINDS
from financeapp.core.scoping import MAX_ID
from financeapp.transactions.models import STATUSES
from financeapp.transactions.queries import KINDS, PER_PAGE_CHOICES, SORTS
from financeapp.transactions.services import MAX_LINES
from financeapp.workspaces.roles import ROLES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def _envelope(data: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"data": data}
    if meta is not None:
        properties["meta"] = meta
    return {"type": "object", "required": list(properties), "properties": properties}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"} for status in statuses}


ERROR_RESPONSES = {
    400: ("BadRequest", "The request is malformed: not JSON, a bad query parameter, or a failed CSRF check."),
    401: ("Unauthorized", "Not signed in."),
    403: ("Forbidden", "The signed-in user's role in the workspace does not allow this."),
    404: ("NotFound", "No such row in the current workspace (another workspace's ids are not found either)."),
    409: ("Conflict", "The row's state does not allow this now (a workflow move outside the table, a stale edit)."),
    415: ("UnsupportedMediaType", "The body is not sent as application/json."),
    422: ("Invalid", "A field is invalid; `errors` has a message for each."),
}

AMOUNT = {
    "type": "string",
    "pattern": r"^-?\d+(\.\d+)?$",
    "description": "An exact amount as a string, with the currency's minor units (\"-12.50\", \"1000\" for JPY).",
    "examples": ["-12.50"],
}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code.", "examples": ["USD"]}
AMOUNT_IN = {
    "oneOf": [
        {"type": "string", "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)\s*$"},
        {"type": "number", "exclusiveMinimum": 0},
    ],
    "description": "Positive, below 10 trillion; a string or a JSON number, read exactly (12.10 is 12.10, "
                   "never a float). At most the account currency's decimal places.",
    "examples": ["12.50"],
}
ID_IN = {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": r"^\d+$"}]}
LABELS_IN = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 40}, "maxItems": MAX_LABELS,
             "description": "Label names; missing labels are created, duplicates (any case) are dropped."}
DATE = {"type": "string", "format": "date", "examples": ["2026-03-05"]}
DATE_IN = {**DATE, "description": f"YYYY-MM-DD, years {EARLIEST_YEAR} to {LATEST_YEAR}."}


SCHEMAS: dict[str, Any] = {
    "Amount": AMOUNT,
    "ListMeta": LIST_META,
    "Currency": CURRENCY,
    "Reference": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "Problem": {
        "type": "object",
        "description": "An RFC 9457 problem document, sent as application/problem+json.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "examples": ["about:blank#422"]},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "One message per invalid field, e.g. {\"date\": \"Required.\", "
                               "\"lines[1].amount\": \"Required.\"}.",
            },
            "request_id": {"type": ["string", "null"]},
        },
    },
    "Me": {
        "type": "object",
        "required": ["email", "display_name", "workspace"],
        "properties": {
            "email": {"type": "string", "format": "email"},
            "display_name": {"type": "string"},
            "workspace": {
                "type": "object",
                "required": ["id", "name", "base_currency", "role"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "base_currency": _ref("Currency"),
                    "role": {"type": "string", "enum": list(ROLES)},
                },
            },
        },
    },
    "Account": {
        "type": "object",
        "required": ["id", "name", "type", "currency", "group", "archived", "include_in_net_worth",
                     "opening_balance", "opening_date", "colour", "notes", "balance", "balance_in_base",
                     "missing_rate"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "type": {"type": "string", "enum": ["checking", "savings", "credit_card", "cash", "loan", "investment",
                                                "other_asset", "other_liability"]},
            "currency": _ref("Currency"),
            "group": {"type": ["string", "null"]},
            "archived": {"type": "boolean"},
            "include_in_net_worth": {"type": "boolean"},
            "opening_balance": _ref("Amount"),
            "opening_date": DATE,
            "colour": {"type": "string", "pattern": "^#[0-9a-f]{6}$"},
            "notes": {"type": "string"},
            "balance": {**AMOUNT, "description": "Opening balance plus every transaction, in the account currency."},
            "balance_in_base": _nullable({**AMOUNT, "description": "The balance in the workspace base currency "
                                                                   "at today's rate."}),
            "missing_rate": {"type": "boolean", "description": "True when no rate converts the currency to the "
                                                               "base currency (balance_in_base is then null)."},
        },
    },
    "Category": {
        "type": "object",
        "required": ["id", "name", "kind"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": list(CATEGORY_KINDS)},
        },
    },
    "CategoryGroup": {
        "allOf": [
            _ref("Category"),
            {
                "type": "object",
                "required": ["categories"],
                "properties": {"categories": {"type": "array", "items": _ref("Category")}},
            },
        ],
    },
    "TransactionLine": {
        "type": "object",
        "required": ["category", "amount", "memo"],
        "properties": {
            "category": _nullable(_ref("Reference")),
            "amount": {**AMOUNT, "description": "Signed like the transaction; the lines add up to its amount."},
            "memo": {"type": "string"},
        },
    },
    "Transaction": {
        "type": "object",
        "required": ["id", "date", "account", "amount", "currency", "payee", "memo", "status", "kind",
                     "transfer_key", "labels", "lines", "version"],
        "properties": {
            "id": {"type": "integer"},
            "date": DATE,
            "account": _ref("Reference"),
            "amount": {**AMOUNT, "description": "Signed from the account's side: negative is money out."},
            "currency": _ref("Currency"),
            "payee": _nullable(_ref("Reference")),
            "memo": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "kind": {"type": "string", "enum": list(KINDS)},
            "transfer_key": {"type": ["integer", "null"],
                             "description": "Shared by both sides of a transfer; null otherwise."},
            "labels": {"type": "array", "items": {"type": "string"}},
            "lines": {"type": "array", "items": _ref("TransactionLine")},
            "version": {"type": "integer", "minimum": 1,
                        "description": "Send it back with a PATCH to refuse the change if someone saved since."},
        },
    },
    "TransactionPageMeta": {
        "type": "object",
        "required": ["page", "per_page", "total", "pages", "next", "sum", "currency", "sums"],
        "properties": {
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "enum": list(PER_PAGE_CHOICES)},
            "total": {"type": "integer", "description": "Transactions matching the filters, on all pages."},
            "pages": {"type": "integer", "minimum": 1},
            "next": {"type": ["integer", "null"], "description": "The next page's number; null on the last page."},
            "sum": _nullable({**AMOUNT, "description": "Exact sum of every match; null when the matches are in "
                                                       "more than one currency."}),
            "currency": {"type": ["string", "null"], "description": "The currency of `sum`."},
            "sums": {"type": "object", "additionalProperties": AMOUNT,
                     "description": "Exact sum of the matches per account currency (ISO 4217 code to amount)."},
        },
    },
    "LineInput": {
        "type": "object",
        "additionalProperties": False,
        "required": ["amount"],
        "properties": {
            "category_id": _nullable(ID_IN),
            "amount": AMOUNT_IN,
            "memo": {"type": "string", "maxLength": 255},
        },
    },
    "EntryInput": {
        "type": "object",
        "description": "Money in or out of one account. Send category_id for one category, or two or more "
                       "lines (a split) whose amounts add up to the amount.",
        "additionalProperties": False,
        "required": ["account_id", "date", "amount", "direction"],
        "properties": {
            "type": {"type": "string", "enum": ["entry"], "default": "entry"},
            "account_id": ID_IN,
            "date": DATE_IN,
            "amount": AMOUNT_IN,
            "direction": {"type": "string", "enum": ["in", "out"]},
            "payee": {"type": "string", "maxLength": 120,
                      "description": "A payee name; a new name creates the payee."},
            "category_id": _nullable(ID_IN),
            "memo": {"type": "string", "maxLength": 255},
            "labels": LABELS_IN,
            "status": {"type": "string", "enum": list(STATUSES), "default": "uncleared"},
            "lines": {"type": "array", "items": _ref("LineInput"), "maxItems": MAX_LINES,
                      "description": "Empty, or two or more lines."},
        },
    },
    "TransactionPatch": {
        "type": "object",
        "description": "The fields to change. An entry takes the EntryInput fields (lines replace the split; a "
                       "new amount of a split needs its lines), a transfer the TransferInput fields (both sides "
                       "change). `type` cannot change. With `version` from GET the change is refused (409) if "
                       "someone saved since; a reconciled transaction needs `unlock`.",
        "additionalProperties": False,
        "properties": {
            "type": {"type": "string", "enum": ["entry", "transfer"]},
            "account_id": ID_IN, "from_account_id": ID_IN, "to_account_id": ID_IN,
            "date": DATE_IN,
            "amount": {"oneOf": [{"type": "string", "pattern": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$"},
                                 {"type": "number"}],
                       "description": "Signed as GET shows it (negative: money out), or positive with direction."},
            "to_amount": _nullable(AMOUNT_IN),
            "direction": {"type": "string", "enum": ["in", "out"]},
            "payee": {"type": "string", "maxLength": 120},
            "category_id": _nullable(ID_IN),
            "memo": {"type": "string", "maxLength": 255},
            "labels": LABELS_IN,
            "status": {"type": "string", "enum": list(STATUSES)},
            "lines": {"type": "array", "items": _ref("LineInput"), "maxItems": MAX_LINES},
            "version": {"type": "integer", "minimum": 1},
            "unlock": {"type": "boolean", "default": False},
        },
    },
    "TransferInput": {
        "type": "object",
        "description": "Money moved between two accounts, written as two transactions. Across currencies "
                       "send to_amount, the amount that arrived; within one currency it must equal amount.",
        "additionalProperties": False,
        "required": ["type", "from_account_id", "to_account_id", "date", "amount"],
        "properties": {
            "type": {"type": "string", "const": "transfer"},
            "from_account_id": ID_IN,
            "to_account_id": ID_IN,
            "date": DATE_IN,
            "amount": AMOUNT_IN,
            "to_amount": _nullable(AMOUNT_IN),
            "memo": {"type": "string", "maxLength": 255},
            "labels": LABELS_IN,
            "status": {"type": "string", "enum": list(STATUSES), "default": "uncleared"},
        },
    },
}


def _filter_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


# Any id in range is a filter; an id that is not the workspace's matches nothing (0 included).
ANY_ID = {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID}
TRANSACTION_FILTERS = [
    _filter_parameter("account", ANY_ID, "Only this account's transactions."),
    _filter_parameter("category", ANY_ID,
                      "Lines in this category (a group includes its categories); -1: uncategorised."),
    _filter_parameter("label", ANY_ID, "Transactions with this label id."),
    _filter_parameter("payee", ANY_ID, "Transactions with this payee id."),
    _filter_parameter("kind", {"type": "string", "enum": list(KINDS)}, "Income, expense or transfer."),
    _filter_parameter("start", {"type": "string", "format": "date"}, "On or after this date."),
    _filter_parameter("end", {"type": "string", "format": "date"}, "On or before this date."),
    _filter_parameter("min", {"type": "string"}, "Amount at least this (by size when not negative)."),
    _filter_parameter("max", {"type": "string"}, "Amount at most this (by size when not negative)."),
    _filter_parameter("q", {"type": "string", "maxLength": 100}, "Text in the memo or the payee's name."),
    _filter_parameter("sort", {"type": "string", "enum": list(SORTS), "default": "-date"}, "Order of the rows."),
    _filter_parameter("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}, "Page number."),
    _filter_parameter("per_page", {"type": "integer", "enum": list(PER_PAGE_CHOICES), "default": 50},
                      "Rows per page."),
]

PATHS: dict[str, Any] = {
    "/api/v1/me": {
        "get": {
            "operationId": "getMe",
            "summary": "The signed-in user and the current workspace",
            "tags": ["session"],
            "responses": {"200": _json(_envelope(_ref("Me")), "The user and workspace."), **_errors(401, 404)},
        },
    },
    "/api/v1/transactions": {
        "get": {
            "operationId": "listTransactions",
            "summary": "A page of transactions, filtered and sorted",
            "description": "The same filters as the Transactions page. An unknown id is a filter that matches "
                           "nothing, not an error; a malformed value is a 400 naming the parameter.",
            "tags": ["transactions"],
            "parameters": TRANSACTION_FILTERS,
            "responses": {
                "200": _json(
                    _envelope({"type": "array", "items": _ref("Transaction")}, _ref("TransactionPageMeta")),
                    "The page and the count and sum of every match.",
                ),
                **_errors(400, 401, 404),
            },
        },
        "post": {
            "operationId": "createTransaction",
            "summary": "Record an entry or a transfer",
            "description": "Needs the member role. Every field is checked and every problem reported at once "
                           "(422 with `errors`). An entry answers with one transaction and a Location header; "
                           "a transfer with both sides, money out first.",
            "tags": ["transactions"],
            "parameters": [{"$ref": "#/components/parameters/CsrfToken"}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"oneOf": [_ref("EntryInput"), _ref("TransferInput")]}}},
            },
            "responses": {
                "201": {
                    **_json(_envelope({"type": "array", "items": _ref("Transaction"), "minItems": 1, "maxItems": 2}),
                            "What was written."),
                    "headers": {"Location": {"description": "The new entry (not sent for a transfer).",
                                             "schema": {"type": "string"}}},
                },
                **_errors(400, 401, 403, 404, 415, 422),
            },
        },
    },
    "/api/v1/transactions/{transaction_id}": {
        "get": {
            "operationId": "getTransaction",
            "summary": "One transaction (one side of a transfer)",
            "tags": ["transactions"],
            "parameters": [{"name": "transaction_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": _json(_envelope(_ref("Transaction")), "The transaction."), **_errors(401, 404)},
        },
        "patch": {
            "operationId": "updateTransaction",
            "summary": "Change an entry or a transfer",
            "description": "Needs the member role. Only the fields sent change; the whole is checked as a "
                           "create is (422 with `errors`, nothing written). Answers the side addressed.",
            "tags": ["transactions"],
            "parameters": [{"name": "transaction_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                           {"$ref": "#/components/parameters/CsrfToken"}],
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": _ref("TransactionPatch")}}},
            "responses": {"200": _json(_envelope(_ref("Transaction")), "The transaction as saved."),
                          **_errors(400, 401, 403, 404, 409, 415, 422)},
        },
        "delete": {
            "operationId": "deleteTransaction",
            "summary": "Delete an entry, or both sides of a transfer",
            "description": "Needs the member role. A reconciled transaction needs ?unlock=true (else 409).",
            "tags": ["transactions"],
            "parameters": [{"name": "transaction_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                           {"$ref": "#/components/parameters/CsrfToken"},
                           _filter_parameter("unlock", {"type": "string", "enum": ["true", "false"]},
                                             "Delete even when reconciled.")],
            "responses": {"204": {"description": "Deleted."}, **_errors(400, 401, 403, 404, 409)},
        },
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "tags": ["meta"],
            "security": [],
            "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
        },
    },
}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "financeapp API",
        "version": "1.0.0",
        "description": (
            "The JSON API of financeapp. Scripts send a personal access token (Settings → API tokens) as "
            "`Authorization: Bearer fa_…`: it acts in the workspace it was made for; a read token may call every "
            "GET, a read-write token also the operations that change data (each operation names the scope it "
            "needs). A browser may instead use the session cookie of /auth/login (the session's current "
            "workspace); its requests that change data need the CSRF token from the page's "
            "<meta name=\"csrf-token\"> in an X-CSRFToken header (token requests need none). Amounts are "
            "exact decimal strings with their currency; responses are wrapped in {\"data\": ...}; errors are "
            "application/problem+json (RFC 9457)."
        ),
    },
    "security": [{"sessionCookie": []}, {"bearerToken": ["read"]}],
    "tags": [{"name": name} for name in ("session", "accounts", "transactions", "categories", "meta")],
    "paths": PATHS,
    "components": {
        "securitySchemes": {
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                              "description": "The session cookie set by signing in at /auth/login."},
            "bearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "fa_…",
                            "description": "A personal access token from Settings → API tokens. Its scope is "
                                           "`read` (GET only; other methods answer 403) or `read-write`."},
        },
        "parameters": {
            "CsrfToken": {"name": "X-CSRFToken", "in": "header", "required": False, "schema": {"type": "string"},
                          "description": "With the session cookie: the token from <meta name=\"csrf-token\"> "
                                         "of any signed-in page (a request without it is a 400). Not needed "
                                         "with a Bearer token."},
            "IfNoneMatch": {"name": "If-None-Match", "in": "header", "required": False,
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "The ETag of a previous answer: when nothing changed, a 304 without "
                                           "a body."},
            "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": False,
                               "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
                               "description": "A key of the client's choosing (a UUID): a create repeated with "
                                              "the same key within 24 hours answers the first response and "
                                              "writes nothing; the same key with another body is a 422."},
        },
        "headers": {
            "ETag": {"description": "A hash of the body; send it back as If-None-Match.",
                     "schema": {"type": "string"}},
        },
        "responses": {
            **{name: _problem_response(description) for name, description in ERROR_RESPONSES.values()},
            "NotModified": {"description": "Not modified: the If-None-Match ETag is still current."},
        },
        "schemas": SCHEMAS,
    },
}


# Other API modules describe their own endpoints: a module-level OPENAPI = {"paths": {...},
# "schemas": {...}, "tags": [...]} in any module listed here is merged into the document.
EXTENSION_MODULES = ("financeapp.api.accounts", "financeapp.api.categories", "financeapp.api.payees",
                     "financeapp.api.labels", "financeapp.api.goals", "financeapp.api.budgets",
                     "financeapp.api.recurring", "financeapp.api.rules", "financeapp.api.debts",
                     "financeapp.api.notifications", "financeapp.api.settings", "financeapp.api.rates",
                     "financeapp.api.reports",
                     "financeapp.api.planning", "financeapp.api.imports", "financeapp.api.invoices",
                     "financeapp.api.ask", "financeapp.api.insights", "financeapp.api.forecasts",
                     "financeapp.api.investments")


def document() -> dict[str, Any]:
    merged = copy.deepcopy(DOCUMENT)
    for name in EXTENSION_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        extra = getattr(module, "OPENAPI", None) or {}
        merged["paths"].update(extra.get("paths", {}))
        merged["components"]["schemas"].update(extra.get("schemas", {}))
        merged["tags"].extend({"name": tag} for tag in extra.get("tags", []))
    for path, operations in merged["paths"].items():
        for method, operation in operations.items():
            if method in WRITE_METHODS | {"get"}:
                _complete(path, method, operation)
    return merged


WRITE_METHODS = {"post", "put", "patch", "delete"}
# Query parameters naming a row by id; 0 and negatives are refused (400) like any junk (core/scoping.as_id).
# (The transactions list is different: any id there is a filter, and one that is not yours matches nothing.)
ID_QUERY_PARAMETERS = {"vendor_id", "batch_id"}
POSITIVE_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _complete(path: str, method: str, operation: dict[str, Any]) -> None:
    """What every operation shares, stated on each: the scope it needs, the answers any request may get
    (401 unauthenticated; 400 malformed; 403 a read token or role that may not write), ids from 1."""
    if operation.get("security") == []:
        return  # public (this document)
    scope = "read-write" if method in WRITE_METHODS else "read"
    operation["security"] = [{"sessionCookie": []}, {"bearerToken": [scope]}]
    responses = operation.setdefault("responses", {})
    needed = [401, 403] + ([400] if method in WRITE_METHODS or operation.get("parameters") else [])
    for status in needed:
        responses.setdefault(str(status), {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"})
    if method == "get":
        # Every read carries an ETag (financeapp/api/resources.py); a matching If-None-Match is a 304.
        _add_parameter(operation, "IfNoneMatch")
        responses.setdefault("304", {"$ref": "#/components/responses/NotModified"})
        ok = responses.get("200")
        if ok is not None and "$ref" not in ok:
            ok.setdefault("headers", {})["ETag"] = {"$ref": "#/components/headers/ETag"}
    elif method == "post" and operation.get("operationId", "").startswith("create"):
        _add_parameter(operation, "IdempotencyKey")
        responses.setdefault("409", {"$ref": "#/components/responses/Conflict"})
        responses.setdefault("422", {"$ref": "#/components/responses/Invalid"})
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            continue
        schema = parameter.get("schema", {})
        if schema.get("type") == "integer" and (
                (parameter["in"] == "path" and parameter["name"].endswith("_id"))
                or (parameter["in"] == "query" and parameter["name"] in ID_QUERY_PARAMETERS)):
            parameter["schema"] = {**schema, **POSITIVE_ID}
        if parameter["in"] == "query" and not parameter.get("required") and "anyOf" not in parameter["schema"]:
            # An empty value (`?start=`, as a browser's GET form sends it) counts as not given.
            parameter["schema"] = {"anyOf": [parameter["schema"], EMPTY]}


EMPTY = {"type": "string", "maxLength": 0, "description": "Empty: as if not given."}


def _add_parameter(operation: dict[str, Any], name: str) -> None:
    ref = {"$ref": f"#/components/parameters/{name}"}
    parameters = operation.setdefault("parameters", [])
    if ref not in parameters:
        parameters.append(ref)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document; public, so tools can read it before signing in."""
    return jsonify(document())
