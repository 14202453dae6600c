"""Routes: list, add, import and delete the workspace's exchange rates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for

from financeapp.core.errors import FinanceError, Invalid
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.extensions import db
from financeapp.rates import bp, services
from financeapp.rates.forms import RateForm, RateImportForm
from financeapp.rates.models import ExchangeRate

PER_PAGE = 50


@bp.app_template_filter("fx_rate")
def fx_rate(value: Decimal) -> str:
    """A rate without trailing zeros, in the app's locale: 1.0856."""
    return services.format_rate(value, current_app.config["DEFAULT_LOCALE"])


@dataclass(frozen=True)
class Pager:
    """What the `pager` macro needs: a page of results and links to its neighbours."""

    page: services.RatePage
    args: dict[str, str]

    @property
    def number(self) -> int:
        return self.page.number

    @property
    def pages(self) -> int:
        return self.page.pages

    @property
    def has_prev(self) -> bool:
        return self.page.has_prev

    @property
    def has_next(self) -> bool:
        return self.page.has_next

    def url_for(self, number: int) -> str:
        return url_for("rates.index", page=number, **self.args)


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
    number = request.args.get("page", 1, type=int) if request.method == "GET" else 1
    page = services.list_rates(workspace, number, PER_PAGE, pair)
    args = {"pair": f"{pair[0]}-{pair[1]}"} if pair else {}
    return render_template(
        "rates/index.html",
        form=form or _rate_form(formdata=None),
        import_form=import_form or RateImportForm(formdata=None),
        page=page,
        pager=Pager(page, args),
        pair=pair,
        pair_text=args.get("pair", ""),
        pairs=services.pairs_in_use(workspace),
        filter_error=filter_error,
    ), status


def _show_error(form: RateForm, err: FinanceError) -> None:
    """Put the service's message at the first field it names, else above the form."""
    field = next((getattr(form, name) for name in err.fields if name in form), None)
    if field is None:
        form.form_errors.append(err.message)
    else:
        field.errors = [*field.errors, err.message]


@bp.get("/")
@require_role("viewer")
def index():
    return _render()


@bp.post("/")
@require_role("member")
def create():
    form = _rate_form()
    if not form.validate_on_submit():
        return _render(form=form, status=422)
    data = form.to_input()
    try:
        rate = services.set_rate(g.workspace, data.base, data.quote, data.on, data.rate)
    except FinanceError as err:
        db.session.rollback()
        _show_error(form, err)
        return _render(form=form, status=err.status)
    sentence = services.describe(rate, current_app.config["DEFAULT_LOCALE"])
    message = f"Saved {sentence} on {rate.on.isoformat()}."
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("rates.index"))


@bp.post("/import")
@require_role("member")
def import_csv():
    form = RateImportForm()
    if not form.validate_on_submit():
        return _render(import_form=form, status=422)
    try:
        result = services.import_rates_csv(g.workspace, form.file.data.stream)
    except FinanceError as err:
        db.session.rollback()
        form.file.errors = [*form.file.errors, err.message]
        return _render(import_form=form, status=err.status)
    db.session.commit()
    noun = "rate" if result.total == 1 else "rates"
    flash(f"Imported {result.total} {noun} ({result.updated} updated).", "success")
    return redirect(url_for("rates.index"))


@bp.post("/<int:rate_id>/delete")
@require_role("member")
def delete(rate_id: int):
    rate = get_scoped_or_404(ExchangeRate, rate_id, g.workspace)
    message = f"Deleted the {rate.base}→{rate.quote} rate of {rate.on.isoformat()}."
    services.delete_rate(g.workspace, rate)
    db.session.commit()
    flash(message, "success")
    back = {"page": request.args.get("page", type=int), "pair": request.args.get("pair") or None}
    return redirect(url_for("rates.index", **back))
