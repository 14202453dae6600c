"""Receipt rules without HTTP: content checks, storage, scoping, and files kept in step with the rows."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
import sqlalchemy as sa

from financeapp.core import crypto
from financeapp.core.errors import Invalid, NotFound
from financeapp.extensions import db
from financeapp.receipts import services
from financeapp.receipts.models import Attachment
from financeapp.transactions.models import Transaction
from tests.factories import make_account, make_transaction, make_user, personal_workspace
from tests.receipts import samples
from tests.receipts.conftest import stored_files

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


@pytest.fixture
def books(ctx):
    """Ada's and Bob's workspaces, each with one transaction."""
    ada, bob = make_user("ada@example.com", name="Ada"), make_user("bob@example.com", name="Bob")
    ada_ws, bob_ws = personal_workspace(ada), personal_workspace(bob)
    ada_txn = make_transaction(make_account(ada_ws), "-12.50", payee="Bakery")
    bob_txn = make_transaction(make_account(bob_ws), "-99.00", payee="Garage")
    return ada, ada_ws, ada_txn, bob, bob_ws, bob_txn


def store(workspace, user, txn, name, content):
    return services.store_attachment(workspace, user, txn, name, io.BytesIO(content))


def attachment_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attachment))


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("bakery.pdf", samples.pdf(), "application/pdf"),
    ("bakery.png", samples.png(), "image/png"),
    ("bakery.jpg", samples.jpeg(), "image/jpeg"),
    ("BAKERY.JPEG", samples.jpeg(), "image/jpeg"),
])
def test_pdf_png_and_jpeg_are_stored_by_content_under_a_random_name(books, uploads, name, content,
                                                                       content_type):
    ada, ws, txn, *_ = books
    attachment = store(ws, ada, txn, name, content)
    db.session.commit()

    assert (attachment.content_type, attachment.original_name) == (content_type, name)
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert (attachment.transaction_id, attachment.uploaded_by_id) == (txn.id, ada.id)
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
    path = services.attachment_path(attachment)
    assert path == uploads / str(ws.id) / attachment.stored_name
    assert content not in path.read_bytes(), "stored encrypted (issue 11)"
    assert crypto.read_file(path) == content
    assert stored_files(uploads) == [path]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("scan.pdf", samples.png(), "“scan.pdf” is not a PDF: its content is a PNG image."),
    ("photo.png", samples.jpeg(), "“photo.png” is not a PNG image: its content is a JPEG image."),
    ("invoice.jpg", samples.pdf(), "“invoice.jpg” is not a JPEG image: its content is a PDF document."),
    ("invoice.txt", samples.pdf(),
     "“invoice.txt” ends in .txt, but its content is a PDF document. Rename it to end in .pdf"),
])
def test_a_name_that_contradicts_the_content_is_refused_and_nothing_is_written(books, uploads, name,
                                                                                content, message):
    ada, ws, txn, *_ = books
    with pytest.raises(Invalid) as refused:
        store(ws, ada, txn, name, content)
    assert message in refused.value.message
    assert refused.value.status == 422
    db.session.rollback()
    assert attachment_count() == 0
    assert stored_files(uploads) == []


@pytest.mark.parametrize(("name", "content", "found"), [
    ("notes.txt", b"Lunch with the team, 42.00 EUR\n", "“notes.txt” is plain text."),
    ("fake.pdf", "Rechnung über 12 € für Brötchen".encode() * 3, "“fake.pdf” is plain text."),
    ("page.html", b"<!doctype html><script>alert(1)</script>", "“page.html” is plain text."),
    ("cat.gif", GIF, "“cat.gif” is a GIF image."),
    ("IMG_0001.HEIC", HEIC, "“IMG_0001.HEIC” is a HEIC image."),
    ("sheet.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 30, "is a ZIP archive or an Office document."),
    ("blob.bin", bytes(range(256)), "“blob.bin” is in a format we do not recognise."),
])
def test_content_other_than_pdf_png_or_jpeg_is_refused_naming_what_it_is(books, uploads, name, content,
                                                                          found):
    ada, ws, txn, *_ = books
    with pytest.raises(Invalid) as refused:
        store(ws, ada, txn, name, content)
    assert refused.value.message.startswith("Only PDF, PNG and JPEG files can be attached: ")
    assert found in refused.value.message
    assert stored_files(uploads) == []


def test_an_empty_file_is_refused(books, uploads):
    ada, ws, txn, *_ = books
    with pytest.raises(Invalid, match=r"“empty\.pdf” is empty\."):
        store(ws, ada, txn, "empty.pdf", b"")
    assert stored_files(uploads) == []


def test_a_file_over_the_upload_limit_is_refused_and_its_partial_copy_removed(books, uploads, app,
                                                                              monkeypatch):
    ada, ws, txn, *_ = books
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    big = samples.pdf() + b"%" + b"x" * (1024 * 1024)
    with pytest.raises(Invalid, match="larger than the 1 MB upload limit"):
        store(ws, ada, txn, "big.pdf", big)
    assert stored_files(uploads) == []
    exactly = samples.pdf() + b"%" * (1024 * 1024 - len(samples.pdf()))
    assert store(ws, ada, txn, "exactly.pdf", exactly).size == 1024 * 1024


def test_a_name_without_an_extension_gets_the_one_its_content_has(books):
    ada, ws, txn, *_ = books
    assert store(ws, ada, txn, "scan", samples.png()).original_name == "scan.png"
    assert store(ws, ada, txn, "", samples.pdf()).original_name == "receipt.pdf"


@pytest.mark.parametrize(("given", "shown"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\me\\Desktop\\scan.pdf", "scan.pdf"),
    ("Quittung März.pdf", "Quittung März.pdf"),
    ("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf"),  # a right-to-left override is dropped
    ("line\r\nbreak\x00.pdf", "linebreak.pdf"),
    ("  .hidden  name.pdf. ", "hidden name.pdf"),
    ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
])
def test_the_display_name_drops_folders_and_invisible_characters(given, shown):
    assert services.display_name(given) == shown


def test_the_original_name_is_kept_sanitised(books):
    ada, ws, txn, *_ = books
    attachment = store(ws, ada, txn, "../../Quittung März.pdf", samples.pdf())
    assert attachment.original_name == "Quittung März.pdf"


def test_a_failed_flush_removes_the_file_it_just_wrote(books, uploads, monkeypatch):
    ada, ada_ws, ada_txn, bob, bob_ws, bob_txn = books
    first = store(ada_ws, ada, ada_txn, "a.pdf", samples.pdf())
    db.session.commit()
    first_path = services.attachment_path(first)
    # Force the astronomically unlikely clash of random names: the unique index refuses the row.
    monkeypatch.setattr(services.secrets, "token_hex", lambda _n: first.stored_name)
    with pytest.raises(sa.exc.IntegrityError):
        store(bob_ws, bob, bob_txn, "b.png", samples.png())
    assert stored_files(uploads) == [first_path]  # removed at once, before any rollback
    db.session.rollback()
    assert stored_files(uploads) == [first_path]


def test_a_rolled_back_upload_leaves_no_file(books, uploads):
    ada, ws, txn, *_ = books
    store(ws, ada, txn, "a.pdf", samples.pdf())
    assert len(stored_files(uploads)) == 1
    db.session.rollback()
    assert stored_files(uploads) == []
    assert attachment_count() == 0


def test_deleting_removes_the_row_and_the_file_only_once_committed(books, uploads):
    ada, ws, txn, *_ = books
    attachment = store(ws, ada, txn, "a.pdf", samples.pdf())
    db.session.commit()
    path = services.attachment_path(attachment)

    services.delete_attachment(ws, attachment)
    db.session.rollback()
    assert path.exists() and attachment_count() == 1

    services.delete_attachment(ws, services.get_attachment(ws, attachment.id))
    assert path.exists()
    db.session.commit()
    assert not path.exists()
    assert attachment_count() == 0


def test_attachments_of_a_deleted_transaction_go_with_their_files(books, uploads):
    ada, ws, txn, *_ = books
    store(ws, ada, txn, "a.pdf", samples.pdf())
    store(ws, ada, txn, "b.png", samples.png())
    db.session.commit()
    assert services.delete_attachments_for(ws, txn) == 2
    db.session.delete(txn)
    db.session.commit()
    assert attachment_count() == 0
    assert stored_files(uploads) == []


def test_bulk_deleting_an_accounts_attachments_removes_their_files_after_commit(books, uploads):
    ada, ws, txn, bob, bob_ws, bob_txn = books
    other_txn = make_transaction(make_account(ws, "Savings"), "-1.00")
    store(ws, ada, txn, "a.pdf", samples.pdf())
    store(ws, ada, txn, "b.png", samples.png())
    kept = store(ws, ada, other_txn, "kept.pdf", samples.pdf())
    bobs = store(bob_ws, bob, bob_txn, "bobs.pdf", samples.pdf())
    db.session.commit()
    kept_paths = sorted([services.attachment_path(kept), services.attachment_path(bobs)])

    ids = sa.select(Transaction.id).where(Transaction.workspace_id == ws.id,
                                          Transaction.account_id == txn.account_id)
    # Another workspace's transaction ids are ignored, whatever the caller passes.
    assert services.delete_attachments_of(ws, [bob_txn.id]) == 0
    assert services.delete_attachments_of(ws, ids) == 2
    assert len(stored_files(uploads)) == 4
    db.session.commit()
    assert stored_files(uploads) == kept_paths
    assert attachment_count() == 2


def test_attachments_for_lists_only_that_transactions_files_oldest_first(books):
    ada, ws, txn, bob, bob_ws, bob_txn = books
    other_txn = make_transaction(make_account(ws, "Savings"), "-1.00")
    first = store(ws, ada, txn, "first.pdf", samples.pdf())
    second = store(ws, ada, txn, "second.png", samples.png())
    store(ws, ada, other_txn, "other.pdf", samples.pdf())
    store(bob_ws, bob, bob_txn, "bobs.pdf", samples.pdf())
    db.session.commit()
    assert services.attachments_for(ws, txn) == [first, second]
    assert services.attachments_for(bob_ws, txn) == []


def test_another_workspaces_attachment_and_transaction_are_not_found(books, uploads):
    ada, ws, _txn, bob, bob_ws, bob_txn = books
    bobs = store(bob_ws, bob, bob_txn, "bobs.pdf", samples.pdf())
    db.session.commit()
    with pytest.raises(NotFound):
        services.get_attachment(ws, bobs.id)
    with pytest.raises(NotFound):
        services.delete_attachment(ws, bobs)
    with pytest.raises(NotFound):
        store(ws, ada, bob_txn, "sneaky.pdf", samples.pdf())
    assert stored_files(uploads) == [services.attachment_path(bobs)]


def test_a_missing_file_is_not_found_rather_than_an_error(books):
    ada, ws, txn, *_ = books
    attachment = store(ws, ada, txn, "a.pdf", samples.pdf())
    db.session.commit()
    services.attachment_path(attachment).unlink()
    with pytest.raises(NotFound, match="missing"):
        services.stored_file(attachment)


def test_a_tampered_stored_name_never_leaves_the_upload_folder(books):
    ada, ws, txn, *_ = books
    attachment = store(ws, ada, txn, "a.pdf", samples.pdf())
    attachment.stored_name = "../../../etc/passwd"
    with pytest.raises(NotFound):
        services.attachment_path(attachment)
