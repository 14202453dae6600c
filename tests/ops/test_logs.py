"""financeapp/ops/logs.py: JSON lines with the request's context, secrets redacted, the request id in jobs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from financeapp.ops import logs
from financeapp.ops.queue import enqueue
from tests.factories import DEFAULT_PASSWORD, make_user, personal_workspace


class Captured:
    def __init__(self, stream: io.StringIO):
        self.stream = stream

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def captured() -> Iterator[Captured]:
    """The JSON handler configure_logging installs, on a buffer, for every financeapp logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.json_formatter())
    logs._add_filters(handler)
    logger = logging.getLogger("financeapp")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield Captured(stream)
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_a_request_line_is_json_with_the_request_id_sent(client, auth, ctx, captured):
    user = make_user("json@example.com")
    workspace = personal_workspace(user)
    auth.login("json@example.com")
    client.get("/accounts/", headers={"X-Request-ID": "trace-0123456789abcdef"})
    line = next(entry for entry in captured.lines() if entry.get("request_id") == "trace-0123456789abcdef")
    assert line["level"] == "INFO" and line["logger"] == "financeapp.request"
    assert line["route"] == "/accounts/" and line["status"] == 200 and line["method"] == "GET"
    assert isinstance(line["ms"], float) and line["ms"] > 0
    assert line["user_id"] == user.id and line["workspace_id"] == workspace.id
    assert line["time"][:4].isdigit() and "GET /accounts/ 200" in line["message"]


def test_an_anonymous_request_logs_no_user(client, captured):
    client.get("/auth/login", headers={"X-Request-ID": "anonymous-request-1"})
    line = next(entry for entry in captured.lines() if entry.get("request_id") == "anonymous-request-1")
    assert line["user_id"] is None and line["workspace_id"] is None and line["route"] == "/auth/login"


def test_secrets_never_reach_the_log(client, ctx, captured, app, monkeypatch):
    from financeapp.auth.tokens import NewToken, create_token
    from financeapp.extensions import db

    user = make_user("secret@example.com")
    _, raw = create_token(user, personal_workspace(user), NewToken(name="script", scope="read"))
    db.session.commit()
    client.post("/auth/login", data={"email": "secret@example.com", "password": DEFAULT_PASSWORD})
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    client.get("/api/v1/me", headers={"Authorization": "Bearer fa_wrongbutsecretlooking000000"})
    reset = "Zm9vYmFyYmF6cXV1eDEyMzQ1Njc4OTAxMjM0NTY3ODkw"
    client.get(f"/auth/reset/{reset}")
    logging.getLogger("financeapp.test").warning("connecting with password=%s to %s", "hunter2-secret",
                                                 "mysql+pymysql://root:dbpass-secret@127.0.0.1/x")
    logging.getLogger("financeapp.test").info("sent", extra={"api_token": raw, "smtp_password": "smtp-secret"})
    text = captured.text()
    assert captured.lines(), "nothing was logged"
    for secret in (raw, DEFAULT_PASSWORD, "fa_wrongbutsecretlooking000000", reset, "hunter2-secret",
                   "dbpass-secret", "smtp-secret"):
        assert secret not in text, secret
    assert "[redacted]" in text


@pytest.mark.parametrize(("text", "expected"), [
    ("Authorization: Bearer fa_abcdefghijklmnopqrstuvwxyz", "Authorization: Bearer [redacted]"),
    ("token fa_abcdefghijklmnop used", "token [redacted] used"),
    ("password=correct-horse&next=/", "password=[redacted]&next=/"),
    ('{"secret": "webhook-signing-secret"}', '{"secret": "[redacted]"}'),
    ("redis://:redispass@127.0.0.1:6379/0", "redis://:[redacted]@127.0.0.1:6379/0"),
    ("GET /accounts/ 200 12.0ms", "GET /accounts/ 200 12.0ms"),
])
def test_redact(text, expected):
    assert logs.redact(text) == expected


class RecordingQueue:
    def __init__(self):
        self.calls = []

    def enqueue(self, func, *args, **kwargs):
        self.calls.append((func, args, kwargs))


def test_the_request_id_travels_into_the_job_meta(app):
    queue = RecordingQueue()
    with app.test_request_context("/imports/", headers={"X-Request-ID": "from-the-page-42"}):
        app.preprocess_request()
        assert enqueue(queue, print, 1, job_timeout=5) is True
    func, args, kwargs = queue.calls[0]
    assert (func, args, kwargs["job_timeout"]) == (print, (1,), 5)
    assert kwargs["meta"] == {"request_id": "from-the-page-42"}


def test_a_job_logs_the_request_id_of_the_request_that_enqueued_it(captured, monkeypatch):
    class Job:
        meta = {"request_id": "from-the-page-43"}

    import rq

    monkeypatch.setattr(rq, "get_current_job", lambda: Job())
    logging.getLogger("financeapp.imports").info("import 1 commit done")
    assert captured.lines()[-1]["request_id"] == "from-the-page-43"


def test_enqueue_says_so_when_redis_is_unreachable(app):
    from redis import Redis
    from rq import Queue

    queue = Queue("financeapp", connection=Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5))
    with app.test_request_context("/"):
        assert enqueue(queue, print, 1) is False


def test_the_context_reads_ids_of_expired_rows_without_a_query(ctx):
    """After a rollback (what the outage handler does) the rows are expired; logging must not query the
    database that just failed to learn their ids (seen as 500s during a MariaDB restart)."""
    import sqlalchemy as sa

    from financeapp.extensions import db

    user = make_user("expired@example.com")
    workspace = personal_workspace(user)
    expected = (user.id, workspace.id)
    db.session.rollback()  # expires both
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert (logs._row_id(user), logs._row_id(workspace)) == expected
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert statements == []
