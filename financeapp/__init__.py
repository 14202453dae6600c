"""financeapp: a self-hosted money manager. `create_app()` builds the Flask app."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from config import (
    INSECURE_SECRET_KEYS,
    config_for,
    development_secret_key,
    engine_options,
    normalise_database_url,
)

ROOT = Path(__file__).resolve().parent.parent


class JSONProvider(DefaultJSONProvider):
    """JSON that sends Decimal money as strings, never floats."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        return DefaultJSONProvider.default(o)


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.json = JSONProvider(app)
    app.config.from_object(config_for(config_name))
    if overrides:
        app.config.update(overrides)
    _finish_config(app)
    init_logging(app)
    init_extensions(app)
    init_blueprints(app)
    init_errors(app)
    init_jinja(app)
    init_cli(app)
    return app


def _finish_config(app: Flask) -> None:
    url = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if not app.config.get("SQLALCHEMY_ENGINE_OPTIONS"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(url)
    if not app.config.get("SECRET_KEY") and app.config.get("GENERATE_SECRET_KEY"):
        app.config["SECRET_KEY"] = development_secret_key()
    if app.config.get("REQUIRE_SECRET_KEY"):
        key = app.config.get("SECRET_KEY") or ""
        if key in INSECURE_SECRET_KEYS or len(key) < 32:
            raise RuntimeError(
                "Production needs a real SECRET_KEY (32+ random characters) in the environment. "
                'Generate one with: python3 -c "import secrets; print(secrets.token_hex(32))"'
            )
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if app.config.get("TRUST_PROXY") or app.config.get("PREFERRED_URL_SCHEME") == "https":
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]


def init_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Werkzeug's own access log would duplicate our request line.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def init_extensions(app: Flask) -> None:
    from financeapp.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = app.config.get("SESSION_PROTECTION", "strong")

    from financeapp.auth.loader import init_login

    init_login(login_manager)
    from financeapp.core import http

    http.init_http(app)
    from financeapp.core.scoping import load_current_workspace

    app.before_request(load_current_workspace)
    _import_models()


MODEL_PACKAGES = (
    "workspaces", "auth", "accounts", "categories", "payees", "labels", "transactions", "receipts", "rates",
    "notifications", "imports", "rules", "exports", "budgets", "goals", "debts", "recurring", "jobs", "reports",
    "settings", "members", "vendors", "documents",
)


def _import_models() -> None:
    """Every model module, so metadata (and Alembic) sees every table."""
    import importlib

    for package in MODEL_PACKAGES:
        importlib.import_module(f"financeapp.{package}.models")


# Each domain's modules that register routes or signal listeners when imported.
ROUTE_MODULES = {
    "auth": ["views"],
    "workspaces": ["views"],
    "dashboard": ["views"],
    "health": ["views"],
    "accounts": ["views"],
    "transactions": ["views"],
    "categories": ["views", "signals"],
    "payees": ["views"],
    "labels": ["views"],
    "rates": ["views"],
    "receipts": ["views"],
    "notifications": ["views"],
    "imports": ["views"],
    "rules": ["views"],
    "exports": ["views"],
    "budgets": ["views"],
    "goals": ["views"],
    "debts": ["views"],
    "recurring": ["views"],
    "jobs": ["views"],
    "reports": ["views", "totals"],
    "settings": ["views"],
    "members": ["views"],
    "api": ["me", "accounts", "transactions", "categories", "openapi"],
}
# Extra API modules (with their own routes on the api blueprint), imported when present.
OPTIONAL_API_MODULES = ("debts", "reports", "planning", "imports", "budgets")


def init_blueprints(app: Flask) -> None:
    import importlib
    import importlib.util

    for package, modules in ROUTE_MODULES.items():
        for module in modules:
            importlib.import_module(f"financeapp.{package}.{module}")
    for module in OPTIONAL_API_MODULES:
        if importlib.util.find_spec(f"financeapp.api.{module}") is not None:
            importlib.import_module(f"financeapp.api.{module}")
    domains = [importlib.import_module(f"financeapp.{package}") for package in ROUTE_MODULES]
    for module in domains:
        app.register_blueprint(module.bp)


def init_errors(app: Flask) -> None:
    from financeapp.core.errors import register_error_handlers

    register_error_handlers(app)


def init_jinja(app: Flask) -> None:
    from financeapp.core.money import format_money
    from financeapp.core.scoping import has_role

    def money(amount: Decimal | None, currency: str | None = None) -> str:
        from flask_login import current_user

        workspace = g.get("workspace")
        code = currency or (workspace.base_currency if workspace else "USD")
        locale = getattr(current_user, "locale", None) or app.config["DEFAULT_LOCALE"]
        return format_money(amount, code, locale)

    app.jinja_env.filters["money"] = money

    # The main navigation, in order; an entry shows once its blueprint exists.
    nav = [
        ("dashboard.index", "Dashboard", "speedometer2"),
        ("accounts.index", "Accounts", "bank"),
        ("transactions.index", "Transactions", "list-ul"),
        ("budgets.index", "Budgets", "pie-chart"),
        ("reports.index", "Reports", "graph-up"),
        ("imports.index", "Import", "upload"),
    ]
    nav_more = [
        ("categories.index", "Categories", "tags"),
        ("payees.index", "Payees", "shop"),
        ("labels.index", "Labels", "bookmark"),
        ("rules.index", "Rules", "magic"),
        ("goals.index", "Goals", "flag"),
        ("debts.index", "Debts and loans", "credit-card"),
        ("recurring.index", "Recurring and bills", "arrow-repeat"),
        ("rates.index", "Exchange rates", "currency-exchange"),
        ("exports.index", "Export and restore", "download"),
    ]

    @app.context_processor
    def navigation() -> dict[str, Any]:
        from flask_login import current_user

        from financeapp.workspaces.services import memberships_of

        role = g.membership.role if g.get("membership") else None
        try:
            memberships = (
                memberships_of(current_user)
                if current_user.is_authenticated and not request.path.startswith("/api/")
                else []
            )
        except Exception:  # an error page must render even when the database is down
            memberships = []
        return {
            "nav_items": [item for item in nav if item[0] in app.view_functions],
            "nav_more": [item for item in nav_more if item[0] in app.view_functions],
            "current_workspace": g.get("workspace"),
            "current_role": role,
            "can": lambda needed: has_role(role, needed),
            "nav_memberships": memberships,
        }


# Modules with `flask` commands: each module-level click group is registered; modules that
# only add commands to another domain's group (e.g. `flask workspaces export`) are just imported.
CLI_MODULES = ("auth", "workspaces", "demo", "imports", "exports", "rules", "jobs", "debts", "recurring",
               "budgets", "settings", "members", "goals", "reports")


def init_cli(app: Flask) -> None:
    import importlib
    import importlib.util

    import click

    for package in CLI_MODULES:
        name = f"financeapp.{package}.cli"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, click.Group) and value.name not in app.cli.commands:
                app.cli.add_command(value)
