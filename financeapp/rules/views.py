"""Routes: the ordered rule list, create/edit/delete/reorder, and applying rules to existing transactions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.accounts.models import Account
from financeapp.categories.services import category_choices
from financeapp.core.errors import FinanceError, Invalid
from financeapp.core.forms import attach_errors, form_status
from financeapp.core.pagination import Paged
from financeapp.core.scoping import as_id, check_role, require_role, scoped
from financeapp.extensions import db
from financeapp.rules import bp, services
from financeapp.rules.forms import RuleForm
from financeapp.rules.models import Rule

PER_PAGE = 50


@dataclass
class _Page(Paged):
    number: int
    total: int
    per_page: int = PER_PAGE

    def url_for(self, number: int) -> str:
        return url_for("rules.index", page=number)


def _form(**kwargs) -> RuleForm:
    form = RuleForm(**kwargs)
    accounts = [(str(a.id), a.name) for a in db.session.scalars(scoped(Account, g.workspace).order_by(Account.name))]
    form.set_choices(accounts, category_choices(g.workspace, blank=None))
    return form


@bp.get("/")
@require_role("viewer")
def index():
    page = min(as_id(request.args.get("page")) or 1, 100_000)
    rules, total = services.list_rules(g.workspace, page=page, per_page=PER_PAGE)
    categories = dict(category_choices(g.workspace, blank=None))
    accounts = {a.id: a.name for a in db.session.scalars(scoped(Account, g.workspace))}
    return render_template("rules/index.html", rules=rules, page=_Page(page, total), categories=categories,
                           accounts=accounts, first_position=(page - 1) * PER_PAGE)


@bp.route("/new", methods=["GET", "POST"])
@require_role("manager")
def create():
    form = _form()
    if request.method == "GET" and request.args.get("from_txn"):
        form.fill(services.rule_input_from_transaction(g.workspace, request.args["from_txn"]))
    if form.validate_on_submit():
        try:
            rule = services.create_rule(g.workspace, form.to_input())
        except FinanceError as err:
            db.session.rollback()
            attach_errors(form, err)
        else:
            db.session.commit()
            flash(f"Rule “{rule.name}” added at the end of the list.", "success")
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
        if form.validate_on_submit():
            try:
                services.update_rule(g.workspace, rule, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                flash(f"Rule “{rule.name}” saved.", "success")
                return redirect(url_for("rules.index"))
    return render_template("rules/form.html", form=form, rule=rule, from_txn=None), form_status(form)


@bp.post("/<int:rule_id>/delete")
@require_role("manager")
def delete(rule_id: int):
    rule = services.rule_or_404(g.workspace, rule_id)
    name = rule.name
    services.delete_rule(g.workspace, rule)
    db.session.commit()
    flash(f"Rule “{name}” deleted.", "success")
    return redirect(url_for("rules.index"))


@bp.post("/<int:rule_id>/move")
@require_role("manager")
def move(rule_id: int):
    rule = services.rule_or_404(g.workspace, rule_id)
    moved = services.move_rule(g.workspace, rule, request.form.get("direction", ""))
    db.session.commit()
    if not moved:
        flash(f"“{rule.name}” is already {'first' if request.form.get('direction') == 'up' else 'last'}.", "info")
    page = as_id(request.form.get("page")) or 1
    return redirect(url_for("rules.index", page=page if page > 1 else None) + f"#rule-{rule.id}")


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
        try:
            scope = services.parse_scope(g.workspace, chosen["rule"], chosen["start"], chosen["end"])
            if request.method == "POST":
                check_role("manager")
                result = services.apply_to_existing(g.workspace, scope)
                db.session.commit()
                skipped = (f" {result.skipped_reconciled} reconciled transaction"
                           f"{'s were' if result.skipped_reconciled != 1 else ' was'} skipped."
                           if result.skipped_reconciled else "")
                flash(f"Changed {result.changed} transaction{'s' if result.changed != 1 else ''}.{skipped}",
                      "success")
                return redirect(url_for("rules.apply", **chosen))
            preview = services.preview_apply(g.workspace, scope)
        except Invalid as err:
            db.session.rollback()
            errors = err.fields or {"rule": err.message}
            status = err.status
    return render_template("rules/apply.html", rules=rules, chosen=chosen, preview=preview, errors=errors), status
