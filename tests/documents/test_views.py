"""The documents and vendors pages: upload (one or many), the batch's progress and summary, retry, review
and corrections, the workflow buttons, the dashboard, the CSV export and the owner's settings."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from financeapp.documents import workflow
from financeapp.documents.models import Document, DocumentEvent, DocumentField
from financeapp.extensions import db
from financeapp.receipts.models import Attachment
from financeapp.transactions.models import Transaction
from financeapp.vendors.models import Vendor
from tests.documents.corpus import one_invoice
from tests.factories import add_member, make_account, make_category, make_user, personal_workspace


@pytest.fixture
def team(app):
    """Olga owns a workspace with an INR account; Mia is a member, Max a manager, Vic a viewer."""
    with app.app_context():
        olga = make_user("olga@example.com", name="Olga", currency="INR")
        ws = personal_workspace(olga)
        for email, name, role in (("mia@example.com", "Mia", "member"), ("max@example.com", "Max", "manager"),
                                  ("vic@example.com", "Vic", "viewer")):
            add_member(ws, make_user(email, name=name), role)
        account = make_account(ws, "Current", currency="INR")
        db.session.commit()
        return {"ws": ws.id, "account": account.id}


def _as(client, auth, email, ws_id):
    auth.logout()
    auth.login(email)
    client.post(f"/workspaces/{ws_id}/switch")


def _upload(client, *files):
    return client.post("/documents/upload", data={"files": [(io.BytesIO(content), name) for name, content in files]})


def _read_batch(client, batch_url: str) -> str:
    """Drive the page's inline reading (as htmx does) until no file waits; the final progress HTML."""
    run_url = batch_url.split("?")[0] + "/run"
    for _ in range(20):
        answer = client.post(run_url, headers={"HX-Request": "true"}).get_data(as_text=True)
        if 'id="batch-runner"></div>' in answer:
            break
    return client.get(batch_url.split("?")[0] + "/progress", headers={"HX-Request": "true"}).get_data(as_text=True)


def _only(model, **where):
    return db.session.scalars(sa.select(model).filter_by(**where)).one()


def test_the_documents_page_says_what_to_do_when_empty(client, auth, team):
    _as(client, auth, "mia@example.com", team["ws"])
    page = client.get("/documents/").get_data(as_text=True)
    assert "No receipts or invoices yet" in page
    assert 'name="files"' in page and "multiple" in page
    assert client.get("/documents/dashboard").status_code == 200
    assert "No vendors yet" in client.get("/vendors/").get_data(as_text=True)


def test_a_batch_is_read_with_progress_and_ends_with_a_summary(client, auth, team, ctx):
    _as(client, auth, "mia@example.com", team["ws"])
    good = one_invoice(31)[1]
    wrong_total = one_invoice(32, wrong_total=100)[1]
    response = _upload(client, ("a.pdf", good), ("b.pdf", wrong_total), ("c.pdf", b"%PDF-1.4 broken"))
    assert response.status_code == 302 and "/documents/batches/" in response.location
    batch_url = response.location
    first = client.get(batch_url).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in first and 'id="batch-runner"' in first and "0 of 3 read" in first
    final = _read_batch(client, batch_url)
    assert 'hx-trigger="every 1s"' not in final  # the polling stops
    assert 'data-count="processed">2<' in final and 'data-count="flagged">1<' in final
    assert 'data-count="failed">1<' in final
    assert "Retry" in final
    broken = _only(Document, original_name="c.pdf")
    assert broken.status == "failed" and broken.message


def test_a_failed_file_can_be_retried_from_the_batch(client, auth, team, ctx, uploads):
    _as(client, auth, "mia@example.com", team["ws"])
    batch_url = _upload(client, ("a.pdf", one_invoice(33)[1])).location
    _read_batch(client, batch_url)
    doc = _only(Document, original_name="a.pdf")
    db.session.execute(sa.update(Document).where(Document.id == doc.id).values(status="failed", message="x"))
    db.session.commit()
    response = client.post(f"/documents/{doc.id}/retry")
    assert response.status_code == 302 and response.location.startswith(batch_url.split("?")[0])
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "queued"
    assert 'data-count="processed">1<' in _read_batch(client, batch_url)
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "processed"


def test_an_upload_without_files_or_of_a_wrong_type_writes_nothing(client, auth, team, ctx, uploads):
    _as(client, auth, "mia@example.com", team["ws"])
    empty = client.post("/documents/upload", data={})
    assert empty.status_code == 422 and "Choose at least one file." in empty.get_data(as_text=True)
    wrong = _upload(client, ("a.pdf", one_invoice(34)[1]), ("notes.txt", b"hello there"))
    assert wrong.status_code == 422
    assert "notes.txt" in wrong.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def _form_of(doc: Document, **changes) -> dict[str, str]:
    """The review form as the page fills it, with `changes`."""
    def amount(value):
        return "" if value is None else f"{value:.2f}"

    form = {"vendor": doc.vendor_name, "vendor_gstin": doc.vendor_gstin or "", "buyer_gstin": doc.buyer_gstin or "",
            "invoice_number": doc.invoice_number or "", "date": doc.invoice_date.isoformat(), "currency": "INR",
            "subtotal": amount(doc.subtotal), "tax": amount(doc.tax_total), "round_off": amount(doc.round_off),
            "total": amount(doc.total), "version": str(doc.version)}
    return {**form, **changes}


def _one_read(client, auth, team, seed=35, **kwargs) -> Document:
    _as(client, auth, "mia@example.com", team["ws"])
    _read_batch(client, _upload(client, ("inv.pdf", one_invoice(seed, **kwargs)[1])).location)
    return _only(Document, original_name="inv.pdf")


def test_the_review_page_shows_the_image_beside_the_fields_with_their_flags(client, auth, team, ctx):
    doc = _one_read(client, auth, team, wrong_total=50)
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert f'src="/documents/{doc.id}/pages/1"' in page
    assert 'data-flag="total_mismatch"' in page and "apart" in page
    assert 'name="total"' in page and 'name="vendor_gstin"' in page
    image = client.get(f"/documents/{doc.id}/pages/1")
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and image.data[:2] == b"\xff\xd8"
    assert client.get(f"/documents/{doc.id}/pages/2").status_code == 404
    download = client.get(f"/documents/{doc.id}/file")
    assert download.data[:4] == b"%PDF"
    download.close()  # the file is streamed


def test_a_correction_is_kept_marked_and_clears_the_flag(client, auth, team, ctx):
    doc = _one_read(client, auth, team, wrong_total=50)
    right = doc.total - 50
    response = client.post(f"/documents/{doc.id}", data=_form_of(doc, total=f"{right:.2f}"))
    assert response.status_code == 302, response.get_data(as_text=True)[-6000:]
    db.session.expire_all()
    doc = db.session.get(Document, doc.id)
    assert doc.total == right and "total_mismatch" not in doc.flag_codes
    field = _only(DocumentField, document_id=doc.id, name="total")
    assert field.corrected and field.corrected_by_id is not None
    assert "corrected" in client.get(f"/documents/{doc.id}").get_data(as_text=True)


def test_a_bad_correction_is_shown_at_its_field_and_keeps_the_input(client, auth, team, ctx):
    doc = _one_read(client, auth, team)
    before = doc.total
    response = client.post(f"/documents/{doc.id}", data=_form_of(doc, total="12abc"))
    assert response.status_code == 422 and 'value="12abc"' in response.get_data(as_text=True)
    response = client.post(f"/documents/{doc.id}", data=_form_of(doc, vendor_gstin="27AB", total="1180.00"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="27AB"' in body and "A GSTIN has 15 characters." in body
    db.session.expire_all()
    assert db.session.get(Document, doc.id).total == before


def test_a_stale_form_is_refused_with_a_conflict(client, auth, team, ctx):
    doc = _one_read(client, auth, team)
    response = client.post(f"/documents/{doc.id}", data=_form_of(doc, vendor="Someone", version=str(doc.version - 1)))
    assert response.status_code == 409 and "Someone else changed" in response.get_data(as_text=True)


def test_submit_as_member_then_approve_as_manager_books_the_expense_with_the_file(client, auth, team, ctx):
    doc = _one_read(client, auth, team)
    assert client.post(f"/documents/{doc.id}/submit", data={"comment": "please"}).status_code == 302
    assert client.post(f"/documents/{doc.id}/approve").status_code == 403  # a member cannot approve
    _as(client, auth, "max@example.com", team["ws"])
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "Approve and book" in page and "Reject" in page
    no_reason = client.post(f"/documents/{doc.id}/reject", data={"comment": ""}, follow_redirects=True)
    assert "Give the reason for rejecting it." in no_reason.get_data(as_text=True)
    approved = client.post(f"/documents/{doc.id}/approve", data={"account_id": str(team["account"])})
    assert approved.status_code == 302
    db.session.expire_all()
    doc = db.session.get(Document, doc.id)
    assert doc.state == "approved"
    txn = db.session.get(Transaction, doc.transaction_id)
    assert txn.amount == -doc.total and txn.account_id == team["account"]
    assert _only(Attachment, transaction_id=txn.id).original_name == "inv.pdf"
    assert [e.action for e in db.session.scalars(sa.select(DocumentEvent).order_by(DocumentEvent.id))] == [
        "submit", "approve"]
    assert f"/transactions/{txn.id}/edit" in client.get(f"/documents/{doc.id}").get_data(as_text=True)
    dashboard = client.get("/documents/dashboard").get_data(as_text=True)
    assert re.search(r'data-figure="hours">\d+ min<', dashboard)  # upload to approval, in the database's arithmetic
    assert 'data-figure="approved">' in dashboard and "1 document<" in dashboard


def test_moves_outside_the_table_are_409_and_unknown_actions_404(client, auth, team, ctx):
    doc = _one_read(client, auth, team)
    _as(client, auth, "max@example.com", team["ws"])
    assert client.post(f"/documents/{doc.id}/pay").status_code == 302  # flashed: a draft cannot be paid
    assert db.session.get(Document, doc.id).state == "draft"
    assert client.post(f"/documents/{doc.id}/explode").status_code == 404


def test_the_owner_sets_the_booking_account_and_the_second_approver_amount(client, auth, team, ctx):
    _as(client, auth, "mia@example.com", team["ws"])
    assert client.get("/documents/settings").status_code == 403
    _as(client, auth, "olga@example.com", team["ws"])
    bad = client.post("/documents/settings", data={"account_id": str(team["account"]),
                                                   "second_approval_above": "-5"})
    assert bad.status_code == 422 and 'value="-5"' in bad.get_data(as_text=True)
    good = client.post("/documents/settings", data={"account_id": str(team["account"]),
                                                    "second_approval_above": "10000"})
    assert good.status_code == 302
    from financeapp.workspaces.models import Workspace
    settings = workflow.settings_of(db.session.get(Workspace, team["ws"]))
    assert settings.account_id == team["account"] and settings.second_approval_above == 10000


def test_the_dashboard_counts_processed_awaiting_and_accuracy(client, auth, team, ctx):
    doc = _one_read(client, auth, team)
    assert client.post(f"/documents/{doc.id}", data=_form_of(doc, vendor="Renamed Traders")).status_code == 302
    client.post(f"/documents/{doc.id}/submit")
    page = client.get("/documents/dashboard").get_data(as_text=True)
    assert 'data-figure="processed">1<' in page
    assert 'data-figure="awaiting"><a href="/documents/?state=submitted">1</a>' in page
    assert 'data-field="vendor"><td>Vendor</td><td class="num">0.0 %' in page
    assert 'data-field="total"><td>Total</td><td class="num">100.0 %' in page


def test_the_csv_export_has_fields_and_flags_and_defuses_formulas(client, auth, team, ctx):
    doc = _one_read(client, auth, team, wrong_total=10)
    db.session.execute(sa.update(Document).where(Document.id == doc.id).values(vendor_name="=cmd()"))
    db.session.execute(sa.update(Vendor).values(name="=cmd()"))
    db.session.commit()
    response = client.get("/documents/export.csv", buffered=True)
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert row["vendor"] == "'=cmd()" and row["flags"] == "total_mismatch" and "apart" in row["flag_reasons"]
    assert row["total"] == f"{doc.total:.2f}" and row["gstin_valid"] == "yes" and row["date"] == str(doc.invoice_date)
    assert client.get("/documents/export.csv?state=nope").status_code == 422


def test_the_list_filters_and_pages(client, auth, team, ctx, monkeypatch):
    from financeapp.documents import queries

    doc = _one_read(client, auth, team, wrong_total=10)
    _read_batch(client, _upload(client, ("second.pdf", one_invoice(36)[1])).location)
    monkeypatch.setattr(queries, "PER_PAGE", 1)
    first, second = (client.get(f"/documents/?page={n}").get_data(as_text=True) for n in (1, 2))
    assert "Page 1 of 2" in first and "second.pdf" in first and "inv.pdf" not in first
    assert "Page 2 of 2" in second and "inv.pdf" in second
    assert 'href="/documents/?page=2"' in first
    listed = client.get("/documents/?flag=total_mismatch").get_data(as_text=True)
    assert f'data-document="{doc.id}"' in listed
    assert f'data-document="{doc.id}"' not in client.get("/documents/?flag=duplicate").get_data(as_text=True)
    assert "A filter was ignored" in client.get("/documents/?state=bogus").get_data(as_text=True)


def test_the_vendor_page_shows_figures_risk_and_merges(client, auth, team, ctx):
    doc = _one_read(client, auth, team)
    vendor_id = doc.vendor_id
    from financeapp.workspaces.models import Workspace
    ws = db.session.get(Workspace, team["ws"])
    other = Vendor(workspace_id=ws.id, name="Other Name Ltd", match_name="other name")
    category = make_category(ws, "Office")
    db.session.add(other)
    db.session.commit()
    other_id, category_id = other.id, category.id
    page = client.get(f"/vendors/{vendor_id}").get_data(as_text=True)
    assert 'id="risk-score"' in page and "only one document so far" in page.lower()
    saved = client.post(f"/vendors/{vendor_id}", data={"name": "Kaveri Supplies", "default_category_id":
                                                       str(category_id)})
    assert saved.status_code == 302
    assert client.post(f"/vendors/{vendor_id}", data={"name": ""}).status_code == 422
    merged = client.post(f"/vendors/{other_id}/merge", data={"target_id": str(vendor_id)})
    assert merged.status_code == 302 and merged.location.endswith(f"/vendors/{vendor_id}")
    db.session.expire_all()
    assert db.session.get(Vendor, other_id) is None
    assert db.session.get(Vendor, vendor_id).default_category_id == category_id
    refused = client.post(f"/vendors/{vendor_id}/merge", data={"target_id": ""}, follow_redirects=True)
    assert "Choose the vendor to merge into." in refused.get_data(as_text=True)
    listed = client.get("/vendors/").get_data(as_text=True)
    assert "Kaveri Supplies" in listed


def test_deleting_a_document_asks_first_and_removes_it(client, auth, team, ctx, uploads):
    doc_id = _one_read(client, auth, team).id
    page = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert f'action="/documents/{doc_id}/delete"' in page and "data-confirm=" in page
    assert client.post(f"/documents/{doc_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, doc_id) is None
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_a_viewer_reads_but_sees_no_writing_controls(client, auth, team, ctx):
    doc = _one_read(client, auth, team)
    _as(client, auth, "vic@example.com", team["ws"])
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "Save corrections" not in page and "<fieldset disabled>" in page
    assert "Upload and read" not in client.get("/documents/").get_data(as_text=True)


def test_a_document_whose_file_is_gone_says_so_instead_of_a_broken_image(client, auth, team, ctx):
    from financeapp.documents import services

    doc = _one_read(client, auth, team)
    services.document_path(doc).unlink()
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "The file is not on this server" in page and f"/documents/{doc.id}/pages/1" not in page
    assert client.get(f"/documents/{doc.id}/pages/1").status_code == 404
    assert client.get(f"/documents/{doc.id}/file").status_code == 404
