"""Routes: the goals list, create/edit/delete, a goal's page with its contributions."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.accounts.queries import account_choices
from financeapp.core.errors import NotFound
from financeapp.core.forms import form_status
from financeapp.core.money import format_money
from financeapp.core.pagination import page_number
from financeapp.core.scoping import check_role, get_scoped_or_404, require_role
from financeapp.core.validation import amount_for_input
from financeapp.core.views import run_action, save_form
from financeapp.goals import bp, services
from financeapp.goals.forms import ContributionForm, GoalForm
from financeapp.goals.models import Goal, GoalContribution


def _page_arg() -> int:
    return page_number(request.args.get("page"))


def _goal_form(goal: Goal | None = None, **kwargs) -> GoalForm:
    form = GoalForm(**kwargs)
    form.account_id.choices = account_choices(
        g.workspace, keep=(goal.account_id if goal else None,), blank="Contributions I enter by hand",
        label=lambda a: f"The balance of {a.name} ({a.currency})")
    return form


@bp.get("/")
@require_role("viewer")
def index():
    page = services.goal_page(g.workspace, _page_arg()).linked("goals.index")
    return render_template("goals/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@require_role("viewer")
def create():
    form = _goal_form()
    if request.method == "POST":
        check_role("manager")
        if done := save_form(form, lambda: services.create_goal(g.workspace, form.to_input())):
            flash(f"Goal “{done.value.name}” added.", "success")
            return redirect(url_for("goals.detail", goal_id=done.value.id))
    return render_template("goals/form.html", form=form, goal=None), form_status(form)


def _detail(goal: Goal, form: ContributionForm, page: int = 1):
    contributions = services.contributions_of(g.workspace, goal, page).linked("goals.detail", goal_id=goal.id)
    return render_template("goals/detail.html", status=services.goal_status(goal), contributions=contributions.rows,
                           page=contributions, form=form), form_status(form)


@bp.get("/<int:goal_id>")
@require_role("viewer")
def detail(goal_id: int):
    return _detail(get_scoped_or_404(Goal, goal_id, g.workspace), ContributionForm(formdata=None), _page_arg())


@bp.route("/<int:goal_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(goal_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    form = _goal_form(goal, obj=goal if request.method == "GET" else None)
    if request.method == "GET":
        form.target_amount.data = amount_for_input(goal.target_amount, goal.currency)
        form.account_id.data = str(goal.account_id or "")
    else:
        check_role("manager")
        if save_form(form, lambda: services.update_goal(g.workspace, goal, form.to_input())):
            flash(f"Goal “{goal.name}” saved.", "success")
            return redirect(url_for("goals.detail", goal_id=goal.id))
    return render_template("goals/form.html", form=form, goal=goal), form_status(form)


@bp.post("/<int:goal_id>/delete")
@require_role("manager")
def delete(goal_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    name = goal.name
    return run_action(lambda: services.delete_goal(g.workspace, goal), success=f"Deleted the goal “{name}”.",
                      then=url_for("goals.index"))


@bp.post("/<int:goal_id>/contributions")
@require_role("member")
def contribute(goal_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    form = ContributionForm()
    if done := save_form(form, lambda: services.add_contribution(g.workspace, goal, form.on.data,
                                                                  form.amount.decimal, form.memo.data or "")):
        flash(f"Recorded {format_money(done.value.amount, goal.currency)} for “{goal.name}”.", "success")
        return redirect(url_for("goals.detail", goal_id=goal.id))
    return _detail(goal, form)


@bp.post("/<int:goal_id>/contributions/<int:contribution_id>/delete")
@require_role("member")
def delete_contribution(goal_id: int, contribution_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    contribution = get_scoped_or_404(GoalContribution, contribution_id, g.workspace)
    if contribution.goal_id != goal.id:
        raise NotFound("No such contribution.")
    return run_action(lambda: services.delete_contribution(g.workspace, contribution), success="Contribution deleted.",
                      then=url_for("goals.detail", goal_id=goal.id))
