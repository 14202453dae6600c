"""The forecasts' pages on the insights blueprint: /insights/forecasts (every series with its accuracy,
a chart of one, an account's balance projection) and applying a month's recommended budget.

The Insights page's partials (_forecasts.html, _recommendations.html) read their data through the
blueprint's context processor, lazily: a page of the blueprint that does not include them costs
nothing. Nothing here fits a model; stale forecasts are asked for by the API calls the charts make
(and by this page for the series it lists).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.errors import Invalid
from financeapp.core.scoping import as_id, get_scoped_or_404, require_role, scoped
from financeapp.core.views import run_action
from financeapp.extensions import db
from financeapp.insights import bp
from financeapp.insights.forecasts import cache, jobs, recommendations
from financeapp.insights.forecasts.forms import ApplyForm
from financeapp.insights.forecasts.series import KINDS, all_series


def _choices() -> dict[str, Any]:
    workspace = g.workspace
    categories = list(db.session.scalars(scoped(Category, workspace).where(Category.parent_id.is_not(None))
                                         .order_by(Category.kind, Category.name)))
    accounts = list(db.session.scalars(scoped(Account, workspace).where(Account.archived.is_(False))
                                       .order_by(Account.name)))
    return {"categories": categories, "accounts": accounts, "kinds": KINDS}


def _overview(today: date) -> dict[str, Any]:
    """Every series with its cached next-month forecast and accuracy; asks for the stale ones."""
    every = all_series(g.workspace, today)
    found = cache.read_many(g.workspace, every)
    stale = [s.key.text for s in every if found[s.key.text].status != "ready"]
    if stale:
        jobs.request_refresh(g.workspace, stale, today)
    return {"rows": [(s, found[s.key.text]) for s in every], "stale": len(stale)}


class _Lazy:
    """A value computed the first time a template asks for it (once per request)."""

    def __init__(self, compute: Any):
        self._compute, self._value, self._done = compute, None, False

    def __call__(self) -> Any:
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value


@bp.context_processor
def forecast_context() -> dict[str, Any]:
    """For the Insights page's partials: the recommendations and the series choices, when they ask."""
    if getattr(g, "workspace", None) is None:
        return {}
    return {"forecast_choices": _Lazy(_choices),
            "forecast_plan": _Lazy(lambda: recommendations.build_plan(g.workspace)),
            "apply_form": _Lazy(lambda: ApplyForm(formdata=None))}


@bp.get("/forecasts")
@require_role("viewer")
def forecasts():
    """All forecasts with their accuracy; one series drawn with its interval; an account's projection."""
    kind = request.args.get("series", "spending")
    kind = kind if kind in KINDS else "spending"
    category = get_scoped_or_404(Category, request.args["category_id"], g.workspace) \
        if request.args.get("category_id") else None
    account = get_scoped_or_404(Account, request.args["account_id"], g.workspace) \
        if request.args.get("account_id") else None
    projected = as_id(request.args.get("projection")) if request.args.get("projection") else None
    projection_account = get_scoped_or_404(Account, projected, g.workspace) if projected else None
    params: dict[str, Any] = {"series": kind, "months": 12}
    if category:
        params["category_id"] = category.id
    if account:
        params["account_id"] = account.id
    return render_template("insights/forecasts.html", kind=kind, category=category, account=account,
                           chart_src=url_for("api.forecasts_show", **params), overview=_overview(date.today()),
                           projection_account=projection_account, **_choices())


@bp.post("/recommendations/apply")
@require_role("manager")
def apply_recommendations():
    """Set a month's budget to the recommended amounts (the budgets' own write path)."""
    form = ApplyForm()
    month_text = form.month.data or ""
    back = url_for("insights.index") + "#recommendations"
    if not form.validate_on_submit():
        return redirect(back)
    try:
        month = recommendations.parse_month(month_text)
    except Invalid as err:
        flash(err.message, "danger")
        return redirect(back)
    return run_action(lambda: recommendations.apply_month(g.workspace, month),
                      success=lambda n: f"{n} budget lines set for {month:%B %Y} from the recommendations.",
                      then=url_for("budgets.index", month=f"{month:%Y-%m}"), back=back)
