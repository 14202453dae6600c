"""Routes: the goals list, create/edit/delete, a goal's page with its contributions."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.accounts.models import Account
from financeapp.core.errors import FinanceError, NotFound
from financeapp.core.forms import attach_errors, form_status
from financeapp.core.money import quantize
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role, scoped
from financeapp.extensions import db
from financeapp.goals import bp, services
from financeapp.goals.forms import ContributionForm, GoalForm
from financeapp.goals.models import Goal, GoalContribution


def _page_arg() -> int:
    return min(as_id(request.args.get("page", 1)) or 1, 1_000_000)


def _goal_form(goal: Goal | None = None, **kwargs) -> GoalForm:
    form = GoalForm(**kwargs)
    accounts = db.session.scalars(scoped(Account, g.workspace).order_by(Account.name))
    form.account_id.choices = [("", "Contributions I enter by hand")] + [
        (str(a.id), f"The balance of {a.name} ({a.currency})") for a in accounts
        if not a.archived or (goal is not None and a.id == goal.account_id)
    ]
    return form


@bp.get("/")
@require_role("viewer")
def index():
    page = services.goal_page(g.workspace, _page_arg())
    return render_template("goals/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@require_role("viewer")
def create():
    form = _goal_form()
    if request.method == "POST":
        check_role("manager")
        if form.validate_on_submit():
            try:
                goal = services.create_goal(g.workspace, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                if err.status == 404:
                    raise
                attach_errors(form, err)
            else:
                db.session.commit()
                flash(f"Goal “{goal.name}” added.", "success")
                return redirect(url_for("goals.detail", goal_id=goal.id))
    return render_template("goals/form.html", form=form, goal=None), form_status(form)


@bp.get("/<int:goal_id>")
@require_role("viewer")
def detail(goal_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    rows, number, pages = services.contributions_of(g.workspace, goal, _page_arg())
    return render_template("goals/detail.html", status=services.goal_status(goal), contributions=rows,
                           page=_ContributionPage(goal.id, number, pages), form=ContributionForm(formdata=None))


class _ContributionPage:
    def __init__(self, goal_id: int, number: int, pages: int):
        self.goal_id, self.number, self.pages = goal_id, number, pages
        self.has_prev, self.has_next = number > 1, number < pages

    def url_for(self, number: int) -> str:
        return url_for("goals.detail", goal_id=self.goal_id, page=number)


@bp.route("/<int:goal_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(goal_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    form = _goal_form(goal, obj=goal if request.method == "GET" else None)
    if request.method == "GET":
        form.target_amount.data = f"{quantize(goal.target_amount, goal.currency):f}"
        form.account_id.data = str(goal.account_id or "")
    else:
        check_role("manager")
        if form.validate_on_submit():
            try:
                services.update_goal(g.workspace, goal, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                if err.status == 404:
                    raise
                attach_errors(form, err)
            else:
                db.session.commit()
                flash(f"Goal “{goal.name}” saved.", "success")
                return redirect(url_for("goals.detail", goal_id=goal.id))
    return render_template("goals/form.html", form=form, goal=goal), form_status(form)


@bp.post("/<int:goal_id>/delete")
@require_role("manager")
def delete(goal_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    name = goal.name
    services.delete_goal(g.workspace, goal)
    db.session.commit()
    flash(f"Deleted the goal “{name}”.", "success")
    return redirect(url_for("goals.index"))


@bp.post("/<int:goal_id>/contributions")
@require_role("member")
def contribute(goal_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    form = ContributionForm()
    if form.validate_on_submit():
        try:
            contribution = services.add_contribution(g.workspace, goal, form.on.data, form.amount.decimal,
                                                     form.memo.data or "")
        except FinanceError as err:
            db.session.rollback()
            attach_errors(form, err)
        else:
            db.session.commit()
            flash(f"Recorded {contribution.amount:,.2f} {goal.currency} for “{goal.name}”.", "success")
            return redirect(url_for("goals.detail", goal_id=goal.id))
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    rows, number, pages = services.contributions_of(g.workspace, goal)
    return render_template("goals/detail.html", status=services.goal_status(goal), contributions=rows,
                           page=_ContributionPage(goal.id, number, pages), form=form), form_status(form)


@bp.post("/<int:goal_id>/contributions/<int:contribution_id>/delete")
@require_role("member")
def delete_contribution(goal_id: int, contribution_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    contribution = get_scoped_or_404(GoalContribution, contribution_id, g.workspace)
    if contribution.goal_id != goal.id:
        raise NotFound("No such contribution.")
    services.delete_contribution(g.workspace, contribution)
    db.session.commit()
    flash("Contribution deleted.", "success")
    return redirect(url_for("goals.detail", goal_id=goal.id))
