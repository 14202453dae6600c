"""API: the workspace's accounts with their balances (list, get, create, change, delete), through accounts/services."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask import g, jsonify, request, url_for

from financeapp.accounts import services
from financeapp.accounts.models import ACCOUNT_TYPES, Account
from financeapp.accounts.queries import balance_on, transaction_sums
from financeapp.api import bp
from financeapp.api.docs import crud, patch_schema, query, ref
from financeapp.api.resources import BadParameter, created, deleted, idempotent, list_response, page_args
from financeapp.api.schemas import amount_text, fields_of, raise_if, read_json
from financeapp.core.pagination import page_of_list
from financeapp.core.scoping import get_scoped_or_404, require_role, scoped
from financeapp.core.validation import convert
from financeapp.extensions import db
from financeapp.rates.services import rates_to

ZERO = Decimal(0)
FIELDS = frozenset({"name", "type", "currency", "opening_balance", "opening_date", "group", "colour",
                    "include_in_net_worth", "number", "notes", "archived"})
TRUE_FALSE = {"true": True, "false": False, "1": True, "0": False}


def account_json(account: Account, balance: Decimal, rate: Decimal | None, base_currency: str) -> dict:
    """An account as the API shows it; `rate` converts into the base currency (None: unknown)."""
    in_base = convert(balance, rate, base_currency) if rate is not None else None
    return {
        "id": account.id,
        "name": account.name,
        "type": account.type,
        "currency": account.currency,
        "group": account.group_name or None,
        "archived": account.archived,
        "include_in_net_worth": account.include_in_net_worth,
        "opening_balance": amount_text(account.opening_balance, account.currency),
        "opening_date": account.opening_date.isoformat(),
        "colour": account.colour,
        "notes": account.notes,
        "balance": amount_text(balance, account.currency),
        "balance_in_base": amount_text(in_base, base_currency) if in_base is not None else None,
        "missing_rate": rate is None,
    }


def _one_json(account: Account) -> dict:
    workspace = g.workspace
    rate = rates_to(workspace, {account.currency}, workspace.base_currency, date.today()).get(account.currency)
    return account_json(account, balance_on(account), rate, workspace.base_currency)


def _flag(args: Mapping[str, str], name: str) -> bool | None:
    text = (args.get(name) or "").strip().lower()
    if not text:
        return None
    if text not in TRUE_FALSE:
        raise BadParameter(f"Check the query parameters: {name}.", fields={name: "Send true or false."})
    return TRUE_FALSE[text]


@bp.get("/accounts")
@require_role("viewer")
def accounts_index():
    """A page of accounts (open first, by group and name) with their balances: three queries in all."""
    workspace = g.workspace
    number, per_page = page_args(request.args)
    query = scoped(Account, workspace).order_by(Account.archived, Account.group_name, Account.name, Account.id)
    archived = _flag(request.args, "archived")
    if archived is not None:
        query = query.where(Account.archived == archived)
    kind = (request.args.get("type") or "").strip()
    if kind:
        if kind not in ACCOUNT_TYPES:
            raise BadParameter("Check the query parameters: type.",
                               fields={"type": f"Choose one of: {', '.join(ACCOUNT_TYPES)}."})
        query = query.where(Account.type == kind)
    # Balances come from the monthly totals of every account at once, so the page is cut in Python.
    page = page_of_list(list(db.session.scalars(query)), number, per_page)
    sums = transaction_sums(workspace)
    rates = rates_to(workspace, {a.currency for a in page.rows}, workspace.base_currency, date.today())
    data = [
        account_json(account, account.opening_balance + sums.get(account.id, ZERO), rates.get(account.currency),
                     workspace.base_currency)
        for account in page.rows
    ]
    return list_response(data, page, base_currency=workspace.base_currency)


@bp.get("/accounts/<int:account_id>")
@require_role("viewer")
def accounts_detail(account_id: int):
    return jsonify(data=_one_json(get_scoped_or_404(Account, account_id, g.workspace)))


def _as_body(account: Account) -> dict[str, Any]:
    """The account's current values as a request body, for a PATCH to start from."""
    return {"name": account.name, "type": account.type, "currency": account.currency,
            "opening_balance": account.opening_balance, "opening_date": account.opening_date.isoformat(),
            "group": account.group_name, "colour": account.colour,
            "include_in_net_worth": account.include_in_net_worth, "number": account.number or "",
            "notes": account.notes, "archived": account.archived}


def account_input(body: Mapping[str, Any]) -> tuple[services.AccountInput, bool]:
    """The service's input and the archived flag from a full body; Invalid names every bad field."""
    errors: dict[str, str] = {}
    fields = fields_of(body, FIELDS, errors)
    name = fields.text("name", 80)
    kind = fields.choice("type", tuple(ACCOUNT_TYPES))
    currency = fields.text("currency", 3)
    opening_balance = fields.amount("opening_balance", sign="any")
    opening_date = fields.day("opening_date")
    group = fields.text("group", 40)
    colour = fields.text("colour", 7)
    include = fields.boolean("include_in_net_worth", True)
    number = fields.text("number", 64)
    notes = fields.text("notes", 2000)
    archived = fields.boolean("archived", False)
    raise_if(errors)
    return services.AccountInput(
        name=name, type=kind, currency=currency, opening_balance=opening_balance,  # type: ignore[arg-type]
        opening_date=opening_date, group_name=group, colour=colour,  # type: ignore[arg-type]
        include_in_net_worth=include, number=number, notes=notes,
    ), archived


@bp.post("/accounts")
@require_role("member")
@idempotent
def accounts_create():
    """Open an account; 201 with it and its Location."""
    body = read_json(request)
    defaults = {"type": "checking", "currency": g.workspace.base_currency, "opening_balance": "0",
                "opening_date": date.today().isoformat(), "group": "", "colour": "#0d6efd"}
    data, archived = account_input({**defaults, **body})
    account = services.create_account(g.workspace, data)
    if archived:
        services.set_archived(account, True)
    out = _one_json(account)
    db.session.commit()
    return created(out, url_for("api.accounts_detail", account_id=account.id))


@bp.patch("/accounts/<int:account_id>")
@require_role("member")
def accounts_update(account_id: int):
    """Change the fields sent (the currency only while the account has no transactions)."""
    account = get_scoped_or_404(Account, account_id, g.workspace)
    body = read_json(request)
    data, archived = account_input({**_as_body(account), **body})
    services.update_account(g.workspace, account, data)
    if archived != account.archived:
        services.set_archived(account, archived)
    out = _one_json(account)
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/accounts/<int:account_id>")
@require_role("member")
def accounts_delete(account_id: int):
    """Delete an account; one with transactions needs ?delete_transactions=true (else 409: archive it)."""
    account = get_scoped_or_404(Account, account_id, g.workspace)
    also = _flag(request.args, "delete_transactions") or False
    services.delete_account(g.workspace, account, delete_transactions=also)
    db.session.commit()
    return deleted()


AMOUNT = ref("Amount")
ACCOUNT_INPUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 80},
        "type": {"type": "string", "enum": list(ACCOUNT_TYPES), "default": "checking"},
        "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "Default: the base currency."},
        "opening_balance": {"oneOf": [{"type": "string", "pattern": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$"},
                                      {"type": "number"}], "default": "0"},
        "opening_date": {"type": "string", "format": "date", "description": "Default: today."},
        "group": {"type": "string", "maxLength": 40},
        "colour": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        "include_in_net_worth": {"type": "boolean", "default": True},
        "number": {"type": "string", "maxLength": 64, "description": "Stored encrypted; never sent back."},
        "notes": {"type": "string", "maxLength": 2000},
        "archived": {"type": "boolean", "default": False},
    },
}

OPENAPI: dict[str, Any] = {
    "tags": [],
    "schemas": {
        "AccountInput": ACCOUNT_INPUT,
        "AccountPatch": patch_schema(ACCOUNT_INPUT),
    },
    "paths": crud(
        "/api/v1/accounts", "account_id", "Account", "accounts", noun="account", plural="accounts",
        filters=[query("archived", {"type": "string", "enum": ["true", "false"]}, "Only archived, or only open."),
                 query("type", {"type": "string", "enum": list(ACCOUNT_TYPES)}, "Only this type.")],
        list_meta={"type": "object", "required": ["base_currency"],
                   "properties": {"base_currency": ref("Currency")}},
        delete_parameters=[query("delete_transactions", {"type": "string", "enum": ["true", "false"]},
                                 "Also delete its transactions (needed when it has any).")],
    ),
}
