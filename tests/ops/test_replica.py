"""Reads from a real MariaDB replica: two private mariadbd instances with binlog replication.

The replica is frozen (its SQL thread stopped) so that it visibly lags; then a list page shows
what the replica has, pages outside READ_FROM_REPLICA and a browser that just wrote see the
primary, and a stopped replica sends reads back to the primary. Skipped with the reason when
mariadbd cannot be started here (never in .ci/run, which sets FINANCEAPP_REQUIRE_SCALEOUT=1).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from datetime import date

import pytest

from bench.servers import INSTALL_DB, MARIADBD, MariaDB, free_port
from financeapp import create_app
from financeapp.extensions import db
from financeapp.ops.replica import READ_FROM_REPLICA
from tests.conftest import IsolatedClient
from tests.factories import DEFAULT_PASSWORD, make_account, make_transaction, make_user, personal_workspace

pytestmark = pytest.mark.scaleout

EMAIL = "replica@example.com"
LAG = 0.5  # seconds a browser reads from the primary after writing


def _servers_or_skip() -> None:
    missing = [path for path in (MARIADBD, INSTALL_DB) if not shutil.which(path) and not os.path.exists(path)]
    if missing:
        reason = f"cannot start private MariaDB instances: {', '.join(missing)} not installed"
        if os.environ.get("FINANCEAPP_REQUIRE_SCALEOUT"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Iterator[tuple[MariaDB, MariaDB]]:
    _servers_or_skip()
    folder = tmp_path_factory.mktemp("replication")
    port = free_port(13320, 13339)
    primary = MariaDB(folder / "primary", port, server_id=1, log_bin=True).start()
    replica = MariaDB(folder / "replica", free_port(port + 1, 13339), server_id=2).start()
    try:
        replica.replicate_from(primary)
        primary.sql("CREATE DATABASE financeapp CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()


@pytest.fixture(scope="module")
def replicated_app(pair):
    primary, replica = pair
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": primary.url("financeapp"),
                                 "DATABASE_REPLICA_URL": replica.url("financeapp"),
                                 "DATABASE_REPLICA_LAG_SECONDS": LAG})
    app.test_client_class = IsolatedClient
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        user = make_user(EMAIL)
        account = make_account(personal_workspace(user), "Checking")
        make_transaction(account, "-10.00", on=date(2026, 3, 1), memo="seen-everywhere")
        db.session.remove()
    replica.wait_replicated(primary)
    yield app
    with app.app_context():
        db.engine.dispose()
        app.extensions["financeapp_replica"].engine.dispose()


def signed_in(app) -> IsolatedClient:
    client = app.test_client()
    assert client.post("/auth/login", data={"email": EMAIL, "password": DEFAULT_PASSWORD}).status_code == 302
    time.sleep(LAG + 0.2)  # signing in wrote to the primary; let that browser's primary-only window pass
    return client


def test_list_pages_read_the_replica_and_the_rest_reads_the_primary(pair, replicated_app):
    primary, replica = pair
    client = signed_in(replicated_app)
    replica.sql("STOP SLAVE SQL_THREAD")  # the replica now lags behind whatever is written next
    try:
        with replicated_app.app_context():
            account = make_account(personal_workspace(_user()), "Savings")
            hidden = make_transaction(account, "-20.00", on=date(2026, 3, 2), memo="primary-only")
            hidden_id, account_id = hidden.id, account.id
            db.session.remove()

        listed = client.get("/transactions/").get_data(as_text=True)
        assert "seen-everywhere" in listed and "primary-only" not in listed  # from the frozen replica
        assert client.get("/api/v1/transactions").get_json()["meta"]["total"] == 1
        edit = client.get(f"/transactions/{hidden_id}/edit")  # not a replica endpoint: the primary
        assert edit.status_code == 200 and "primary-only" in edit.get_data(as_text=True)
        assert client.get("/dashboard").status_code == 200  # the user and workspace come from the primary

        written = client.post("/api/v1/transactions", json={"account_id": account_id, "date": "2026-03-03",
                                                            "amount": "5.00", "direction": "out",
                                                            "memo": "my-own-write"})
        assert written.status_code == 201
        mine = client.get("/transactions/").get_data(as_text=True)
        assert "my-own-write" in mine and "primary-only" in mine  # read-your-own-writes: the primary
        time.sleep(LAG + 0.2)
        assert "my-own-write" not in client.get("/transactions/").get_data(as_text=True)  # replica again
    finally:
        replica.sql("START SLAVE SQL_THREAD")
    replica.wait_replicated(primary)
    caught_up = client.get("/transactions/").get_data(as_text=True)
    assert "primary-only" in caught_up and "my-own-write" in caught_up


def test_a_stopped_replica_sends_reads_to_the_primary(pair, replicated_app):
    _, replica = pair
    client = signed_in(replicated_app)
    replica.stop()
    try:
        statuses = [client.get("/transactions/").status_code for _ in range(2)]
        assert statuses[0] in (200, 503) and statuses[1] == 200  # at most the first meets the dead replica
        assert "seen-everywhere" in client.get("/transactions/").get_data(as_text=True)
    finally:
        replica.start()


def test_the_replica_endpoints_exist(replicated_app):
    assert set(replicated_app.view_functions) >= READ_FROM_REPLICA


def _user():
    from financeapp.auth.services import find_user

    return find_user(EMAIL)
