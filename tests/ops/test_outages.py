"""Outages: the database or Redis away gives 503 with Retry-After (never a 500), /readyz answers in time."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.servers import free_port
from financeapp import create_app
from financeapp.auth.tokens import NewToken, create_token
from financeapp.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user, personal_workspace


def closed_port_url() -> str:
    """A MariaDB URL on a loopback port nobody listens on: every connection is refused at once."""
    return f"mysql+pymysql://root@127.0.0.1:{free_port(13390, 13399)}/financeapp"


def app_on(url: str, tmp_path: Path, **settings):
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                                  **settings})


@pytest.fixture
def hung_port() -> Iterator[int]:
    """A port that accepts TCP connections and then never says a word (a database hung mid-restart)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", free_port(13380, 13389)))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


def test_a_page_answers_503_with_retry_after_when_the_database_is_unreachable(tmp_path):
    broken = app_on(closed_port_url(), tmp_path, RAISE_UNEXPECTED=True)  # a 500 would raise here
    response = broken.test_client().post("/auth/login", data={"email": "a@example.com", "password": "x" * 12})
    assert_unavailable(response)
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "briefly unavailable" in page and "nothing you saved is lost" in page
    assert "<nav" in page and 'href="/auth/login"' in page  # the layout, as for a signed-out visitor


def test_a_signed_in_page_answers_503_too(client, auth, ctx, app, tmp_path):
    make_user("outage@example.com")
    assert auth.login("outage@example.com").status_code == 302
    broken = app_on(closed_port_url(), tmp_path, RAISE_UNEXPECTED=True, SECRET_KEY=app.config["SECRET_KEY"])
    other = broken.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    response = other.get("/dashboard")
    assert_unavailable(response)
    assert "briefly unavailable" in response.get_data(as_text=True)


def test_the_api_answers_a_problem_503(ctx, app, tmp_path):
    user = make_user("outage-api@example.com")
    _, raw = create_token(user, personal_workspace(user), NewToken(name="script"))
    db.session.commit()
    broken = app_on(closed_port_url(), tmp_path, RAISE_UNEXPECTED=True)
    response = broken.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert_unavailable(response)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 503 and body["title"] == "Service unavailable" and "database" in body["detail"]


def readyz(flask_app) -> tuple[float, object]:
    started = time.perf_counter()
    response = flask_app.test_client().get("/readyz")
    return time.perf_counter() - started, response


def test_readyz_answers_within_a_second_when_the_database_refuses(tmp_path):
    seconds, response = readyz(app_on(closed_port_url(), tmp_path))
    assert seconds < 1.0
    assert_unavailable(response)
    assert response.json["database"] == "unreachable" and response.json["uploads"] == "ok"


def test_readyz_answers_within_a_second_when_the_database_hangs(tmp_path, hung_port):
    hung = app_on(f"mysql+pymysql://root@127.0.0.1:{hung_port}/financeapp", tmp_path)
    seconds, response = readyz(hung)
    assert seconds < 1.0
    assert_unavailable(response)
    assert response.json["database"] == "timeout"
    seconds, again = readyz(hung)  # the first check is still stuck: no second thread waits on it
    assert seconds < 0.5 and again.json["database"] == "timeout"


def test_readyz_checks_our_own_redis_and_says_when_it_stopped(app, tmp_path, redis_server):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with_redis = app_on(url, tmp_path, REDIS_URL=redis_server.url)
    assert readyz(with_redis)[1].json == {"status": "ok", "database": "ok", "migrations": "ok", "uploads": "ok",
                                          "redis": "ok"}
    redis_server.stop()
    seconds, response = readyz(with_redis)
    assert seconds < 1.0
    assert_unavailable(response)
    assert response.json["redis"] == "unreachable" and response.json["database"] == "ok"


def test_readyz_is_503_when_the_upload_folder_cannot_take_files(app, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    stuck = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                   "UPLOAD_FOLDER": str(blocker / "uploads")})
    response = readyz(stuck)[1]
    assert_unavailable(response)
    assert response.json["uploads"] == "not writable" and response.json["database"] == "ok"


def test_readyz_is_503_while_migrations_are_behind(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(sa.text("INSERT INTO alembic_version VALUES ('0005')"))
    engine.dispose()
    response = readyz(app_on(url, tmp_path))[1]
    assert_unavailable(response)
    assert response.json["database"] == "ok" and response.json["migrations"] == "behind (at 0005)"


def test_pages_keep_working_and_limits_keep_counting_with_redis_down(app, ctx, tmp_path, redis_server):
    make_user("limits@example.com")
    redis_server.stop()
    limited = app_on(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, RAISE_UNEXPECTED=True,
                     REDIS_URL=redis_server.url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_server.url,
                     LOGIN_RATE_LIMIT="3 per minute")
    signed_in = limited.test_client()
    assert signed_in.get("/auth/login").status_code == 200
    assert signed_in.post("/auth/login", data={"email": "limits@example.com",
                                               "password": DEFAULT_PASSWORD}).status_code == 302
    assert signed_in.get("/dashboard").status_code == 200
    client = limited.test_client()
    statuses = [client.post("/auth/login", data={"email": "limits@example.com", "password": "wrong-password-1"})
                .status_code for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429  # the limit still counts, in this process's memory
