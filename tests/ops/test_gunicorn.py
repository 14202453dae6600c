"""A real gunicorn with two sync workers on loopback: metrics add up across workers, logs are JSON lines.

The server runs deploy/gunicorn.conf.py in production mode on the suite's database, bounded in
time; its stderr (the JSON log) and an access log naming the worker pid of every request are
files this test reads.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.servers import Gunicorn, free_port, wait_until
from financeapp.auth.tokens import NewToken, create_token
from financeapp.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user, personal_workspace

METRICS_TOKEN = "gunicorn-test-metrics-token-0123456789"


class Server:
    def __init__(self, gunicorn: Gunicorn, log: Path, access: Path):
        self.gunicorn, self.log, self.access = gunicorn, log, access

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.gunicorn.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def pids_for(self, path: str) -> Counter:
        """Which worker pids answered `path`, from the access log once it has settled.

        A worker writes the access line after the response has gone out, so wait until two reads
        a moment apart agree (bounded).
        """
        found = self._read_pids(path)
        for _ in range(20):
            time.sleep(0.15)
            again = self._read_pids(path)
            if again == found:
                break
            found = again
        return found

    def _read_pids(self, path: str) -> Counter:
        found: Counter = Counter()
        for line in self.access.read_text().splitlines():
            pid, _, served = line.partition(" ")
            if served == path:
                found[int(pid.strip("<>"))] += 1
        return found

    def json_lines(self) -> list[dict]:
        lines = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def scrape(self) -> str:
        status, body = self.get("/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert status == 200
        return body


@pytest.fixture(scope="module")
def server(app, tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("gunicorn")
    port = free_port(18000, 18099)
    log, access = folder / "stderr.log", folder / "access.log"
    env = {"FINANCEAPP_ENV": "production", "SECRET_KEY": "g" * 40, "INSECURE_COOKIES": "1",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "UPLOAD_FOLDER": str(folder / "uploads"),
           "BASE_URL": f"http://127.0.0.1:{port}", "ENCRYPTION_KEY": app.config["ENCRYPTION_KEY"],
           "LOG_FORMAT": "json", "METRICS_TOKEN": METRICS_TOKEN,
           "REDIS_URL": "", "PROMETHEUS_MULTIPROC_DIR": ""}
    env = {k: v for k, v in env.items() if v or k not in ("PROMETHEUS_MULTIPROC_DIR",)}
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    gunicorn = Gunicorn(port, env, workers=2, log=log,
                        extra_args=("--access-logfile", str(access), "--access-logformat", "%(p)s %(U)s"))
    gunicorn.start(seconds=90)
    yield Server(gunicorn, log, access)
    gunicorn.stop()


def metric(text: str, route: str) -> float:
    match = re.search(rf'^financeapp_http_requests_total\{{method="GET",route="{re.escape(route)}",status="200"\}} '
                      r"(\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_requests_served_by_the_other_worker(server):
    sent = sum(server.pids_for("/healthz").values())  # the start-up probes count too
    with ThreadPoolExecutor(8) as pool:
        for _ in range(10):  # bounded: stop once both workers have answered some
            statuses = list(pool.map(lambda _: server.get("/healthz")[0], range(40)))
            sent += len(statuses)
            assert set(statuses) == {200}
            if len(server.pids_for("/healthz")) == 2:
                break
    workers = server.pids_for("/healthz")
    assert len(workers) == 2 and sum(workers.values()) == sent, workers
    scraped_by: Counter = Counter()
    for _ in range(60):  # scrape until each worker has answered a scrape, each seeing the whole count
        assert metric(server.scrape(), "/healthz") == sent
        scraped_by = server.pids_for("/metrics")
        if len(scraped_by) == 2:
            break
    assert set(scraped_by) == set(workers), "both workers answered /metrics, each with both workers' counts"

    victim = next(iter(workers))
    os.kill(victim, signal.SIGTERM)  # gunicorn replaces it; what it counted stays counted
    wait_until(lambda: server.get("/healthz")[0] == 200 and set(server.pids_for("/healthz")) - set(workers),
               seconds=30, what="a request answered by the replacement worker")
    after = server.scrape()
    assert metric(after, "/healthz") == sum(server.pids_for("/healthz").values())
    assert "financeapp_db_pool_connections_in_use 0.0" in after  # the dead worker's gauge went with it


def test_a_json_log_line_carries_the_request_id_sent(server):
    status, _ = server.get("/healthz", {"X-Request-ID": "gunicorn-trace-0123456789"})
    assert status == 200
    wait_until(lambda: any(line.get("request_id") == "gunicorn-trace-0123456789" for line in server.json_lines()),
               seconds=10, what="the log line")
    line = next(line for line in server.json_lines() if line.get("request_id") == "gunicorn-trace-0123456789")
    assert line["route"] == "/healthz" and line["status"] == 200 and line["level"] == "INFO"
    assert line["logger"] == "financeapp.request" and isinstance(line["ms"], float) and line["time"]


def test_passwords_and_tokens_never_reach_the_server_log(server, ctx):
    user = make_user("gunicorn-secrets@example.com")
    _, raw = create_token(user, personal_workspace(user), NewToken(name="script"))
    db.session.commit()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(server.gunicorn.url + "/auth/login", timeout=20) as response:
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.read().decode()).group(1)
    form = urllib.parse.urlencode({"email": "gunicorn-secrets@example.com", "password": DEFAULT_PASSWORD,
                                   "csrf_token": csrf}).encode()
    with opener.open(server.gunicorn.url + "/auth/login", data=form, timeout=20) as response:
        assert "/auth/login" not in response.url  # signed in and redirected on
    assert server.get("/api/v1/me", {"Authorization": f"Bearer {raw}"})[0] == 200
    assert server.get("/api/v1/me", {"Authorization": "Bearer fa_notarealtokenbutsecret000"})[0] == 401
    time.sleep(0.5)
    text = server.log.read_text()
    assert '"route": "/api/v1/me"' in text
    for secret in (DEFAULT_PASSWORD, raw, "fa_notarealtokenbutsecret000", csrf):
        assert secret not in text
