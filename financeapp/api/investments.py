"""API: investment holdings, trades (list and create), prices (list and create) and performance.

Quantities and prices are exact decimal strings without trailing zeros ("12.5"); amounts are strings
in the currency's minor units; returns are decimal fractions as strings ("0.0512" = 5.12 %), null when
a price or rate they need is missing (named in `missing`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g, jsonify, request

from financeapp.api import bp
from financeapp.api.schemas import amount_text, read_json
from financeapp.core.errors import FinanceError, Invalid
from financeapp.core.pagination import page_number
from financeapp.core.scoping import as_id, get_scoped_or_404, require_role
from financeapp.core.validation import parse_day
from financeapp.extensions import db
from financeapp.investments import services
from financeapp.investments.models import COST_METHODS, SECURITY_KINDS, TRADE_KINDS, Price, Security, Trade

MAX_PER_PAGE = 500


class BadParameter(FinanceError):
    status = 400
    title = "Bad request"


def _day_arg(name: str) -> date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return parse_day(text, field=name)
    except FinanceError as err:
        raise BadParameter(err.message, fields={name: err.message}) from None


def _id_arg(name: str) -> int | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    key = as_id(text)
    if key is None:
        raise BadParameter(f"{name} must be an id.", fields={name: "Send a positive integer."})
    return key


def _per_page() -> int:
    text = (request.args.get("per_page") or "").strip()
    if not text:
        return 50
    if not text.isdigit() or not 1 <= int(text) <= MAX_PER_PAGE:
        raise BadParameter(f"per_page must be 1 to {MAX_PER_PAGE}.", fields={"per_page": f"1 to {MAX_PER_PAGE}."})
    return int(text)


def _accounts_arg() -> list | None:
    account_id = _id_arg("account")
    return None if account_id is None else [services.investment_account(g.workspace, account_id)]


def _q(value: Decimal | None) -> str | None:
    return None if value is None else services.quantity_text(value)


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def holding_json(h: services.Holding, base: str) -> dict[str, Any]:
    cur = h.currency

    def money(value: Decimal | None, currency: str) -> str | None:
        return None if value is None else amount_text(value, currency)

    return {
        "security": {"id": h.security.id, "symbol": h.security.symbol, "name": h.security.name,
                     "kind": h.security.kind, "currency": cur},
        "symbol": h.security.symbol,
        "quantity": services.quantity_text(h.quantity),
        "cost_basis": amount_text(h.cost, cur),
        "price": _q(h.price), "price_date": h.price_on.isoformat() if h.price_on else None, "stale": h.stale,
        "market_value": money(h.market_value, cur),
        "unrealized_gain": money(h.unrealized, cur),
        "cost_basis_base": amount_text(h.cost_base, base),
        "market_value_base": money(h.market_value_base, base),
        "unrealized_gain_base": money(h.unrealized_base, base),
        "currency_effect": money(h.currency_effect, base),
        "lots": [{"opened": lot.opened.isoformat(), "quantity": services.quantity_text(lot.quantity),
                  "cost": amount_text(lot.cost, cur)} for lot in h.lots],
    }


@bp.get("/investments/holdings")
@require_role("viewer")
def investments_holdings():
    """Holdings at market value on a day, with gains, income and cash (all accounts, or ?account=)."""
    method = request.args.get("method") or None
    if method is not None and method not in COST_METHODS:
        raise BadParameter("method must be fifo or average.", fields={"method": "fifo or average."})
    as_of = _day_arg("as_of") or date.today()
    result = services.portfolio(g.workspace, accounts=_accounts_arg(), as_of=as_of, start=_day_arg("start"),
                                method=method)
    base = result.base_currency
    return jsonify(data={
        "as_of": as_of.isoformat(), "base_currency": base,
        "holdings": [holding_json(h, base) for h in result.holdings],
        "realized_gain": amount_text(result.realized_gain, base),
        "unrealized_gain": amount_text(result.unrealized_gain, base),
        "dividends": amount_text(result.dividends, base), "interest": amount_text(result.interest, base),
        "cash": amount_text(result.cash_base, base), "value": amount_text(result.value, base),
        "missing_prices": result.missing_prices, "stale_prices": result.stale_prices,
        "missing_rates": result.missing_rates,
        "allocation": {name: [{"name": label, "value": amount_text(value, base)} for label, value in rows]
                       for name, rows in services.allocation(result).items()},
    })


def trade_json(t: Trade) -> dict[str, Any]:
    return {
        "id": t.id, "account_id": t.account_id, "date": t.on.isoformat(), "kind": t.kind,
        "security": ({"id": t.security.id, "symbol": t.security.symbol} if t.security else None),
        "quantity": services.quantity_text(t.quantity), "price": _q(t.price),
        "fees": amount_text(t.fees, t.currency), "taxes": amount_text(t.taxes, t.currency),
        "amount": amount_text(t.amount, t.currency), "currency": t.currency,
        "split_from": _q(t.split_from), "split_to": _q(t.split_to), "memo": t.memo, "external_id": t.external_id,
    }


@bp.get("/investments/trades")
@require_role("viewer")
def investments_trades():
    """A page of trades, newest first (?account=, ?security_id=)."""
    page = services.list_trades(g.workspace, account_id=_id_arg("account"), security_id=_id_arg("security_id"),
                                page=page_number(request.args.get("page")), per_page=_per_page())
    return jsonify(data=[trade_json(t) for t in page.rows],
                   meta={"page": page.number, "per_page": page.per_page, "total": page.total, "pages": page.pages})


TRADE_FIELDS = frozenset({"account_id", "kind", "date", "security_id", "symbol", "name", "security_kind",
                          "currency", "quantity", "price", "fees", "taxes", "amount", "split_from", "split_to",
                          "memo", "external_id"})


def _decimal(body: dict[str, Any], name: str, errors: dict[str, str]) -> Decimal | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        errors[name] = 'Send a number or a string such as "12.5".'
        return None
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        errors[name] = 'Send a number or a string such as "12.5".'
        return None
    if not number.is_finite():
        errors[name] = "Send a finite number."
        return None
    return number


def _text(body: dict[str, Any], name: str, errors: dict[str, str], limit: int) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        errors[name] = f"Send text of at most {limit} characters."
        return ""
    return value


@bp.post("/investments/trades")
@require_role("member")
def investments_trades_create():
    """Record a trade; a new `symbol` adds the security. 201 with the trade."""
    body = read_json(request)
    errors = {key: "Unknown field." for key in body if key not in TRADE_FIELDS}
    account_id = body.get("account_id")
    if isinstance(account_id, bool) or not isinstance(account_id, int) or as_id(account_id) is None:
        errors["account_id"] = "Send the investment account's id."
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in TRADE_KINDS:
        errors["kind"] = f"Choose one of: {', '.join(TRADE_KINDS)}."
    on = None
    if not isinstance(body.get("date"), str):
        errors["date"] = "Send a date as YYYY-MM-DD."
    else:
        try:
            on = parse_day(body["date"], field="date")
        except Invalid as err:
            errors["date"] = err.message
    security_id = body.get("security_id")
    if security_id is not None and (isinstance(security_id, bool) or not isinstance(security_id, int)
                                    or as_id(security_id) is None):
        errors["security_id"] = "Send the security's id."
    numbers = {name: _decimal(body, name, errors) for name in
               ("quantity", "price", "fees", "taxes", "amount", "split_from", "split_to")}
    symbol = _text(body, "symbol", errors, 32)
    name = _text(body, "name", errors, 120)
    security_kind = body.get("security_kind") or "stock"
    if not isinstance(security_kind, str) or security_kind not in SECURITY_KINDS:
        errors["security_kind"] = f"Choose one of: {', '.join(SECURITY_KINDS)}."
    currency = _text(body, "currency", errors, 3)
    memo = _text(body, "memo", errors, 255)
    external_id = _text(body, "external_id", errors, 255)
    if errors:
        raise Invalid(f"{len(errors)} field(s) need attention: {', '.join(list(errors)[:8])}.", fields=errors)
    account = services.investment_account(g.workspace, account_id)
    if security_id is None and symbol.strip():
        security_id = services.find_or_create_security(g.workspace, symbol, name=name, kind=security_kind,
                                                       currency=currency or account.currency).id
    trade = services.record_trade(g.workspace, account, services.NewTrade(
        kind=str(kind), on=on, security_id=security_id, currency=None, memo=memo, external_id=external_id or None,
        **numbers))
    body_out = trade_json(trade)
    db.session.commit()
    response = jsonify(data=body_out)
    response.status_code = 201
    return response


def price_json(p: Price) -> dict[str, Any]:
    return {"id": p.id, "security_id": p.security_id, "symbol": p.security.symbol, "date": p.on.isoformat(),
            "close": services.quantity_text(p.close), "currency": p.currency, "source": p.source}


@bp.get("/investments/prices")
@require_role("viewer")
def investments_prices():
    """A page of closing prices, newest first (?security_id=)."""
    page = services.list_prices(g.workspace, security_id=_id_arg("security_id"),
                                page=page_number(request.args.get("page")), per_page=_per_page())
    return jsonify(data=[price_json(p) for p in page.rows],
                   meta={"page": page.number, "per_page": page.per_page, "total": page.total, "pages": page.pages})


@bp.post("/investments/prices")
@require_role("member")
def investments_prices_create():
    """Set a security's closing price on a day (replacing that day's). 201 with the price."""
    body = read_json(request)
    errors = {key: "Unknown field." for key in body if key not in {"security_id", "date", "close"}}
    security_id = body.get("security_id")
    if isinstance(security_id, bool) or not isinstance(security_id, int) or as_id(security_id) is None:
        errors["security_id"] = "Send the security's id."
    on = None
    if not isinstance(body.get("date"), str):
        errors["date"] = "Send a date as YYYY-MM-DD."
    else:
        try:
            on = parse_day(body["date"], field="date")
        except Invalid as err:
            errors["date"] = err.message
    close = _decimal(body, "close", errors)
    if close is None and "close" not in errors:
        errors["close"] = "Required."
    if errors:
        raise Invalid(f"{len(errors)} field(s) need attention: {', '.join(list(errors)[:8])}.", fields=errors)
    security = get_scoped_or_404(Security, security_id, g.workspace)
    price = services.record_price(g.workspace, security, on, close, source="manual")
    body_out = price_json(price)
    db.session.commit()
    response = jsonify(data=body_out)
    response.status_code = 201
    return response


@bp.get("/investments/performance")
@require_role("viewer")
def investments_performance():
    """TWR and XIRR over a range, with the value and contributions at each point (for the chart)."""
    start, end = _day_arg("start"), _day_arg("end")
    if start and end and start > end:
        raise BadParameter("start is after end.", fields={"start": "After end."})
    result = services.performance_of(g.workspace, accounts=_accounts_arg(), start=start, end=end)
    base = result.base_currency
    return jsonify(data={
        "start": result.start.isoformat(), "end": result.end.isoformat(), "base_currency": base,
        "twr": _rate(result.twr), "xirr": _rate(result.xirr), "mwr": _rate(result.mwr),
        "annualised": result.annualised,
        "start_value": amount_text(result.start_value, base), "end_value": amount_text(result.end_value, base),
        "net_flows": amount_text(result.net_flows, base), "gain": amount_text(result.gain, base),
        "missing": [{"what": what, "date": day.isoformat()} for what, day in result.missing],
        "points": [{"date": p.on.isoformat(), "value": amount_text(p.value, base), "flow": amount_text(p.flow, base),
                    "contributed": amount_text(result.contributions[i], base)} for i, p in enumerate(result.points)],
    })


# OpenAPI ----------------------------------------------------------------------------------------------


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _envelope(schema: dict[str, Any], meta: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"data": schema}
    if meta:
        properties["meta"] = _ref("InvestmentPageMeta")
    return {"type": "object", "required": ["data"], "properties": properties}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
             415: "UnsupportedMediaType", 422: "Invalid"}
    return {str(s): {"$ref": f"#/components/responses/{names[s]}"} for s in statuses}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


AMOUNT = _ref("Amount")
NULL_AMOUNT = {"oneOf": [AMOUNT, {"type": "null"}]}
DATE = {"type": "string", "format": "date"}
QUANTITY = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "An exact decimal, such as \"12.5\"."}
NULL_QUANTITY = {"oneOf": [QUANTITY, {"type": "null"}]}
RETURN = {"oneOf": [{"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}, {"type": "null"}],
          "description": "A decimal fraction (0.0512 is 5.12 %); null when a price or rate is missing."}
ID_PARAM = {"type": "integer", "minimum": 1}
DAY_PARAM = {"type": "string", "format": "date"}
NUMBER_IN = {"oneOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]}
ACCOUNT_PARAM = _query("account", ID_PARAM, "Only this investment account (default: all).")
PAGING = [_query("page", {"type": "integer", "minimum": 1}, "Page number."),
          _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "Rows per page.")]

OPENAPI: dict[str, Any] = {
    "tags": ["investments"],
    "schemas": {
        "InvestmentPageMeta": {"type": "object", "required": ["page", "per_page", "total", "pages"],
                               "properties": {k: {"type": "integer"} for k in ("page", "per_page", "total", "pages")}},
        "Holding": {
            "type": "object",
            "required": ["security", "symbol", "quantity", "cost_basis", "price", "price_date", "stale",
                         "market_value", "unrealized_gain", "cost_basis_base", "market_value_base",
                         "unrealized_gain_base", "currency_effect", "lots"],
            "properties": {
                "security": {"type": "object", "required": ["id", "symbol", "name", "kind", "currency"],
                             "properties": {"id": {"type": "integer"}, "symbol": {"type": "string"},
                                            "name": {"type": "string"},
                                            "kind": {"type": "string", "enum": list(SECURITY_KINDS)},
                                            "currency": _ref("Currency")}},
                "symbol": {"type": "string"}, "quantity": QUANTITY,
                "cost_basis": {**AMOUNT, "description": "In the security's currency; fees included."},
                "price": NULL_QUANTITY, "price_date": {"oneOf": [DATE, {"type": "null"}]},
                "stale": {"type": "boolean", "description": "The price is older than INVESTMENT_PRICE_STALE_DAYS."},
                "market_value": NULL_AMOUNT, "unrealized_gain": NULL_AMOUNT, "cost_basis_base": AMOUNT,
                "market_value_base": NULL_AMOUNT, "unrealized_gain_base": NULL_AMOUNT,
                "currency_effect": {**NULL_AMOUNT, "description": "The part of the base gain the rate made."},
                "lots": {"type": "array", "items": {"type": "object", "required": ["opened", "quantity", "cost"],
                                                    "properties": {"opened": DATE, "quantity": QUANTITY,
                                                                   "cost": AMOUNT}}},
            },
        },
        "Holdings": {
            "type": "object",
            "required": ["as_of", "base_currency", "holdings", "realized_gain", "unrealized_gain", "dividends",
                         "interest", "cash", "value", "missing_prices", "stale_prices", "missing_rates", "allocation"],
            "properties": {
                "as_of": DATE, "base_currency": _ref("Currency"),
                "holdings": {"type": "array", "items": _ref("Holding")},
                **{k: AMOUNT for k in ("realized_gain", "unrealized_gain", "dividends", "interest", "cash", "value")},
                **{k: {"type": "array", "items": {"type": "string"}}
                   for k in ("missing_prices", "stale_prices", "missing_rates")},
                "allocation": {"type": "object", "additionalProperties": {"type": "array", "items": {
                    "type": "object", "required": ["name", "value"],
                    "properties": {"name": {"type": "string"}, "value": AMOUNT}}}},
            },
        },
        "Trade": {
            "type": "object",
            "required": ["id", "account_id", "date", "kind", "security", "quantity", "price", "fees", "taxes",
                         "amount", "currency", "split_from", "split_to", "memo", "external_id"],
            "properties": {
                "id": {"type": "integer"}, "account_id": {"type": "integer"}, "date": DATE,
                "kind": {"type": "string", "enum": list(TRADE_KINDS)},
                "security": {"oneOf": [{"type": "object", "required": ["id", "symbol"],
                                        "properties": {"id": {"type": "integer"}, "symbol": {"type": "string"}}},
                                       {"type": "null"}]},
                "quantity": QUANTITY, "price": NULL_QUANTITY, "fees": AMOUNT, "taxes": AMOUNT,
                "amount": {**AMOUNT, "description": "The signed effect on the account's cash."},
                "currency": _ref("Currency"), "split_from": NULL_QUANTITY, "split_to": NULL_QUANTITY,
                "memo": {"type": "string"}, "external_id": {"type": ["string", "null"]},
            },
        },
        "NewTrade": {
            "type": "object",
            "required": ["account_id", "kind", "date"],
            "additionalProperties": False,
            "properties": {
                "account_id": {"type": "integer", "minimum": 1}, "kind": {"type": "string", "enum": list(TRADE_KINDS)},
                "date": DATE, "security_id": {"type": ["integer", "null"], "minimum": 1},
                "symbol": {"type": "string", "maxLength": 32, "description": "A new symbol adds the security."},
                "name": {"type": "string", "maxLength": 120},
                "security_kind": {"type": "string", "enum": list(SECURITY_KINDS)},
                "currency": {"type": "string", "maxLength": 3, "description": "A new security's currency."},
                **{k: NUMBER_IN for k in ("quantity", "price", "fees", "taxes", "amount", "split_from", "split_to")},
                "memo": {"type": "string", "maxLength": 255}, "external_id": {"type": "string", "maxLength": 255},
            },
        },
        "Price": {
            "type": "object", "required": ["id", "security_id", "symbol", "date", "close", "currency", "source"],
            "properties": {"id": {"type": "integer"}, "security_id": {"type": "integer"}, "symbol": {"type": "string"},
                           "date": DATE, "close": QUANTITY, "currency": _ref("Currency"),
                           "source": {"type": "string", "enum": ["manual", "csv", "statement"]}},
        },
        "NewPrice": {
            "type": "object", "required": ["security_id", "date", "close"], "additionalProperties": False,
            "properties": {"security_id": {"type": "integer", "minimum": 1}, "date": DATE,
                           "close": {"oneOf": [{"type": "number"}, {"type": "string"}]}},
        },
        "InvestmentPerformance": {
            "type": "object",
            "required": ["start", "end", "base_currency", "twr", "xirr", "mwr", "annualised", "start_value",
                         "end_value", "net_flows", "gain", "missing", "points"],
            "properties": {
                "start": DATE, "end": DATE, "base_currency": _ref("Currency"),
                "twr": {**RETURN, "description": "Time-weighted: annualised above a year, else over the period."},
                "xirr": {**RETURN, "description": "The annual rate of the owner's flows (pyxirr)."},
                "mwr": {**RETURN, "description": "Money-weighted: XIRR above a year, else over the period."},
                "annualised": {"type": "boolean"},
                **{k: AMOUNT for k in ("start_value", "end_value", "net_flows", "gain")},
                "missing": {"type": "array", "items": {"type": "object", "required": ["what", "date"],
                                                       "properties": {"what": {"type": "string"}, "date": DATE}}},
                "points": {"type": "array", "items": {
                    "type": "object", "required": ["date", "value", "flow", "contributed"],
                    "properties": {"date": DATE, "value": AMOUNT, "flow": AMOUNT, "contributed": AMOUNT}}},
            },
        },
    },
    "paths": {
        "/api/v1/investments/holdings": {"get": {
            "operationId": "getInvestmentHoldings", "summary": "Holdings at market value, gains, income and cash",
            "description": "Cost basis by each account's method (FIFO unless set) or `method`; the last price on "
                           "or before `as_of`; gains in the security's currency and in the base currency.",
            "tags": ["investments"],
            "parameters": [ACCOUNT_PARAM, _query("as_of", DAY_PARAM, "The day (default today)."),
                           _query("start", DAY_PARAM, "Realized gains and income from this day."),
                           _query("method", {"type": "string", "enum": list(COST_METHODS)}, "Cost method.")],
            "responses": {"200": _json(_envelope(_ref("Holdings")), "The holdings."), **_errors(400, 401, 404)},
        }},
        "/api/v1/investments/trades": {
            "get": {
                "operationId": "listInvestmentTrades", "summary": "A page of trades, newest first",
                "tags": ["investments"],
                "parameters": [ACCOUNT_PARAM, _query("security_id", ID_PARAM, "Only this security."), *PAGING],
                "responses": {"200": _json(_envelope({"type": "array", "items": _ref("Trade")}, meta=True),
                                           "The trades."), **_errors(400, 401)},
            },
            "post": {
                "operationId": "createInvestmentTrade", "summary": "Record a trade",
                "description": "Numbers are positive; the cash effect is signed by kind. A sale of more shares "
                               "than are held on its day is refused (422).",
                "tags": ["investments"],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewTrade")}}},
                "responses": {"201": _json(_envelope(_ref("Trade")), "The trade."),
                              **_errors(400, 401, 403, 404, 409, 415, 422)},
            },
        },
        "/api/v1/investments/prices": {
            "get": {
                "operationId": "listInvestmentPrices", "summary": "A page of closing prices, newest first",
                "tags": ["investments"],
                "parameters": [_query("security_id", ID_PARAM, "Only this security."), *PAGING],
                "responses": {"200": _json(_envelope({"type": "array", "items": _ref("Price")}, meta=True),
                                           "The prices."), **_errors(400, 401)},
            },
            "post": {
                "operationId": "createInvestmentPrice", "summary": "Set a closing price (replaces that day's)",
                "tags": ["investments"],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewPrice")}}},
                "responses": {"201": _json(_envelope(_ref("Price")), "The price."),
                              **_errors(400, 401, 403, 404, 415, 422)},
            },
        },
        "/api/v1/investments/performance": {"get": {
            "operationId": "getInvestmentPerformance", "summary": "Time- and money-weighted returns over a range",
            "description": "External flows are deposits, withdrawals and share transfers; dividends and fees stay "
                         "inside. Values from the last price on or before each day; a missing price makes the "
                         "returns null and is named in `missing`.",
            "tags": ["investments"],
            "parameters": [ACCOUNT_PARAM, _query("start", DAY_PARAM, "Default: the first trade."),
                           _query("end", DAY_PARAM, "Default: today.")],
            "responses": {"200": _json(_envelope(_ref("InvestmentPerformance")), "The returns."),
                          **_errors(400, 401, 404, 422)},
        }},
    },
}
