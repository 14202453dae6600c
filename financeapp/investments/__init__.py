"""The investments domain: securities, trades, prices, lots, gains and returns (DESIGN.md section 13)."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from flask import Blueprint, Flask, g, request

bp = Blueprint("investments", __name__, url_prefix="/investments")


def quantity_filter(value: Decimal | None, places: int | None = None) -> str:
    """Shares or a price in the user's locale, without trailing zeros (`places` rounds first)."""
    from babel.numbers import format_decimal

    from financeapp.core.locale import current_locale

    if value is None:
        return ""
    number = Decimal(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
    return format_decimal(number, format="#,##0.##########", locale=current_locale())


def dashboard_card() -> dict[str, Any]:
    """The dashboard's investments card (templates/investments/_dashboard_card.html): only on the
    dashboard, and only for a workspace with investment accounts."""
    if request.endpoint != "dashboard.index" or g.get("workspace") is None:
        return {}
    from financeapp.investments import services

    accounts = services.investment_accounts(g.workspace)
    if not accounts:
        return {"investments_card": None}
    return {"investments_card": services.portfolio(g.workspace, accounts=accounts)}


def init_app(app: Flask) -> None:
    """Register the investments pages and the `flask investments` commands."""
    from financeapp.investments import cli, import_cli, views  # noqa: F401 (importing registers them)

    # A price older than this many days is marked stale (the environment may set it).
    app.config.setdefault("INVESTMENT_PRICE_STALE_DAYS", int(os.environ.get("INVESTMENT_PRICE_STALE_DAYS", "7")))
    app.jinja_env.filters["quantity"] = quantity_filter
    app.context_processor(dashboard_card)
    app.register_blueprint(bp)
    import_cli.register(cli.investments_cli)  # `import` and `prices import` (investments/import_cli.py)
    app.cli.add_command(cli.investments_cli)
