"""Readings that never finish (a job that died or timed out) and the upload caps (bytes and pages)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from financeapp.core.db import utcnow
from financeapp.core.errors import Invalid
from financeapp.documents import jobs, queries, services
from financeapp.documents.models import Document, DocumentBatch
from financeapp.extensions import db
from tests.documents.corpus import one_invoice
from tests.receipts.conftest import stored_files


def _stuck(ws, user, *, minutes_ago: int) -> Document:
    """A document whose reading started `minutes_ago` and whose job then vanished (status left "processing")."""
    batch = services.upload_documents(ws, user, [services.Upload("a.pdf", io.BytesIO(one_invoice(41)[1]))])
    doc = services.batch_documents(ws, batch)[0]
    doc.status, doc.reading_started_at, doc.attempts = "processing", utcnow() - timedelta(minutes=minutes_ago), 1
    db.session.commit()
    return doc


def test_a_reading_past_the_stale_limit_fails_with_the_reason_and_counts_as_failed(ada, app):
    user, ws = ada
    doc = _stuck(ws, user, minutes_ago=services.stale_minutes() + 1)
    batch = doc.batch_id
    assert services.fail_stale_readings(ws) == 1
    db.session.commit()
    db.session.expire_all()
    doc = db.session.get(Document, doc.id)
    assert doc.status == "failed"
    assert f"did not finish within {services.stale_minutes()} minutes" in doc.message and "retry" in doc.message
    progress = queries.batch_progress(ws, db.session.get(DocumentBatch, batch))
    assert (progress.failed, progress.processing, progress.finished) == (1, 0, True)


def test_a_reading_still_within_the_limit_is_left_alone(ada):
    user, ws = ada
    doc = _stuck(ws, user, minutes_ago=services.stale_minutes() - 1)
    assert services.fail_stale_readings(ws) == 0
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "processing"


def test_the_stale_limit_is_a_setting(ada, app, monkeypatch):
    user, ws = ada
    monkeypatch.setitem(app.config, "DOCUMENT_READING_STALE_MINUTES", 2)
    doc = _stuck(ws, user, minutes_ago=3)
    assert services.fail_stale_readings(ws) == 1
    db.session.expire_all()
    assert "within 2 minutes" in db.session.get(Document, doc.id).message


def test_a_stuck_reading_can_be_retried_and_is_then_read(ada):
    user, ws = ada
    doc = _stuck(ws, user, minutes_ago=services.stale_minutes() + 5)
    assert jobs.retry(ws, doc) == "page"  # no Redis: the batch page (here: run_next) reads it
    db.session.expire_all()
    doc = db.session.get(Document, doc.id)
    assert doc.status == "queued" and doc.message == ""
    jobs.run_next(ws, db.session.get(DocumentBatch, doc.batch_id))
    db.session.expire_all()
    doc = db.session.get(Document, doc.id)
    assert doc.status == "processed" and doc.attempts == 2 and doc.reading_started_at is not None


def test_a_fresh_reading_cannot_be_retried_while_it_runs(ada):
    user, ws = ada
    doc = _stuck(ws, user, minutes_ago=0)
    with pytest.raises(Exception, match="being read already"):
        jobs.retry(ws, doc)


def test_the_batch_page_shows_a_stuck_reading_as_failed_with_a_retry(client, auth, app, ctx):
    from tests.factories import make_user, personal_workspace

    user = make_user("bea@example.com", name="Bea", currency="INR")
    ws = personal_workspace(user)
    db.session.commit()
    doc = _stuck(ws, user, minutes_ago=services.stale_minutes() + 1)
    auth.login("bea@example.com")
    page = client.get(f"/documents/batches/{doc.batch_id}/progress", headers={"HX-Request": "true"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-count="failed">1<' in html and "Retry" in html
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "failed"


def test_claiming_a_document_records_when_its_reading_started(ada):
    user, ws = ada
    batch = services.upload_documents(ws, user, [services.Upload("a.pdf", io.BytesIO(one_invoice(42)[1]))])
    db.session.commit()
    doc = services.batch_documents(ws, batch)[0]
    before = utcnow().replace(microsecond=0)
    jobs.run_document(doc.id, ws.id)
    db.session.expire_all()
    started = db.session.get(Document, doc.id).reading_started_at
    assert started is not None and started >= before - timedelta(seconds=1)


# -- upload caps ------------------------------------------------------------------------------------------


def _pdf_of(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)
    for n in range(pages):
        pdf.drawString(72, 720, f"Page {n + 1}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Document))


def test_a_file_above_the_byte_cap_is_refused_before_anything_is_stored(ada, app, uploads, monkeypatch):
    user, ws = ada
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_MB", 1)
    big = one_invoice(43)[1] + b"\n%" + b"x" * (1024 * 1024)
    with pytest.raises(Invalid) as refused:
        services.upload_documents(ws, user, [services.Upload("ok.pdf", io.BytesIO(one_invoice(44)[1])),
                                             services.Upload("huge.pdf", io.BytesIO(big))])
    assert "“huge.pdf” is larger than the 1 MB limit for a document" in refused.value.fields["files"]
    db.session.rollback()
    assert stored_files(uploads) == [] and _count() == 0


def test_a_pdf_above_the_page_cap_is_refused_with_its_page_count(ada, app, uploads, monkeypatch):
    user, ws = ada
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_PAGES", 3)
    with pytest.raises(Invalid) as refused:
        services.upload_documents(ws, user, [services.Upload("long.pdf", io.BytesIO(_pdf_of(4)))])
    assert "“long.pdf” has 4 pages; a document may have at most 3" in refused.value.message
    db.session.rollback()
    assert stored_files(uploads) == [] and _count() == 0


def test_files_within_the_caps_are_stored(ada, app, monkeypatch):
    user, ws = ada
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_PAGES", 3)
    batch = services.upload_documents(ws, user, [services.Upload("three.pdf", io.BytesIO(_pdf_of(3)))])
    assert [d.original_name for d in services.batch_documents(ws, batch)] == ["three.pdf"]


def test_the_caps_have_sensible_defaults(app):
    with app.app_context():
        max_bytes, max_pages = services.upload_caps()
    assert (max_bytes, max_pages) == (10 * 1024 * 1024, 10)
    assert services.STALE_MINUTES * 60 > jobs.JOB_TIMEOUT  # a job still within its timeout is never failed


def test_the_upload_page_shows_the_cap_message_and_writes_nothing(client, auth, app, ctx, uploads, monkeypatch):
    from tests.factories import make_user, personal_workspace

    user = make_user("cy@example.com", name="Cy", currency="INR")
    personal_workspace(user)
    db.session.commit()
    auth.login("cy@example.com")
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_PAGES", 2)
    answer = client.post("/documents/upload", data={"files": [(io.BytesIO(_pdf_of(5)), "long.pdf")]})
    assert answer.status_code == 422
    assert "has 5 pages; a document may have at most 2" in answer.get_data(as_text=True)
    assert stored_files(uploads) == [] and _count() == 0
