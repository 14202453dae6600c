"""`flask insights forecast ...` and `flask insights refresh-forecasts ...`, added to the insights group.

    flask insights forecast --workspace W --series spending|income|net [--category NAME] [--account NAME]
                            --months N [--as-of DATE] [--json]
    flask insights refresh-forecasts --workspace W     # cron: refit every stale series of a workspace

`forecast` fits directly (a command is not a request) from the data up to --as-of (default today:
the last complete month before it), and prints the forecast with its backtest.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import click

from financeapp.core.errors import FinanceError
from financeapp.extensions import db
from financeapp.imports.cli import resolve_workspace
from financeapp.insights.cli import insights_cli
from financeapp.insights.forecasts import jobs, services
from financeapp.insights.forecasts.series import KINDS


@insights_cli.command("forecast")
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id, or the e-mail of its owner.")
@click.option("--series", "kind", type=click.Choice(KINDS), required=True)
@click.option("--category", default=None, help="A category's name (or “Group: Name”).")
@click.option("--account", default=None, help="An account's name.")
@click.option("--months", type=click.IntRange(1, 12), default=12, show_default=True)
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Forecast from the data up to this date (YYYY-MM-DD; default today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def forecast_command(workspace_ref: str, kind: str, category: str | None, account: str | None, months: int,
                     as_of: datetime | None, as_json: bool) -> None:
    """Forecast a monthly series 1-12 months ahead, with its 80 % interval and measured accuracy."""
    workspace, _ = resolve_workspace(workspace_ref)
    try:
        category_id = services.find_category(workspace, category).id if category else None
        account_id = services.find_account(workspace, account).id if account else None
        view = services.compute_now(workspace, services.series_key(kind, category_id, account_id), months,
                                    as_of.date() if as_of else date.today())
    except FinanceError as err:
        raise click.ClickException(err.message) from None
    finally:
        db.session.rollback()  # nothing to write
    data = services.view_json(view)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if view.status == "empty":
        click.echo(f"{data['label']}: no history to forecast from.")
        return
    click.echo(f"{data['label']} ({data['currency']}), from {data['history_months']} months to {data['last_month']}")
    click.echo(f"method: {data['method']}: {data['method_note']}")
    for point in data["points"]:
        click.echo(f"  {point['month']}  {point['value']:>12}   80 %: {point['low']} to {point['high']}")
    backtest = data["backtest"]
    if backtest["folds"]:
        baseline = backtest["baseline"]["seasonal_naive"]
        click.echo(f"backtest ({backtest['folds']} folds, 12 months): MASE {backtest['mase']}, "
                   f"sMAPE {backtest['smape']} %; seasonal-naive MASE {baseline['mase']}, sMAPE {baseline['smape']} %")
    else:
        click.echo("backtest: the history is too short to measure the accuracy.")


@insights_cli.command("refresh-forecasts")
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id, or the e-mail of its owner.")
@click.option("--force", is_flag=True, help="Refit every series, fresh or not.")
def refresh_command(workspace_ref: str, force: bool) -> None:
    """Fit and cache every series of a workspace whose cache is stale (safe to run from cron)."""
    workspace, _ = resolve_workspace(workspace_ref)
    done = jobs.refresh_workspace(workspace.id, force=force)
    click.echo(f"{done} forecasts fitted.")
