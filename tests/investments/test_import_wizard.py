"""Investment statements through the import wizard: upload, accounts, a preview of trades and positions,
commit, the same file again, undo; broker CSVs skip the bank column step."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.imports.models import ImportBatch
from financeapp.investments.models import Trade
from financeapp.transactions.models import Transaction
from tests.conftest import SHARED
from tests.factories import make_account, make_user, personal_workspace
from tests.investments.import_helpers import TRANSACTIONS, counts, holdings, statement
from tests.investments.test_broker_csv_import import SCHWAB

EMAIL = "wizard@example.com"


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user(EMAIL))


def upload(client, data: bytes, name: str):
    response = client.post("/imports/", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/imports/(\d+)/", response.headers["Location"]).group(1)), response.headers["Location"]


def keys(page: str) -> list[str]:
    return re.findall(r'name="shown" value="([^"]+)"', page)


def to_preview(client, data: bytes, name: str, choice: str | None = "new") -> tuple[int, str]:
    """Upload, choose the account (None: the one the page pre-selects) and open the preview."""
    bid, location = upload(client, data, name)
    assert location.endswith(f"/imports/{bid}/accounts")  # no column step, even for a CSV
    page = client.get(f"/imports/{bid}/accounts").get_data(as_text=True)
    assert "Investment" in page
    if choice is None:
        choice = re.search(r'<option value="([^"]+)" selected', page).group(1)
    response = client.post(f"/imports/{bid}/accounts", data={"account_0": choice})
    assert response.headers["Location"].endswith(f"/imports/{bid}/preview"), db.session.get(ImportBatch, bid).message
    return bid, client.get(f"/imports/{bid}/preview").get_data(as_text=True)


def test_an_investment_statement_previews_its_trades_and_positions_then_commits_and_undoes(client, auth, ws):
    auth.login(EMAIL)
    bid, page = to_preview(client, statement(), "march.qfx")
    assert page.count('data-status="new"') == 8  # seven lines and the opening position the statement implies
    assert "Buy 10 ACME at 100" in page and "Split ACME 1 → 2" in page and "Transfer in 3 VFUND" in page
    assert "VFUND 8 held after the import (opening transfer in of 3 added)" in page
    assert counts(ws)["trades"] == 0  # nothing written before the confirmation
    shown = keys(page)
    response = client.post(f"/imports/{bid}/preview", data={"action": "commit", "shown": shown, "include": shown})
    assert response.headers["Location"].endswith(f"/imports/{bid}")
    result = client.get(f"/imports/{bid}").get_data(as_text=True)
    assert "Imported 7 of 7 rows" in result and "Investment BRK-1" in result and "Cash effect" in result
    assert "$1,306.50" in result and "Deletes the trades this import added" in result
    assert counts(ws) == {"trades": 8, "securities": 2, "prices": 2, "accounts": 1, "batches": 1}
    assert holdings(ws) == {"000000001": 15, "US0000000002": 8}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) == 0  # cash is in the trades

    again, page = to_preview(client, statement(), "march.qfx", choice=None)
    assert page.count('data-status="duplicate"') == 7 and 'data-status="new"' not in page
    assert "same statement id (B1): trade #" in page
    client.post(f"/imports/{again}/preview", data={"action": "commit", "shown": keys(page), "include": []})
    assert counts(ws)["trades"] == 8

    response = client.post(f"/imports/{bid}/undo")
    assert response.status_code == 302
    assert counts(ws) == {"trades": 0, "securities": 0, "prices": 0, "accounts": 0, "batches": 2}
    assert db.session.get(ImportBatch, bid).status == "undone"


def test_a_line_left_out_in_the_preview_is_not_imported(client, auth, ws):
    make_account(ws, "Brokerage", type="investment", currency="USD")
    auth.login(EMAIL)
    account = db.session.scalar(sa.text("select id from accounts where name = 'Brokerage'"))
    lines = TRANSACTIONS.split("<INCOME>")[0]  # the deposit and the buy
    bid, page = to_preview(client, statement(lines, positions=""), "two.ofx", choice=str(account))
    shown = keys(page)
    assert shown == ["0:1", "0:2"]
    client.post(f"/imports/{bid}/preview", data={"action": "commit", "shown": shown, "include": ["0:2"]})
    trades = list(db.session.scalars(sa.select(Trade)))
    assert [(t.kind, t.account_id) for t in trades] == [("buy", account)]
    batch = db.session.get(ImportBatch, bid)
    assert (batch.rows_imported, batch.rows_skipped) == (1, 1)


def test_a_statement_with_a_bad_line_shows_it_and_imports_nothing(client, auth, ws):
    auth.login(EMAIL)
    bad = TRANSACTIONS.replace("<DTTRADE>20240201", "<DTTRADE>someday")
    bid, page = to_preview(client, statement(bad), "bad.ofx")
    assert 'data-status="error"' in page and "DTTRADE “someday” is not a date" in page
    client.post(f"/imports/{bid}/preview", data={"action": "commit", "shown": keys(page), "include": keys(page)})
    batch = db.session.get(ImportBatch, bid)
    assert batch.status == "staged" and "Nothing was imported: 1 line has an error: line 3" in batch.message
    assert counts(ws)["trades"] == 0 and counts(ws)["accounts"] == 0


def test_a_broker_csv_goes_straight_to_the_accounts_step_and_imports_its_trades(client, auth, ws):
    auth.login(EMAIL)
    bid, page = to_preview(client, SCHWAB, "schwab.csv")
    assert page.count('data-status="new"') == 5
    assert "Buy 5 VTI at 250.1" in page
    client.post(f"/imports/{bid}/preview", data={"action": "commit", "shown": keys(page), "include": keys(page)})
    assert counts(ws)["trades"] == 5 and holdings(ws) == {"VTI": 3}


FIXTURE = SHARED / "fixtures" / "ofx" / "ofxparse_fidelity.ofx"


@pytest.mark.skipif(not FIXTURE.is_file(), reason="../shared/fixtures is absent (a clone without the shared fixtures)")
def test_a_real_brokerage_statement_through_the_wizard(client, auth, ws):
    auth.login(EMAIL)
    bid, page = to_preview(client, FIXTURE.read_bytes(), FIXTURE.name)
    assert page.count('data-status="new"') == 19  # 17 lines and 2 opening positions
    client.post(f"/imports/{bid}/preview", data={"action": "commit", "shown": keys(page), "include": keys(page)})
    assert db.session.get(ImportBatch, bid).status == "committed"
    assert counts(ws)["trades"] == 19 and counts(ws)["prices"] == 6
    _again, page = to_preview(client, FIXTURE.read_bytes(), FIXTURE.name, choice=None)
    assert page.count('data-status="duplicate"') == 17 and 'data-status="new"' not in page
