"""Shared fixtures: one app and schema per session (built by the migrations), clean tables per test.

`TEST_DATABASE_URL` switches the whole suite to MySQL/MariaDB; the database is created when missing.
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade

from financeapp import create_app
from financeapp.extensions import db, limiter
from financeapp.reports import totals
from tests.factories import DEFAULT_PASSWORD

# ../shared beside the checkout; SHARED_DIR points elsewhere (a git worktree one level further down).
SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared")


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if url.startswith("mysql"):
        _create_mysql_database(url)
    return url


def _create_mysql_database(url: str) -> None:
    parsed = sa.make_url(url)
    name = parsed.database
    if not name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise pytest.UsageError("TEST_DATABASE_URL needs a plain database name")
    server = sa.create_engine(parsed.set(database=""))
    with server.begin() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    server.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests never reuse the test's own app context.

    Flask reuses an app context that is already pushed, which would leak the
    logged-in user and the DB session between requests; each request runs in a
    fresh contextvars context instead, as it would in a real server.
    """

    def open(self, *args, **kwargs):
        _end_test_transaction()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        _end_test_transaction()
        return response


def _end_test_transaction() -> None:
    """End the test's own transaction around each request, as separate requests would.

    On MariaDB (REPEATABLE READ) a transaction keeps reading its first snapshot, so a test
    holding one open would not see what the request just committed.
    """
    if has_app_context():
        db.session.commit()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = _database_url(tmp_path_factory)
    uploads = tmp_path_factory.mktemp("uploads")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(uploads)})
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade(revision="heads")  # the schema comes from the migrations, tested on every run
    yield app


@pytest.fixture(autouse=True)
def _limiter_state_restored() -> Iterator[None]:
    """Flask-Limiter keeps one state (enabled, storage) for every app in the process: a test that builds
    a second app with limits on would otherwise rate-limit every later test's sign-ins."""
    saved = dict(limiter.__dict__)
    yield
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)


# The data version's one row is part of the schema (migration 1702), like alembic_version.
KEPT_TABLES = {"data_versions"}


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        _check_monthly_totals()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in KEPT_TABLES:
                    conn.execute(table.delete())


def _check_monthly_totals() -> None:
    """Every write path must keep the reports' monthly totals equal to the ledger (see reports/totals.py)."""
    with db.engine.connect() as conn:
        wrong = totals.differences(conn)
    if wrong:
        pytest.fail("monthly totals disagree with the ledger after this test (a write path did not mark them):\n"
                    + "\n".join(map(repr, wrong[:10])), pytrace=False)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An app context for service tests (view tests must not hold one open)."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


class Auth:
    def __init__(self, client: FlaskClient):
        self.client = client

    def login(self, email: str, password: str = DEFAULT_PASSWORD, **extra):
        return self.client.post("/auth/login", data={"email": email, "password": password, **extra})

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)
