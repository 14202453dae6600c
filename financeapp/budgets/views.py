"""Routes: the month page, lines (add, edit in place, delete), copy, move money, style, the range report."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from flask import Response, flash, g, redirect, render_template, request, url_for

from financeapp.budgets import bp, envelopes, services
from financeapp.budgets.forms import (
    AmountForm,
    CopyForm,
    EnvelopeMoveForm,
    LineForm,
    MoveForm,
    ReportForm,
    StyleForm,
)
from financeapp.budgets.models import STYLES, BudgetLine
from financeapp.budgets.queries import add_months, month_start, parse_month
from financeapp.core.errors import Invalid
from financeapp.core.forms import attach_errors, form_status
from financeapp.core.money import format_money
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.core.validation import amount_for_input
from financeapp.core.views import run_action, save_form


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _month_arg(value: str | None) -> date:
    return month_start(date.today()) if not value else parse_month(value)


def _asked_month() -> date | None:
    """The month in `?month=` (this month when absent); None, with a warning flashed, when it cannot be read."""
    try:
        return _month_arg(request.args.get("month"))
    except Invalid as err:
        flash(f"{err.message} Showing this month instead.", "warning")
        return None


def _month_url(month: date) -> str:
    return url_for("budgets.index", month=f"{month:%Y-%m}")


def _back_to(month: date):
    return redirect(_month_url(month))


def _money(amount: Decimal) -> str:
    return format_money(amount, g.workspace.base_currency)


def _line_form(month: date, **kwargs) -> LineForm:
    form = LineForm(**kwargs)
    form.category_id.choices = [("", "Choose a category"), *services.expense_category_choices(g.workspace)]
    if not form.month.data:
        form.month.data = f"{month:%Y-%m}"
    return form


def _move_form(month: date, **kwargs) -> MoveForm:
    form = MoveForm(**kwargs)
    choices = [(str(line.id), line.category.full_name)
               for line in sorted(services.lines_of_month(g.workspace, month), key=lambda x: x.category.full_name)]
    form.source_id.choices = [("", "Choose a line"), *choices]
    form.target_id.choices = [("", "Choose a line"), *choices]
    if not form.month.data:
        form.month.data = f"{month:%Y-%m}"
    return form


def _render_index(month: date, line_form: LineForm | None = None, move_form: MoveForm | None = None,
                  status: int = 200):
    figures = services.month_figures(g.workspace, month)
    style_form = StyleForm(formdata=None, style=figures.style)
    return render_template(
        "budgets/index.html", figures=figures, month=month, previous=add_months(month, -1),
        following=add_months(month, 1), this_month=month_start(date.today()),
        line_form=line_form or _line_form(month, formdata=None),
        move_form=move_form or _move_form(month, formdata=None),
        style_form=style_form, copy_form=CopyForm(formdata=None, month=f"{month:%Y-%m}"),
        styles=STYLES, amount_form=AmountForm(formdata=None),
    ), status


@bp.get("/")
@require_role("viewer")
def index():
    month = _asked_month()
    if month is None:
        return redirect(url_for("budgets.index"))
    category = request.args.get("category")
    line_form = None
    if category:
        line_form = _line_form(month, formdata=None)
        line_form.category_id.data = category
    return _render_index(month, line_form=line_form)


def _posted_month(form_month: str | None) -> date:
    try:
        return _month_arg(form_month)
    except Invalid:
        return month_start(date.today())


@bp.post("/lines")
@require_role("manager")
def create():
    month = _posted_month(request.form.get("month"))
    form = _line_form(month)
    if done := save_form(form, lambda: services.set_line(g.workspace, services.LineInput(
            category_id=form.category_id.data, month=month, amount=form.amount.decimal,
            period=form.period.data, rollover=bool(form.rollover.data)))):
        line = done.value
        when = f"{line.month.year}" if line.is_yearly else f"{month:%B %Y}"
        flash(f"Budgeted {_money(line.amount)} for {line.category.full_name} in {when}.", "success")
        return _back_to(month)
    return _render_index(month, line_form=form, status=form_status(form))


def _context_month(line: BudgetLine) -> date:
    """The month the page showed: a yearly line is seen from one of its year's months."""
    if not line.is_yearly:
        return line.month
    try:
        month = parse_month(request.values.get("month"))
    except Invalid:
        month = month_start(date.today())
    return month if month.year == line.month.year else line.month


def _row_response(line: BudgetLine, form: AmountForm | None = None, editing: bool = False, status: int = 200):
    month = _context_month(line)
    figures = services.month_figures(g.workspace, month)
    return render_template("budgets/_line_response.html", row=figures.line(line.id), figures=figures, form=form,
                           month=month, editing=editing), status


@bp.get("/lines/<int:line_id>")
@require_role("viewer")
def line(line_id: int):
    row_line = get_scoped_or_404(BudgetLine, line_id, g.workspace)
    if _is_htmx():
        return _row_response(row_line)
    return _back_to(_context_month(row_line))


@bp.get("/lines/<int:line_id>/edit")
@require_role("manager")
def edit(line_id: int):
    line = get_scoped_or_404(BudgetLine, line_id, g.workspace)
    form = AmountForm(formdata=None, amount=amount_for_input(line.amount, g.workspace.base_currency),
                      rollover=line.rollover)
    if _is_htmx():
        return _row_response(line, form, editing=True)
    return render_template("budgets/edit.html", line=line, form=form, month=_context_month(line))


@bp.post("/lines/<int:line_id>")
@require_role("manager")
def update(line_id: int):
    line = get_scoped_or_404(BudgetLine, line_id, g.workspace)
    form = AmountForm()
    month = _context_month(line)
    if save_form(form, lambda: services.update_line(g.workspace, line, form.amount.decimal, bool(form.rollover.data))):
        if _is_htmx():
            return _row_response(line)
        flash(f"Budget for {line.category.full_name} saved.", "success")
        return _back_to(month)
    if _is_htmx():
        return _row_response(line, form, editing=True, status=form_status(form))
    return render_template("budgets/edit.html", line=line, form=form, month=month), form_status(form)


@bp.post("/lines/<int:line_id>/delete")
@require_role("manager")
def delete(line_id: int):
    line = get_scoped_or_404(BudgetLine, line_id, g.workspace)
    month, name = _context_month(line), line.category.full_name
    return run_action(lambda: services.delete_line(g.workspace, line), success=f"Removed {name} from the budget.",
                      then=_month_url(month))


@bp.post("/copy")
@require_role("manager")
def copy():
    month = _posted_month(request.form.get("month"))
    return run_action(
        lambda: services.copy_previous_month(g.workspace, month),
        success=lambda count: f"Copied {count} line{'s' if count != 1 else ''} from {add_months(month, -1):%B %Y}.",
        then=_month_url(month))


def _moved(form: MoveForm) -> tuple[BudgetLine, BudgetLine]:
    source = get_scoped_or_404(BudgetLine, form.source_id.data, g.workspace)
    target = get_scoped_or_404(BudgetLine, form.target_id.data, g.workspace)
    services.move_money(g.workspace, source, target, form.amount.decimal)
    return source, target


@bp.post("/move")
@require_role("manager")
def move():
    month = _posted_month(request.form.get("month"))
    form = _move_form(month)
    if done := save_form(form, lambda: _moved(form)):
        source, target = done.value
        flash(f"Moved {_money(form.amount.decimal)} from {source.category.full_name} to "
              f"{target.category.full_name}.", "success")
        return _back_to(month)
    return _render_index(month, move_form=form, status=form_status(form))


@bp.post("/style")
@require_role("manager")
def style():
    form = StyleForm()
    month = _posted_month(request.form.get("month"))
    return run_action(lambda: services.set_style(g.workspace, form.style.data or ""),
                      success=lambda setting: f"Budgeting style: {STYLES[setting.style].lower()}.",
                      then=_month_url(month))


@bp.get("/report")
@require_role("viewer")
def report():
    form = ReportForm(request.args)
    this_month = month_start(date.today())
    report = None
    status = 200
    try:
        start = parse_month(form.start.data, "start") if form.start.data else add_months(this_month, -5)
        end = parse_month(form.end.data, "end") if form.end.data else this_month
        report = services.budget_report(g.workspace, start, end)
    except Invalid as err:
        attach_errors(form, err)
        status = 422
    else:
        form.start.data, form.end.data = f"{start:%Y-%m}", f"{end:%Y-%m}"
        if request.args.get("format") == "csv":
            return _report_csv(report)
    return render_template("budgets/report.html", form=form, report=report), status


def _cell(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; quote them."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _report_csv(report: services.RangeReport) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["category", "budgeted", "spent", "difference", "currency"])
    for row in report.rows:
        writer.writerow([_cell(row.name), row.budgeted, row.spent, row.difference, report.currency])
    writer.writerow(["Total", report.budgeted, report.spent, report.difference, report.currency])
    name = f"budget-{report.first:%Y-%m}-to-{report.last:%Y-%m}.csv"
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# The envelope budget ----------------------------------------------------------------------------


def _envelope_form(month: date, figures: envelopes.EnvelopeMonth, **kwargs) -> EnvelopeMoveForm:
    form = EnvelopeMoveForm(**kwargs)
    form.set_choices([(str(e.category_id), f"{e.group} › {e.name}" if e.group else e.name)
                      for e in figures.envelopes], (envelopes.TO_BUDGET, "To budget"))
    form.month.data = f"{month:%Y-%m}"
    return form


def _render_envelopes(month: date, form: EnvelopeMoveForm | None = None, status: int = 200):
    figures = envelopes.envelope_month(g.workspace, month)
    previous, following = envelopes.months_around(month)
    focus = form is not None
    if form is None:  # a cell's Move / Cover link names the envelope to take from or to cover
        form = _envelope_form(month, figures, formdata=None)
        form.source.data = request.args.get("source") or envelopes.TO_BUDGET
        form.target.data = request.args.get("target") or ""
        focus = bool(request.args.get("source") or request.args.get("target"))
    return render_template(
        "budgets/envelopes.html", figures=figures, month=month, previous=previous, following=following,
        this_month=month_start(date.today()), move_form=form, focus_amount=focus,
    ), status


@bp.get("/envelopes")
@require_role("viewer")
def envelopes_page():
    month = _asked_month()
    if month is None:
        return redirect(url_for("budgets.envelopes_page"))
    return _render_envelopes(month)


@bp.post("/envelopes/move")
@require_role("manager")
def envelopes_move():
    month = _posted_month(request.form.get("month"))
    form = _envelope_form(month, envelopes.envelope_month(g.workspace, month))
    move = envelopes.MoveInput(month=month, source=form.source.data or "", target=form.target.data or "",
                               amount=form.amount.decimal)
    if done := save_form(form, lambda: envelopes.move_money(g.workspace, move)):
        source, target = done.value
        flash(f"Moved {_money(form.amount.decimal)} from {source} to {target}.", "success")
        return redirect(url_for("budgets.envelopes_page", month=f"{month:%Y-%m}"))
    return _render_envelopes(month, form=form, status=form_status(form))
