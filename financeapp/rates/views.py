"""Routes: list, add, import and delete the workspace's exchange rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.core.errors import Invalid
from financeapp.core.forms import form_status
from financeapp.core.pagination import page_number
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.core.views import run_action, save_form
from financeapp.rates import bp, services
from financeapp.rates.forms import RateForm, RateImportForm
from financeapp.rates.models import ExchangeRate

PER_PAGE = 50


@bp.app_template_filter("fx_rate")
def fx_rate(value: Decimal) -> str:
    """A rate without trailing zeros, in the user's locale: 1.0856 (1,0856 in de_DE)."""
    return services.format_rate(value)


def _rate_form(**kwargs: Any) -> RateForm:
    """The add form; it starts at the workspace's base currency (posted values win)."""
    base = g.workspace.base_currency
    return RateForm(base=base, quote="EUR" if base == "USD" else "USD", **kwargs)


def _render(form: RateForm | None = None, import_form: RateImportForm | None = None, status: int = 200):
    """The index page; on a failed POST it shows the first page with the errors."""
    workspace = g.workspace
    filter_error = None
    try:
        pair = services.parse_pair(request.args.get("pair") if request.method == "GET" else None)
    except Invalid as err:
        filter_error, pair = err.message, None
    number = page_number(request.args.get("page")) if request.method == "GET" else 1
    args = {"pair": f"{pair[0]}-{pair[1]}"} if pair else {}
    page = services.list_rates(workspace, number, PER_PAGE, pair).linked("rates.index", **args)
    return render_template(
        "rates/index.html",
        form=form or _rate_form(formdata=None),
        import_form=import_form or RateImportForm(formdata=None),
        page=page,
        pager=page,
        pair=pair,
        pair_text=args.get("pair", ""),
        pairs=services.pairs_in_use(workspace),
        filter_error=filter_error,
    ), status


@bp.get("/")
@require_role("viewer")
def index():
    return _render()


@bp.post("/")
@require_role("member")
def create():
    form = _rate_form()

    def write():
        data = form.to_input()
        return services.set_rate(g.workspace, data.base, data.quote, data.on, data.rate)

    if done := save_form(form, write):
        flash(f"Saved {services.describe(done.value)} on {done.value.on.isoformat()}.", "success")
        return redirect(url_for("rates.index"))
    return _render(form=form, status=form_status(form))


@bp.post("/import")
@require_role("member")
def import_csv():
    form = RateImportForm()
    if done := save_form(form, lambda: services.import_rates_csv(g.workspace, form.file.data.stream),
                         field="file"):
        result = done.value
        flash(f"Imported {result.total} {'rate' if result.total == 1 else 'rates'} ({result.updated} updated).",
              "success")
        return redirect(url_for("rates.index"))
    return _render(import_form=form, status=form_status(form))


@bp.post("/<int:rate_id>/delete")
@require_role("member")
def delete(rate_id: int):
    rate = get_scoped_or_404(ExchangeRate, rate_id, g.workspace)
    message = f"Deleted the {rate.base}→{rate.quote} rate of {rate.on.isoformat()}."
    back = {"page": request.args.get("page", type=int), "pair": request.args.get("pair") or None}
    return run_action(lambda: services.delete_rate(g.workspace, rate), success=message,
                      then=url_for("rates.index", **back))
