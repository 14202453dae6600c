"""Two gunicorn instances and an RQ worker on loopback, one MariaDB and one Redis of our own.

Runs when SCALEOUT_DATABASE_URL names a MariaDB database this test may drop and create (.ci/run
sets it; `make test` skips with that reason). The Redis is started here on a free port and
stopped here; MariaDB is the machine's server, but only the named database is touched. Every
wait is bounded; the whole module takes about a minute.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.servers import VENV_BIN, Gunicorn, RedisServer, free_port, wait_until
from financeapp import create_app
from financeapp.accounts.models import number_digest
from financeapp.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_account, make_user, personal_workspace
from tests.imports.conftest import ofx_file, ofx_statement
from tests.ops.http_client import Browser

pytestmark = pytest.mark.scaleout

URL = os.environ.get("SCALEOUT_DATABASE_URL", "")
ROOT = Path(__file__).resolve().parents[2]
EMAIL = "scale@example.com"
ROWS = 20_000  # a commit that takes a few seconds on MariaDB, long enough to kill a worker in


def _require() -> None:
    reason = "set SCALEOUT_DATABASE_URL to a MariaDB database URL (the test drops and re-creates it); .ci/run does"
    if not URL.startswith("mysql"):
        if os.environ.get("FINANCEAPP_REQUIRE_SCALEOUT"):
            pytest.fail(reason)
        pytest.skip(reason)


@dataclass
class Cluster:
    a: Gunicorn
    b: Gunicorn
    redis: RedisServer
    env: dict[str, str]
    folder: Path
    worker: subprocess.Popen | None = None
    worker_log: Any = None

    def start_worker(self) -> None:
        self.worker_log = open(self.folder / "worker.log", "ab")  # noqa: SIM115 (closed in kill_worker)
        self.worker = subprocess.Popen(
            [str(VENV_BIN / "rq"), "worker", "financeapp", "--url", self.redis.url, "--quiet"],
            cwd=ROOT, env={**os.environ, **self.env}, stdout=self.worker_log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def kill_worker(self) -> None:
        """SIGKILL the worker and its work horse (RQ forks one per job into a session of its own)."""
        if self.worker is None:
            return
        for pid in [*_children(self.worker.pid), self.worker.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.worker.wait(10)
        self.worker_log.close()
        self.worker = None


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture(scope="module")
def helper_app(tmp_path_factory):
    """The test's own view of the database (create users, read back what the instances wrote)."""
    _require()
    from tests.conftest import _create_mysql_database

    _create_mysql_database(URL)
    folder = tmp_path_factory.mktemp("scaleout")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": URL, "UPLOAD_FOLDER": str(folder / "uploads")})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        user = make_user(EMAIL)
        make_account(personal_workspace(user), "Checking", number="99887766")
        db.session.remove()
    app.config["SCALEOUT_FOLDER"] = folder
    return app


@pytest.fixture(scope="module")
def cluster(helper_app) -> Iterator[Cluster]:
    folder: Path = helper_app.config["SCALEOUT_FOLDER"]
    redis = RedisServer(free_port(16379, 16399)).start()
    port_a = free_port(18000, 18099)
    env = {"FINANCEAPP_ENV": "production", "SECRET_KEY": "s" * 40, "INSECURE_COOKIES": "1", "DATABASE_URL": URL,
           "REDIS_URL": redis.url, "UPLOAD_FOLDER": str(folder / "uploads"), "LOGIN_RATE_LIMIT": "3 per minute",
           "BASE_URL": f"http://127.0.0.1:{port_a}", "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "ENCRYPTION_KEY": helper_app.config["ENCRYPTION_KEY"]}
    a = Gunicorn(port_a, env, workers=2, log=folder / "a.log").start(seconds=90)
    b = Gunicorn(free_port(port_a + 1, 18099), env, workers=2, log=folder / "b.log").start(seconds=90)
    group = Cluster(a, b, redis, env, folder)
    group.start_worker()
    yield group
    group.kill_worker()
    a.stop()
    b.stop()
    redis.stop()


@pytest.fixture
def browser(cluster) -> Browser:
    browser = Browser()
    _forget_limits(cluster)
    assert browser.sign_in(cluster.a.url, EMAIL, DEFAULT_PASSWORD).status == 302
    return browser


def _forget_limits(cluster: Cluster) -> None:
    from redis import Redis

    connection = Redis.from_url(cluster.redis.url)
    keys = list(connection.scan_iter("LIMITS*"))
    if keys:
        connection.delete(*keys)
    connection.close()


def _count(helper_app, sql: str, **params) -> int:
    with helper_app.app_context():
        with db.engine.connect() as conn:
            value = conn.scalar(sa.text(sql), params)
        db.session.remove()
    return int(value or 0)


def test_a_session_from_a_works_on_b_and_a_write_on_a_is_read_on_b(cluster, browser):
    page = browser.get(cluster.b.url, "/dashboard")
    assert page.status == 200 and "Sign out" in page.text  # the cookie A set is a session on B
    created = browser.post(cluster.a.url, "/labels/", {"name": "written-on-a"}, page="/labels/")
    assert created.status in (200, 302), created.status
    assert "written-on-a" in browser.get(cluster.b.url, "/labels/").text


def test_sign_in_limits_are_shared_by_the_instances(cluster):
    _forget_limits(cluster)
    attacker = Browser()
    wrong = {"email": EMAIL, "password": "not-the-password"}
    assert attacker.post(cluster.a.url, "/auth/login", wrong).status != 429
    assert attacker.post(cluster.a.url, "/auth/login", wrong).status != 429
    assert attacker.post(cluster.b.url, "/auth/login", wrong).status != 429
    # Each instance alone has seen fewer than 3 (A: 2, B: 1); together they have seen 3.
    assert attacker.post(cluster.a.url, "/auth/login", wrong).status == 429
    assert attacker.post(cluster.b.url, "/auth/login", wrong).status == 429
    _forget_limits(cluster)


def _batch_state(helper_app, batch_id: int) -> tuple[str, int]:
    with helper_app.app_context():
        with db.engine.connect() as conn:
            status, imported = conn.execute(sa.text("SELECT status, rows_imported FROM import_batches WHERE id = :i"),
                                            {"i": batch_id}).one()
        db.session.remove()
    return status, imported


def _progress(browser: Browser, base: str, batch_id: int) -> int:
    bar = browser.get(base, f"/imports/{batch_id}/progress", headers={"HX-Request": "true"}).text
    match = re.search(r'value="(\d+)"', bar)
    return int(match.group(1)) if match else -1


def test_an_import_job_from_a_runs_on_the_worker_and_survives_the_worker_being_killed(
        cluster, browser, helper_app):
    rows = [(f"S{n}", f"2025{(n % 12) + 1:02d}{(n % 27) + 1:02d}", f"-{(n % 900) + 1}.{n % 100:02d}", f"SHOP {n % 50}")
            for n in range(ROWS)]
    data = ofx_file(ofx_statement(rows, acctid="99887766"))
    uploaded = browser.post(cluster.a.url, "/imports/", files={"file": ("big.ofx", data)}, page="/imports/")
    assert uploaded.status == 302, uploaded.text[:500]
    batch_id = int(re.search(r"/imports/(\d+)/", uploaded.headers["Location"]).group(1))
    with helper_app.app_context():  # the number itself is encrypted: found by its keyed hash (issue 11)
        digest = number_digest("99887766")
    account_id = _count(helper_app, "SELECT id FROM accounts WHERE number_digest = :digest", digest=digest)
    chosen = browser.post(cluster.a.url, f"/imports/{batch_id}/accounts", {"account_0": str(account_id)})
    assert chosen.headers["Location"].endswith(f"/imports/{batch_id}/progress")  # queued: a worker analyses it
    wait_until(lambda: _batch_state(helper_app, batch_id)[0] == "staged", seconds=120, what="the analysis job")

    committed = browser.post(cluster.b.url, f"/imports/{batch_id}/preview", {"action": "commit"})
    assert committed.headers["Location"].endswith(f"/imports/{batch_id}/progress")
    wait_until(lambda: _progress(browser, cluster.a.url, batch_id) > 0, seconds=120, what="the commit job starting",
               step=0.05)
    cluster.kill_worker()
    assert _batch_state(helper_app, batch_id)[0] == "running", "the commit finished before the worker was killed"
    time.sleep(1)  # MariaDB notices the dead connection and rolls its transaction back
    assert _count(helper_app, "SELECT COUNT(*) FROM transactions WHERE import_id = :b", b=batch_id) == 0

    # RQ re-queues a job whose worker stopped heartbeating (Retry(max=2)) when its registry is next
    # cleaned, about 90 s later; the clock is moved on for the cleanup instead of waiting.
    from redis import Redis
    from rq import Queue
    from rq.registry import StartedJobRegistry

    queue = Queue("financeapp", connection=Redis.from_url(cluster.redis.url))
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
    assert queue.count == 1
    cluster.start_worker()
    wait_until(lambda: _batch_state(helper_app, batch_id)[0] == "committed", seconds=180, what="the retried commit")
    assert _batch_state(helper_app, batch_id) == ("committed", ROWS)
    assert _count(helper_app, "SELECT COUNT(*) FROM transactions WHERE import_id = :b", b=batch_id) == ROWS


def test_pages_keep_serving_with_redis_stopped(cluster, browser):
    cluster.kill_worker()
    cluster.redis.stop()
    for base in (cluster.a.url, cluster.b.url):
        assert browser.get(base, "/dashboard").status == 200
        assert browser.get(base, "/transactions/").status == 200
    other = Browser()
    assert other.sign_in(cluster.b.url, EMAIL, DEFAULT_PASSWORD).status == 302  # limits fall back to memory
    assert other.get(cluster.a.url, "/accounts/").status == 200
