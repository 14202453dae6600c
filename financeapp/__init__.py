"""financeapp: a self-hosted money manager. `create_app()` builds the Flask app."""

from __future__ import annotations

import importlib
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, g
from flask.json.provider import DefaultJSONProvider

from config import (
    INSECURE_SECRET_KEYS,
    INSTANCE_DIR,
    config_for,
    development_secret_key,
    engine_options,
    normalise_database_url,
)
from financeapp.core import crypto, hosts, proxies, versions

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
    init_domains(app)
    versions.init_app(app)
    init_errors(app)
    init_jinja(app)
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
    hosts.finish_base_url(app)
    crypto.init_encryption(app, INSTANCE_DIR)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # Forwarded headers only from the proxies TRUSTED_PROXIES names (core/proxies.py); none by default.
    app.wsgi_app = proxies.wrap(app.wsgi_app, app.config.get("TRUSTED_PROXIES"))  # type: ignore[method-assign]


def init_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Werkzeug's own access log would duplicate our request line.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def init_extensions(app: Flask) -> None:
    from financeapp import models  # noqa: F401 (every table in the metadata before the first query)
    from financeapp.core import http
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
    http.init_http(app)
    hosts.init_hosts(app)
    with app.app_context():
        crypto.check_key_matches_data(app, db.engine)  # a wrong ENCRYPTION_KEY stops here, loudly


# Every domain package, in registration order: each one's `init_app` registers its blueprint, request
# hooks, listeners and `flask` commands. `ops` (logs, metrics, outage answers) comes first; then `auth`
# (its hooks check CSRF and tokens before the workspace is resolved); `api` comes last, since API modules
# of other domains attach routes to its blueprint.
DOMAINS = (
    "ops",
    "auth", "workspaces", "dashboard", "health", "accounts", "transactions", "categories", "payees", "labels",
    "rates", "receipts", "notifications", "imports", "rules", "exports", "budgets", "goals", "debts", "recurring",
    "jobs", "reports", "settings", "members", "demo", "vendors", "documents", "insights", "investments", "security",
    "api",
)


def init_domains(app: Flask) -> None:
    for name in DOMAINS:
        importlib.import_module(f"financeapp.{name}").init_app(app)


def init_errors(app: Flask) -> None:
    from financeapp.core.errors import register_error_handlers

    register_error_handlers(app)


def init_jinja(app: Flask) -> None:
    from financeapp.core.money import format_money
    from financeapp.core.validation import decimal_mark

    def money(amount: Decimal | None, currency: str | None = None) -> str:
        workspace = g.get("workspace")
        return format_money(amount, currency or (workspace.base_currency if workspace else "USD"))

    app.jinja_env.filters["money"] = money
    app.jinja_env.globals["decimal_mark"] = decimal_mark

    # The main navigation, in order; an entry shows once its blueprint exists.
    nav = [
        ("dashboard.index", "Dashboard", "speedometer2"),
        ("accounts.index", "Accounts", "bank"),
        ("transactions.index", "Transactions", "list-ul"),
        ("budgets.index", "Budgets", "pie-chart"),
        ("reports.index", "Reports", "graph-up"),
        ("insights.index", "Insights", "lightbulb"),
        ("documents.index", "Documents", "receipt"),
    ]
    nav_more = [  # Import leads the More menu: the bar must fit at 1200 px with its labels
        ("imports.index", "Import", "upload"),
        ("categories.index", "Categories", "tags"),
        ("payees.index", "Payees", "shop"),
        ("vendors.index", "Vendors", "building"),
        ("labels.index", "Labels", "bookmark"),
        ("rules.index", "Rules", "magic"),
        ("investments.index", "Investments", "graph-up-arrow"),
        ("goals.index", "Goals", "flag"),
        ("debts.index", "Debts and loans", "credit-card"),
        ("recurring.index", "Recurring and bills", "arrow-repeat"),
        ("rates.index", "Exchange rates", "currency-exchange"),
        ("exports.index", "Export and restore", "download"),
    ]

    @app.context_processor
    def navigation() -> dict[str, Any]:
        return {
            "nav_items": [item for item in nav if item[0] in app.view_functions],
            "nav_more": [item for item in nav_more if item[0] in app.view_functions],
        }
