"""`flask insights ask "QUESTION" --workspace W [--today DATE] [--json]`: the Ask box from the shell."""

from __future__ import annotations

import json
from datetime import date

import click
from flask import current_app, has_request_context

from financeapp.imports.cli import resolve_workspace
from financeapp.insights.ask import answer as answers
from financeapp.insights.cli import insights_cli


def link_for(args: dict | None) -> str | None:
    """The transactions list's URL for a drill-down's arguments (also outside a request)."""
    from flask import url_for

    if args is None:
        return None
    if has_request_context():
        return url_for("transactions.index", **args)
    with current_app.test_request_context():
        return url_for("transactions.index", **args)


@insights_cli.command("ask")
@click.argument("question")
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id, or the e-mail of its owner.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Read periods as on this day (YYYY-MM-DD; default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print {answer, value, currency, reading, link}.")
def ask(question: str, workspace_ref: str, today: object, as_json: bool) -> None:
    """Answer a question in plain words from the ledger (nothing is written)."""
    workspace, _user = resolve_workspace(workspace_ref)
    day = today.date() if today is not None else date.today()  # type: ignore[attr-defined]
    result = answers.ask(workspace, question, day)
    link = link_for(result.link_args)
    if as_json:
        click.echo(json.dumps(answers.as_json(result, link), indent=2, ensure_ascii=False))
        return
    click.echo(result.answer)
    for item in result.items:
        click.echo(f"  {item.label}: {answers.format_money(item.value, item.currency)}")
    for suggestion in result.suggestions:
        click.echo(f"  Did you mean for “{suggestion.phrase}”: " + ", ".join(e.name for e in suggestion.candidates))
    if result.examples:
        click.echo("Try: " + " · ".join(result.examples[:4]))
    if link:
        click.echo(f"Transactions: {link}")
