"""Routes: the ordered rule list, create/edit/delete/reorder, and applying rules to existing transactions."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.accounts.queries import account_choices
from financeapp.categories.services import category_choices
from financeapp.core.errors import FinanceError
from financeapp.core.forms import form_status
from financeapp.core.pagination import page_number
from financeapp.core.scoping import as_id, check_role, require_role, scoped
from financeapp.core.views import attempt, run_action, save_form
from financeapp.extensions import db
from financeapp.rules import bp, services
from financeapp.rules.forms import RuleForm
from financeapp.rules.models import Rule

PER_PAGE = 50


def _form(**kwargs) -> RuleForm:
    form = RuleForm(**kwargs)
    form.set_choices(account_choices(g.workspace, archived=True), category_choices(g.workspace, blank=None))
    return form


@bp.get("/")
@require_role("viewer")
def index():
    page = services.list_rules(g.workspace, page=page_number(request.args.get("page")), per_page=PER_PAGE)
    categories = dict(category_choices(g.workspace, blank=None))
    accounts = {int(key): name for key, name in account_choices(g.workspace, archived=True)}
    return render_template("rules/index.html", rules=page.rows, page=page.linked("rules.index"),
                           categories=categories, accounts=accounts, first_position=(page.number - 1) * PER_PAGE)


@bp.route("/new", methods=["GET", "POST"])
@require_role("manager")
def create():
    form = _form()
    if request.method == "GET" and request.args.get("from_txn"):
        form.fill(services.rule_input_from_transaction(g.workspace, request.args["from_txn"]))
    if done := save_form(form, lambda: services.create_rule(g.workspace, form.to_input())):
        flash(f"Rule “{done.value.name}” added at the end of the list.", "success")
        return redirect(url_for("rules.index"))
    return render_template("rules/form.html", form=form, rule=None,
                           from_txn=request.args.get("from_txn")), form_status(form)


@bp.route("/<int:rule_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(rule_id: int):
    rule = services.rule_or_404(g.workspace, rule_id)
    form = _form()
    if request.method == "GET":
        form.fill(services.rule_input(rule))
    else:
        check_role("manager")
        if save_form(form, lambda: services.update_rule(g.workspace, rule, form.to_input())):
            flash(f"Rule “{rule.name}” saved.", "success")
            return redirect(url_for("rules.index"))
    return render_template("rules/form.html", form=form, rule=rule, from_txn=None), form_status(form)


@bp.post("/<int:rule_id>/delete")
@require_role("manager")
def delete(rule_id: int):
    rule = services.rule_or_404(g.workspace, rule_id)
    name = rule.name
    return run_action(lambda: services.delete_rule(g.workspace, rule), success=f"Rule “{name}” deleted.",
                      then=url_for("rules.index"))


@bp.post("/<int:rule_id>/move")
@require_role("manager")
def move(rule_id: int):
    rule = services.rule_or_404(g.workspace, rule_id)
    direction = request.form.get("direction", "")
    page = as_id(request.form.get("page")) or 1
    back = url_for("rules.index", page=page if page > 1 else None) + f"#rule-{rule.id}"
    return run_action(lambda: services.move_rule(g.workspace, rule, direction),
                      success=lambda moved: None if moved else
                      (f"“{rule.name}” is already {'first' if direction == 'up' else 'last'}.", "info"),
                      then=back)


def _apply_or_preview(chosen: dict[str, str], *, write: bool):
    scope = services.parse_scope(g.workspace, chosen["rule"], chosen["start"], chosen["end"])
    return services.apply_to_existing(g.workspace, scope) if write else services.preview_apply(g.workspace, scope)


def _applied(result: services.ApplyResult) -> str:
    count = result.skipped_reconciled
    skipped = f" {count} reconciled transaction{'s were' if count != 1 else ' was'} skipped." if count else ""
    return f"Changed {result.changed} transaction{'s' if result.changed != 1 else ''}.{skipped}"


@bp.route("/apply", methods=["GET", "POST"])
@require_role("viewer")
def apply():
    """GET: choose a rule and dates, and see how many transactions would change; POST: change them."""
    source = request.form if request.method == "POST" else request.args
    rules = list(db.session.scalars(scoped(Rule, g.workspace).order_by(Rule.position, Rule.id)))
    chosen = {"rule": source.get("rule", "all"), "start": source.get("start", ""), "end": source.get("end", "")}
    preview = None
    errors: dict[str, str] = {}
    status = 200
    wants_preview = request.method == "GET" and "preview" in request.args
    if request.method == "POST" or wants_preview:
        if request.method == "POST":
            check_role("manager")
        outcome = attempt(lambda: _apply_or_preview(chosen, write=request.method == "POST"))
        if isinstance(outcome, FinanceError):
            errors, status = outcome.fields or {"rule": outcome.message}, outcome.status
        elif request.method == "POST":
            db.session.commit()
            flash(_applied(outcome.value), "success")
            return redirect(url_for("rules.apply", **chosen))
        else:
            preview = outcome.value
    return render_template("rules/apply.html", rules=rules, chosen=chosen, preview=preview, errors=errors), status
