"""`flask investments ...`: the group the investments commands hang on.

`flask investments report --workspace W [--account NAME] [--as-of DATE] [--start DATE]
[--method fifo|average] [--json]`: holdings at market value, gains, income, cash and returns.
Amounts are strings in the currency's minor units; returns are decimal fractions (0.0512 = 5.12 %)
or null when a price or rate they need is missing (named under "missing").
The import commands (`import`, `prices import`) are added to this group by the import module.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click
from flask.cli import AppGroup

from financeapp.accounts.models import Account
from financeapp.core.errors import FinanceError
from financeapp.core.money import amount_text
from financeapp.core.scoping import as_id, scoped
from financeapp.core.validation import parse_day
from financeapp.extensions import db
from financeapp.investments import services
from financeapp.workspaces.models import Workspace

investments_cli = AppGroup("investments", help="Holdings, gains and returns of investment accounts.")


def find_investment_account(workspace: Workspace, ref: str) -> Account:
    """An investment account by name (case as typed, then folded) or id."""
    query = scoped(Account, workspace).where(Account.type == "investment")
    account = db.session.scalar(query.where(Account.name == ref))
    if account is None:
        account = next((a for a in db.session.scalars(query) if a.name.casefold() == ref.casefold()), None)
    if account is None and (key := as_id(ref)) is not None:
        account = db.session.scalar(query.where(Account.id == key))
    if account is None:
        raise click.ClickException(f"No investment account “{ref}” in {workspace.name}.")
    return account


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_day(text)
    except FinanceError as err:
        raise click.BadParameter(err.message, param_hint=option) from None


def _rate(value: Any) -> str | None:
    return None if value is None else f"{value:f}"


def report_data(workspace: Workspace, accounts: list[Account] | None, as_of: date, start: date | None,
                method: str | None) -> dict[str, Any]:
    """The report as plain data (the CLI's --json; the API's performance reuses the same numbers)."""
    result = services.portfolio(workspace, accounts=accounts, as_of=as_of, start=start, method=method)
    returns = services.performance_of(workspace, accounts=accounts, start=start, end=as_of)
    base = workspace.base_currency

    def money(value: Any, currency: str = base) -> str | None:
        return None if value is None else amount_text(value, currency)

    return {
        "workspace": workspace.name,
        "accounts": [a.name for a in result.accounts],
        "as_of": as_of.isoformat(), "start": returns.start.isoformat(),
        "method": method or "account",
        "base_currency": base,
        "holdings": [{
            "symbol": h.security.symbol, "currency": h.currency,
            "quantity": services.quantity_text(h.quantity),
            "cost_basis": money(h.cost, h.currency), "market_value": money(h.market_value, h.currency),
            "unrealized_gain": money(h.unrealized, h.currency),
            "price": None if h.price is None else services.quantity_text(h.price),
            "price_date": None if h.price_on is None else h.price_on.isoformat(), "stale": h.stale,
            "cost_basis_base": money(h.cost_base), "market_value_base": money(h.market_value_base),
            "unrealized_gain_base": money(h.unrealized_base), "currency_effect": money(h.currency_effect),
        } for h in result.holdings],
        "realized_gain": money(result.realized_gain),
        "unrealized_gain": money(result.unrealized_gain),
        "dividends": money(result.dividends),
        "interest": money(result.interest),
        "cash": money(result.cash_base),
        "value": money(result.value),
        "twr": _rate(returns.twr),
        "xirr": _rate(returns.xirr),
        "annualised": returns.annualised,
        "missing": {"prices": result.missing_prices, "rates": result.missing_rates,
                    "for_returns": [{"what": what, "date": day.isoformat()} for what, day in returns.missing]},
        "stale": result.stale_prices,
    }


@investments_cli.command("report")
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id, or an owner's e-mail (personal).")
@click.option("--account", "account_ref", help="One investment account (name or id); all by default.")
@click.option("--as-of", "as_of_text", help="The day of the holdings (YYYY-MM-DD; default today).")
@click.option("--start", "start_text", help="Start of the range for gains, income and returns (default: first trade).")
@click.option("--method", type=click.Choice(["fifo", "average"]), help="Cost method (default: each account's own).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def report(workspace_ref: str, account_ref: str | None, as_of_text: str | None, start_text: str | None,
           method: str | None, as_json: bool) -> None:
    """Holdings, realized and unrealized gains, dividends, cash, value, TWR and XIRR."""
    from financeapp.imports.cli import resolve_workspace

    workspace, _user = resolve_workspace(workspace_ref)
    accounts = [find_investment_account(workspace, account_ref)] if account_ref else None
    as_of = _day(as_of_text, "--as-of") or date.today()
    start = _day(start_text, "--start")
    if start is not None and start > as_of:
        raise click.BadParameter("the start is after --as-of", param_hint="--start")
    data = report_data(workspace, accounts, as_of, start, method)
    db.session.rollback()  # read only
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"{data['workspace']}: {', '.join(data['accounts']) or 'no investment accounts'} on {data['as_of']}"
               f" (from {data['start']}, {data['base_currency']})")
    for h in data["holdings"]:
        flag = " (stale price)" if h["stale"] else " (no price)" if h["market_value"] is None else ""
        click.echo(f"  {h['symbol']:<10} {h['quantity']:>16}  basis {h['cost_basis']:>14}  "
                   f"value {h['market_value'] or '-':>14}  gain {h['unrealized_gain'] or '-':>12} "
                   f"{h['currency']}{flag}")
    for label, key in (("Realized gain", "realized_gain"), ("Unrealized gain", "unrealized_gain"),
                       ("Dividends", "dividends"), ("Interest", "interest"), ("Cash", "cash"), ("Value", "value")):
        click.echo(f"{label + ':':<17}{data[key]:>16} {data['base_currency']}")
    suffix = " a year" if data["annualised"] else " over the period"
    click.echo(f"{'TWR:':<17}{data['twr'] or 'unknown (a price is missing)':>16}{suffix if data['twr'] else ''}")
    click.echo(f"{'XIRR:':<17}{data['xirr'] or 'unknown':>16}{' a year' if data['xirr'] else ''}")



