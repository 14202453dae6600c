"""The invoices API: upload, read, correct, move through the workflow with the roles of the pages."""

from __future__ import annotations

import io

import sqlalchemy as sa

from financeapp.documents import workflow
from financeapp.extensions import db
from financeapp.transactions.models import Transaction
from tests.documents.corpus import one_invoice
from tests.factories import add_member, make_account, make_user, personal_workspace


def _team(app):
    with app.app_context():
        olga = make_user("olga@example.com", name="Olga", currency="INR")
        ws = personal_workspace(olga)
        mia = make_user("mia@example.com", name="Mia")
        add_member(ws, mia, "member")
        vic = make_user("vic@example.com", name="Vic")
        add_member(ws, vic, "viewer")
        account = make_account(ws, "Current", currency="INR")
        workflow.save_settings(ws, account.id, None)
        db.session.commit()
        return ws.id


def _as(client, auth, email, ws_id):
    auth.logout()
    auth.login(email)
    client.post(f"/workspaces/{ws_id}/switch")


def test_upload_correct_submit_approve_through_the_api(app, client, auth):
    ws_id = _team(app)
    _spec, pdf, truth = one_invoice(71)
    _as(client, auth, "mia@example.com", ws_id)
    created = client.post("/api/v1/invoices", data={"files": [(io.BytesIO(pdf), "inv.pdf")]})
    assert created.status_code == 201, created.get_json()
    doc = created.get_json()["data"][0]
    assert doc["status"] == "processed" and doc["fields"]["total"]["value"] == f"{truth.total:.2f}"
    doc_id = doc["id"]
    assert client.get(f"/api/v1/invoices/{doc_id}").get_json()["data"]["fields"]["date"]["value"] == \
        truth.on.isoformat()
    listed = client.get("/api/v1/invoices?state=draft").get_json()
    assert [d["id"] for d in listed["data"]] == [doc_id]
    assert client.get("/api/v1/invoices?state=nonsense").status_code == 400
    fixed = client.patch(f"/api/v1/invoices/{doc_id}", json={"vendor": "Renamed Vendor Ltd"})
    assert fixed.status_code == 200
    assert fixed.get_json()["data"]["fields"]["vendor"]["corrected"] is True
    assert client.post(f"/api/v1/invoices/{doc_id}/approve").status_code == 403  # a member
    assert client.post(f"/api/v1/invoices/{doc_id}/submit", json={"comment": "please"}).status_code == 200
    assert client.post(f"/api/v1/invoices/{doc_id}/submit").status_code == 409
    _as(client, auth, "olga@example.com", ws_id)
    assert client.patch(f"/api/v1/invoices/{doc_id}", json={"total": "1"}).status_code == 409
    assert client.post(f"/api/v1/invoices/{doc_id}/reject").status_code == 422  # no reason
    approved = client.post(f"/api/v1/invoices/{doc_id}/approve")
    assert approved.status_code == 200 and approved.get_json()["data"]["state"] == "approved"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) == 1
    vendors = client.get("/api/v1/vendors").get_json()["data"]
    # The GSTIN still names the same vendor, whatever the document's name field says now.
    assert [v["name"] for v in vendors] == [truth.vendor] and 0 <= vendors[0]["risk"]["score"] <= 100


def test_a_viewer_reads_but_cannot_write(app, client, auth):
    ws_id = _team(app)
    _as(client, auth, "vic@example.com", ws_id)
    assert client.get("/api/v1/invoices").status_code == 200
    assert client.post("/api/v1/invoices", data={"files": [(io.BytesIO(b"%PDF-1.4"), "a.pdf")]}).status_code == 403
