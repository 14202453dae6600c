"""API: exchange rates (list, by pair; get; set; change; delete), through rates/services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import g, jsonify, request, url_for

from financeapp.api import bp, docs
from financeapp.api.resources import BadParameter, created, deleted, idempotent, list_response, page_args
from financeapp.api.schemas import fields_of, raise_if, read_json
from financeapp.core.errors import Invalid
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.extensions import db
from financeapp.rates import services
from financeapp.rates.models import ExchangeRate

FIELDS = frozenset({"base", "quote", "date", "rate"})


def rate_json(rate: ExchangeRate) -> dict[str, Any]:
    return {"id": rate.id, "base": rate.base, "quote": rate.quote, "date": rate.on.isoformat(),
            "rate": format(rate.rate.normalize(), "f")}


@bp.get("/rates")
@require_role("viewer")
def rates_index():
    """Rates newest first; `pair=EUR-USD` only that direction, as on the Rates page."""
    number, per_page = page_args(request.args)
    try:
        pair = services.parse_pair(request.args.get("pair"))
    except Invalid as err:
        raise BadParameter(err.message, fields={"pair": err.message}) from None
    page = services.list_rates(g.workspace, number, per_page, pair)
    return list_response((rate_json(rate) for rate in page.rows), page)


@bp.get("/rates/<int:rate_id>")
@require_role("viewer")
def rates_detail(rate_id: int):
    return jsonify(data=rate_json(get_scoped_or_404(ExchangeRate, rate_id, g.workspace)))


def _rate(f: Any) -> Decimal | None:
    value = f.number("rate")
    if value is None and f.ok("rate"):
        f.error("rate", "Required.")
    return value


@bp.post("/rates")
@require_role("member")
@idempotent
def rates_create():
    """What 1 `base` cost in `quote` on `date`; that day's rate of the pair is replaced if there is one."""
    errors: dict[str, str] = {}
    f = fields_of(read_json(request), FIELDS, errors)
    base, quote, on, value = f.text("base", 3), f.text("quote", 3), f.day("date"), _rate(f)
    raise_if(errors)
    assert on is not None and value is not None
    rate = services.set_rate(g.workspace, base, quote, on, value)
    out = rate_json(rate)
    db.session.commit()
    return created(out, url_for("api.rates_detail", rate_id=rate.id))


@bp.patch("/rates/<int:rate_id>")
@require_role("member")
def rates_update(rate_id: int):
    """Change the rate (the pair and the day name the row: to move it, delete it and set another)."""
    row = get_scoped_or_404(ExchangeRate, rate_id, g.workspace)
    errors: dict[str, str] = {}
    f = fields_of(read_json(request), frozenset({"rate"}), errors)
    value = _rate(f)
    raise_if(errors)
    assert value is not None
    services.set_rate(g.workspace, row.base, row.quote, row.on, value)
    out = rate_json(row)
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/rates/<int:rate_id>")
@require_role("member")
def rates_delete(rate_id: int):
    services.delete_rate(g.workspace, get_scoped_or_404(ExchangeRate, rate_id, g.workspace))
    db.session.commit()
    return deleted()


RATE_IN = {"oneOf": [{"type": "string", "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)\s*$"},
                     {"type": "number", "exclusiveMinimum": 0}],
           "description": "Positive, below 100,000,000; rounded half-even to 10 decimal places."}
CURRENCY_IN = {"type": "string", "pattern": "^[A-Za-z]{3}$"}
RATE_INPUT = {"type": "object", "additionalProperties": False, "required": ["base", "quote", "date", "rate"],
              "properties": {"base": CURRENCY_IN, "quote": CURRENCY_IN, "date": {"type": "string", "format": "date"},
                             "rate": RATE_IN}}
OPENAPI: dict[str, Any] = {
    "tags": ["rates"],
    "schemas": {
        "ExchangeRate": {
            "type": "object", "required": ["id", "base", "quote", "date", "rate"],
            "properties": {"id": {"type": "integer"}, "base": docs.ref("Currency"), "quote": docs.ref("Currency"),
                           "date": {"type": "string", "format": "date"},
                           "rate": {"type": "string", "pattern": r"^\d+(\.\d+)?$",
                                    "description": "What 1 base cost in quote that day."}},
        },
        "ExchangeRateInput": RATE_INPUT,
        "ExchangeRatePatch": {"type": "object", "additionalProperties": False, "required": ["rate"],
                              "properties": {"rate": RATE_IN}},
    },
    "paths": docs.crud("/api/v1/rates", "rate_id", "ExchangeRate", "rates", noun="exchange rate",
                       plural="exchange rates, newest first",
                       filters=[docs.query("pair", {"type": "string", "pattern": "^[A-Za-z]{3}[-/][A-Za-z]{3}$"},
                                           "One pair in one direction, such as EUR-USD.")]),
}
