"""Receipts over HTTP: upload, download, delete, roles, other workspaces' ids, and the panel."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import g, render_template

from financeapp.extensions import db
from financeapp.receipts.models import Attachment
from tests.factories import add_member, make_account, make_transaction, make_user, personal_workspace
from tests.receipts import samples
from tests.receipts.conftest import stored_files


@pytest.fixture
def books(ctx):
    """Ada's and Bob's workspaces with one transaction each, as plain ids."""
    ada, bob = make_user("ada@example.com", name="Ada"), make_user("bob@example.com", name="Bob")
    ada_ws, bob_ws = personal_workspace(ada), personal_workspace(bob)
    ada_txn = make_transaction(make_account(ada_ws), "-12.50", payee="Bakery")
    bob_txn = make_transaction(make_account(bob_ws), "-99.00", payee="Garage")
    return SimpleNamespace(ada_ws=ada_ws.id, ada_txn=ada_txn.id, bob_ws=bob_ws.id, bob_txn=bob_txn.id,
                           ada=ada, bob_workspace=bob_ws)


def upload(client, txn_id, name, content, next="/dashboard"):
    data = {"file": (io.BytesIO(content), name)}
    if next is not None:
        data["next"] = next
    return client.post(f"/receipts/transaction/{txn_id}", data=data, content_type="multipart/form-data")


def rows() -> list:
    """The attachments as the database has them now (ending the test's own read first)."""
    db.session.rollback()
    return db.session.execute(
        sa.select(Attachment.id, Attachment.original_name, Attachment.content_type, Attachment.workspace_id)
        .order_by(Attachment.id)
    ).all()


def flashed(client) -> str:
    return client.get("/dashboard").get_data(as_text=True)


def as_bobs_viewer(client, auth, books):
    add_member(books.bob_workspace, books.ada, "viewer")
    auth.login("ada@example.com")
    assert client.post(f"/workspaces/{books.bob_ws}/switch").status_code == 302


@pytest.mark.parametrize(("name", "content", "content_type", "disposition"), [
    ("bakery.pdf", samples.pdf(), "application/pdf", "attachment"),
    ("bakery.png", samples.png(), "image/png", "inline"),
    ("bakery.jpg", samples.jpeg(), "image/jpeg", "inline"),
])
def test_an_attached_file_downloads_with_its_type_and_bytes(client, auth, books, uploads, name, content,
                                                            content_type, disposition):
    auth.login("ada@example.com")
    response = upload(client, books.ada_txn, name, content, next="/dashboard?from=receipts")
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard?from=receipts"
    assert f"Attached {name}." in flashed(client)
    [(attachment_id, stored_name, stored_type, workspace_id)] = rows()
    assert (stored_name, stored_type, workspace_id) == (name, content_type, books.ada_ws)

    with client.get(f"/receipts/{attachment_id}") as download:
        assert download.status_code == 200
        assert download.mimetype == content_type
        assert download.data == content
        assert download.headers["Content-Disposition"] == f"{disposition}; filename={name}"
        assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert "private" in download.headers["Cache-Control"]


def test_an_image_can_be_asked_for_as_a_download(client, auth, books):
    auth.login("ada@example.com")
    upload(client, books.ada_txn, "bakery.png", samples.png())
    [(attachment_id, *_)] = rows()
    with client.get(f"/receipts/{attachment_id}?download=1") as response:
        assert response.headers["Content-Disposition"] == "attachment; filename=bakery.png"


def test_a_non_ascii_name_survives_the_round_trip(client, auth, books):
    auth.login("ada@example.com")
    upload(client, books.ada_txn, "Quittung März.pdf", samples.pdf())
    [(attachment_id, name, *_)] = rows()
    assert name == "Quittung März.pdf"
    with client.get(f"/receipts/{attachment_id}") as response:
        disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''Quittung%20M%C3%A4rz.pdf" in disposition


def test_without_next_the_upload_returns_to_the_transaction_or_the_dashboard(client, auth, books, app):
    auth.login("ada@example.com")
    response = upload(client, books.ada_txn, "bakery.pdf", samples.pdf(), next=None)
    expected = (f"/transactions/{books.ada_txn}/edit" if "transactions.edit" in app.view_functions
                else "/dashboard")
    assert response.status_code == 303
    assert response.headers["Location"] == expected


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_an_outside_next_is_ignored(client, auth, books, app, target):
    auth.login("ada@example.com")
    location = upload(client, books.ada_txn, "bakery.pdf", samples.pdf(), next=target).headers["Location"]
    assert location.startswith("/") and "evil" not in location and "javascript" not in location


@pytest.mark.parametrize(("name", "content", "message"), [
    ("scan.pdf", samples.png(), "“scan.pdf” is not a PDF: its content is a PNG image."),
    ("notes.pdf", b"just some text\n",
     "Only PDF, PNG and JPEG files can be attached: “notes.pdf” is plain text."),
    ("notes.txt", b"just some text\n", "Only PDF, PNG and JPEG files can be attached"),
    ("empty.pdf", b"", "“empty.pdf” is empty."),
])
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_written(client, auth, books, uploads, name,
                                                                        content, message):
    auth.login("ada@example.com")
    response = upload(client, books.ada_txn, name, content)
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard"
    assert message in flashed(client)
    assert rows() == []
    assert stored_files(uploads) == []


def test_a_request_over_the_size_limit_gets_the_413_page_and_writes_nothing(client, auth, books, uploads,
                                                                           app, monkeypatch):
    auth.login("ada@example.com")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = upload(client, books.ada_txn, "big.pdf", samples.pdf() + b"%" * 8192)
    assert response.status_code == 413
    assert rows() == []
    assert stored_files(uploads) == []


def test_a_post_without_a_file_asks_for_one(client, auth, books, uploads):
    auth.login("ada@example.com")
    response = client.post(f"/receipts/transaction/{books.ada_txn}", data={"next": "/dashboard"})
    assert response.status_code == 303
    assert "Choose a file to attach." in flashed(client)
    assert rows() == []


def test_an_upload_without_the_csrf_token_is_refused(client, auth, books, uploads, app, monkeypatch):
    auth.login("ada@example.com")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = upload(client, books.ada_txn, "bakery.pdf", samples.pdf())
    assert response.status_code == 400
    assert rows() == []
    assert stored_files(uploads) == []


def test_uploading_to_another_workspaces_transaction_is_not_found(client, auth, books, uploads):
    auth.login("ada@example.com")
    assert upload(client, books.bob_txn, "bakery.pdf", samples.pdf()).status_code == 404
    assert rows() == []
    assert stored_files(uploads) == []


def test_another_workspaces_attachment_cannot_be_downloaded_or_deleted(client, auth, books, uploads):
    auth.login("bob@example.com")
    upload(client, books.bob_txn, "garage.pdf", samples.pdf())
    auth.logout()
    [(bobs_id, *_)] = rows()

    auth.login("ada@example.com")
    assert client.get(f"/receipts/{bobs_id}").status_code == 404
    assert client.post(f"/receipts/{bobs_id}/delete").status_code == 404
    assert len(rows()) == 1
    assert len(stored_files(uploads)) == 1


def test_a_viewer_can_download_but_not_upload_or_delete(client, auth, books, uploads):
    auth.login("bob@example.com")
    upload(client, books.bob_txn, "garage.pdf", samples.pdf())
    auth.logout()
    [(attachment_id, *_)] = rows()

    as_bobs_viewer(client, auth, books)
    with client.get(f"/receipts/{attachment_id}") as response:
        assert response.data == samples.pdf()
    assert upload(client, books.bob_txn, "mine.pdf", samples.pdf()).status_code == 403
    assert client.post(f"/receipts/{attachment_id}/delete").status_code == 403
    assert len(rows()) == 1
    assert len(stored_files(uploads)) == 1


def test_delete_removes_the_row_and_the_file(client, auth, books, uploads):
    auth.login("ada@example.com")
    upload(client, books.ada_txn, "bakery.pdf", samples.pdf())
    [(attachment_id, *_)] = rows()
    assert len(stored_files(uploads)) == 1

    response = client.post(f"/receipts/{attachment_id}/delete", data={"next": "/dashboard"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard"
    assert "Removed bakery.pdf." in flashed(client)
    assert rows() == []
    assert stored_files(uploads) == []
    assert client.get(f"/receipts/{attachment_id}").status_code == 404


def test_a_missing_file_is_a_404_not_a_500(client, auth, books, uploads):
    auth.login("ada@example.com")
    upload(client, books.ada_txn, "bakery.pdf", samples.pdf())
    [(attachment_id, *_)] = rows()
    stored_files(uploads)[0].unlink()
    response = client.get(f"/receipts/{attachment_id}")
    assert response.status_code == 404
    assert "missing" in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "url"), [
    ("post", "/receipts/transaction/{txn}"),
    ("get", "/receipts/1"),
    ("post", "/receipts/1/delete"),
])
def test_signed_out_visitors_are_sent_to_sign_in(client, books, method, url):
    response = getattr(client, method)(url.format(txn=books.ada_txn))
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def render_panel(app, transaction, attachments, role):
    with app.test_request_context(f"/transactions/{transaction.id}/edit?tab=receipts"):
        g.membership = SimpleNamespace(role=role)
        return render_template("receipts/_panel.html", transaction=transaction, attachments=attachments)


def test_the_panel_offers_an_upload_form_to_members(app, ctx):
    transaction = SimpleNamespace(id=7)
    html = render_panel(app, transaction, [], "member")
    assert "No receipts attached yet." in html
    assert 'enctype="multipart/form-data"' in html
    assert 'action="/receipts/transaction/7"' in html
    assert 'name="csrf_token"' in html
    label = '<label class="form-label" for="receipt-file-7">Receipt or invoice (PDF, PNG or JPEG)</label>'
    assert label in html
    assert 'accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"' in html
    assert 'name="next" value="/transactions/7/edit?tab=receipts"' in html
    assert "Attach file" in html
    assert "<script" not in html and not re.search(r"\son[a-z]+=", html)  # strict CSP


def test_the_panel_lists_attachments_and_hides_changes_from_viewers(app, ctx, books, client, auth):
    auth.login("ada@example.com")
    upload(client, books.ada_txn, "bakery <b>.pdf", samples.pdf() + b"%" * 2000)
    db.session.rollback()
    attachments = list(db.session.scalars(sa.select(Attachment)))
    transaction = SimpleNamespace(id=books.ada_txn)

    as_member = render_panel(app, transaction, attachments, "member")
    assert "bakery &lt;b&gt;.pdf" in as_member
    assert f"{(len(samples.pdf()) + 2000) / 1024:.1f} KB" in as_member
    assert attachments[0].created_at.strftime("%Y-%m-%d") in as_member
    assert f'href="/receipts/{attachments[0].id}"' in as_member
    assert f'action="/receipts/{attachments[0].id}/delete"' in as_member
    assert "No receipts attached yet." not in as_member

    as_viewer = render_panel(app, transaction, attachments, "viewer")
    assert f'href="/receipts/{attachments[0].id}"' in as_viewer
    assert "/delete" not in as_viewer and "Attach file" not in as_viewer


def test_the_transaction_page_shows_the_panel_and_uploads_return_to_it(client, auth, books):
    if "transactions.edit" not in client.application.view_functions:
        pytest.skip("the transaction edit page is not registered yet")
    auth.login("ada@example.com")
    page_url = f"/transactions/{books.ada_txn}/edit"
    page = client.get(page_url).get_data(as_text=True)
    assert "No receipts attached yet." in page
    assert f'action="/receipts/transaction/{books.ada_txn}"' in page
    assert f'name="next" value="{page_url}"' in page

    response = upload(client, books.ada_txn, "bakery.png", samples.png(), next=page_url)
    assert response.headers["Location"] == page_url
    page = client.get(page_url).get_data(as_text=True)
    assert "Attached bakery.png." in page
    assert "bakery.png" in page and "No receipts attached yet." not in page
