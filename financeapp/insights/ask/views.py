"""Ask's routes on the insights blueprint: the answer page (a GET form, no JavaScript needed) and
the "Did you mean" button that teaches an alias (a POST with CSRF, member and up)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for

from financeapp.core.scoping import MAX_ID, require_role
from financeapp.core.views import run_action
from financeapp.insights import bp
from financeapp.insights.ask import answer as answers
from financeapp.insights.ask import vocabulary
from financeapp.insights.ask.cli import link_for
from financeapp.insights.ask.forms import LearnForm
from financeapp.insights.ask.parser import EXAMPLES, MAX_QUESTION
from financeapp.insights.ask.vocabulary import ALIAS_KINDS


@bp.get("/ask")
@require_role("viewer")
def ask():
    """The answer to ?q=..., or the box and examples when there is no question."""
    question = (request.args.get("q") or "").strip()[:MAX_QUESTION]
    result = answers.ask(g.workspace, question, date.today()) if question else None
    return render_template("insights/ask.html", q=question, result=result, examples=EXAMPLES,
                           link=link_for(result.link_args) if result else None, learn_form=LearnForm())


@bp.post("/ask/learn/<kind>/<int:target_id>")
@require_role("member")
def learn(kind: str, target_id: int):
    """Remember that the words typed mean this name, then answer the question again."""
    if kind not in ALIAS_KINDS or target_id > MAX_ID or vocabulary.find(g.workspace, kind, target_id) is None:
        abort(404)  # another workspace's id, or none: before reading the form
    form = LearnForm()
    question = (form.q.data or "").strip()
    again = url_for(".ask", q=question) if question else url_for(".ask")
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "danger")
        return redirect(again)
    return run_action(lambda: vocabulary.learn(g.workspace, form.phrase.data, kind, target_id),
                      success=lambda alias: f"Got it: “{alias.phrase}” now means this name here.", then=again)
