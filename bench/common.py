"""What the bench scripts share: paths, database URLs, creating a MariaDB database, the app."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from config import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = f"sqlite:///{RESULTS / 'bench.db'}"
BENCH_PASSWORD = "bench-password-1"


def owner_email(n: int) -> str:
    return f"bench-owner-{n}@example.com"


def database_url(url: str) -> str:
    return normalise_database_url(url)


def masked(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def database_kind(engine: sa.Engine) -> str:
    """sqlite, mariadb or mysql (the dialect name alone does not tell MariaDB from MySQL)."""
    if engine.dialect.name != "mysql":
        return engine.dialect.name
    with engine.connect() as conn:
        version = conn.scalar(sa.text("SELECT VERSION()")) or ""
    return "mariadb" if "mariadb" in version.lower() else "mysql"


def server_version(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        query = "SELECT sqlite_version()" if engine.dialect.name == "sqlite" else "SELECT VERSION()"
        return str(conn.scalar(sa.text(query)))


def prepare_database(url: str, *, fresh: bool) -> None:
    """Create the MySQL/MariaDB database when missing (dropped first with `fresh`); for SQLite, the file."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            if fresh:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = parsed.database
    if not name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"Use a plain database name in the URL, not {name!r}.")
    server = sa.create_engine(parsed.set(database=""))
    with server.begin() as conn:
        if fresh:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(sa.text(
            f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    server.dispose()


def make_app(url: str, **overrides: Any) -> Flask:
    """The real app in-process on `url`: testing config (cheap hashing), errors answered, not raised."""
    from financeapp import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": url, "RAISE_UNEXPECTED": False, **overrides}
    return create_app("testing", settings)


def git_revision() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
