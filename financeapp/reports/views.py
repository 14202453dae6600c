"""Routes: the list of reports, each report page (chart, table, filters) and its CSV download."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Response, abort, g, render_template, request

from financeapp.accounts.queries import account_choices
from financeapp.core.scoping import require_role
from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.reports import bp, services
from financeapp.reports.forms import PRESETS, read_filter


@bp.get("/")
@require_role("viewer")
def index():
    return render_template("reports/index.html", reports=services.available_reports())


def _choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    accounts = [(int(key), name) for key, name in account_choices(g.workspace, archived=True)]
    labels = db.session.execute(
        sa.select(Label.id, Label.name).where(Label.workspace_id == g.workspace.id).order_by(Label.name)).all()
    return accounts, [tuple(lb) for lb in labels]


@bp.get("/<slug>")
@require_role("viewer")
def show(slug: str):
    report = services.get_report(slug)
    if report is None:
        abort(404)
    form = read_filter(request.args, date.today())
    result = services.run_report(g.workspace, slug, form.filter)
    accounts, labels = _choices()
    return render_template("reports/show.html", report=report, result=result, form=form, presets=PRESETS,
                           accounts=accounts, labels=labels), 200


@bp.get("/<slug>.csv")
@require_role("viewer")
def download(slug: str):
    report = services.get_report(slug)
    if report is None:
        abort(404)
    form = read_filter(request.args, date.today())
    result = services.run_report(g.workspace, slug, form.filter)
    name = f"{slug}-{form.start.isoformat()}-{form.end.isoformat()}.csv"
    return Response(services.to_csv(result), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
