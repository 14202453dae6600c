"""The JSON API at /api/v1: one module per domain, calling the same services."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """Register the API blueprint once every module has added its routes to it."""
    from financeapp.api import (  # noqa: F401
        accounts,
        ask,
        budgets,
        categories,
        debts,
        forecasts,
        goals,
        imports,
        insights,
        investments,
        invoices,
        labels,
        me,
        notifications,
        openapi,
        payees,
        rates,
        recurring,
        reports,
        resources,
        rules,
        settings,
        transactions,
    )

    app.register_blueprint(bp)
