"""Export pages: the CSV download with filters, the workspace download (owners only), restore by upload."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
import sqlalchemy as sa

from financeapp.exports import services
from financeapp.extensions import db
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Membership, Workspace
from tests.factories import add_member, make_account, make_transaction, make_user, personal_workspace


@pytest.fixture
def olga(app, client, auth):
    with app.app_context():
        user = make_user("olga@example.com", name="Olga")
        ws = personal_workspace(user)
        account = make_account(ws, "Olga checking")
        for day in range(1, 11):
            make_transaction(account, f"-{day}.50", on=date(2026, 2, day), payee="Bakery" if day % 2 else "Cafe")
        ids = {"ws": ws.id, "account": account.id}
    auth.login("olga@example.com")
    return ids


def _rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_exports_page_offers_csv_download_and_restore(olga, client):
    page = client.get("/exports/")
    assert page.status_code == 200
    for text in ("/exports/transactions.csv", "/exports/workspace.json", 'action="/exports/restore"',
                 'enctype="multipart/form-data"', 'for="file"'):
        assert text in page.text


def test_the_csv_is_streamed_with_the_transactions_page_filters(olga, client, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 3)
    response = client.get("/exports/transactions.csv?q=bakery&sort=date&start=2026-02-02", buffered=True)
    assert response.status_code == 200
    assert "Content-Length" not in response.headers  # streamed, not built in memory
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="transactions-')
    rows = _rows(response)
    assert [(r["date"], r["payee"], r["amount"]) for r in rows] == [
        (f"2026-02-{d:02d}", "Bakery", f"-{d}.50") for d in (3, 5, 7, 9)]


def test_a_junk_filter_is_refused_rather_than_exporting_everything(olga, client):
    response = client.get("/exports/transactions.csv?start=not-a-date")
    assert response.status_code == 422
    assert "is not a date" in response.text


def test_the_workspace_download_is_a_versioned_json_document(olga, client):
    response = client.get("/exports/workspace.json", buffered=True)
    assert response.status_code == 200 and "Content-Length" not in response.headers
    document = json.loads(response.get_data(as_text=True))
    assert (document["format"], document["version"]) == ("financeapp-workspace", 1)
    assert len(document["tables"]["transactions"]["rows"]) == 10


def test_only_an_owner_downloads_the_workspace_but_a_viewer_gets_the_csv(app, olga, client, auth):
    with app.app_context():
        ws = db.session.get(Workspace, olga["ws"])
        add_member(ws, make_user("vic@example.com"), "viewer")
        add_member(ws, make_user("mia@example.com"), "manager")
    for email, json_status in (("vic@example.com", 403), ("mia@example.com", 403)):
        auth.logout()
        auth.login(email)
        client.post(f"/workspaces/{olga['ws']}/switch")
        assert client.get("/exports/workspace.json", buffered=True).status_code == json_status
        assert len(_rows(client.get("/exports/transactions.csv", buffered=True))) == 10


def test_another_workspace_cannot_download_yours(app, olga, client, auth):
    with app.app_context():
        make_user("mallory@example.com")
    auth.logout()
    auth.login("mallory@example.com")
    assert client.post(f"/workspaces/{olga['ws']}/switch").status_code == 404
    with client.session_transaction() as session:
        session["workspace_id"] = olga["ws"]  # a forged session falls back to Mallory's own workspace
    document = json.loads(client.get("/exports/workspace.json", buffered=True).get_data(as_text=True))
    assert document["tables"]["transactions"]["rows"] == []
    assert _rows(client.get(f"/exports/transactions.csv?account={olga['account']}", buffered=True)) == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in ("/exports/", "/exports/transactions.csv", "/exports/workspace.json"):
        assert client.get(url).status_code == 302
    assert client.post("/exports/restore").status_code in (302, 400)


def test_restoring_an_upload_makes_a_new_workspace_and_switches_to_it(app, olga, client):
    document = client.get("/exports/workspace.json", buffered=True).get_data()
    response = client.post("/exports/restore", data={"file": (io.BytesIO(document), "backup.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Restored “Olga" in client.get(response.headers["Location"]).text
    with app.app_context():
        workspaces = db.session.scalars(sa.select(Membership.workspace_id).join(Membership.user)
                                        .where(Membership.role == "owner")).all()
        assert len(workspaces) == 2
        new = max(workspaces)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)
                                 .where(Transaction.workspace_id == new)) == 10
    # The new workspace is the current one.
    assert len(_rows(client.get("/exports/transactions.csv", buffered=True))) == 10
    assert "(restored " in client.get("/workspaces/").text


def test_a_restore_can_be_given_a_name(app, olga, client):
    document = client.get("/exports/workspace.json", buffered=True).get_data()
    response = client.post("/exports/restore", data={"file": (io.BytesIO(document), "backup.json"),
                                                     "name": "Olga before the move"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Restored “Olga before the move”" in client.get(response.headers["Location"]).text
    response = client.post("/exports/restore", data={"file": (io.BytesIO(document), "backup.json"),
                                                     "name": "x" * 81}, content_type="multipart/form-data")
    assert response.status_code == 422


@pytest.mark.parametrize(("content", "message"), [
    (b"hello", "not valid JSON"),
    (b'{"format": "financeapp-workspace", "version": 99}', "format version 99"),
])
def test_restoring_a_wrong_file_says_why_and_writes_nothing(app, olga, client, content, message):
    response = client.post("/exports/restore", data={"file": (io.BytesIO(content), "x.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Workspace)) == 1


def test_restoring_without_a_file_asks_for_one(olga, client):
    response = client.post("/exports/restore", data={})
    assert response.status_code == 422
    assert "Choose a workspace export file." in response.text
