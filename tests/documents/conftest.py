"""Documents tests: an empty upload folder each, Ada's workspace, and the OCR requirement.

OCR tests skip with the reason when Tesseract is missing; with FINANCEAPP_REQUIRE_OCR=1 (CI) they fail.
"""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from financeapp.documents import jobs, ocr, services
from financeapp.extensions import db
from tests.factories import make_user, personal_workspace

REFERENCE_DAY = date(2026, 4, 1)
OCR_REQUIRED = os.environ.get("FINANCEAPP_REQUIRE_OCR") == "1"


@pytest.fixture(autouse=True)
def uploads(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


@pytest.fixture
def needs_ocr() -> None:
    problem = ocr.missing()
    if problem is None:
        return
    if OCR_REQUIRED:
        pytest.fail(f"FINANCEAPP_REQUIRE_OCR=1 but OCR cannot run: {problem}")
    pytest.skip(problem)


@pytest.fixture
def ada(ctx):
    user = make_user("ada@example.com", name="Ada", currency="INR")
    return user, personal_workspace(user)


def upload_and_read(workspace, user, name: str, content: bytes, *, today: date = REFERENCE_DAY):
    """Upload one file, read it inline as the CLI does, and return the document."""
    batch = services.upload_documents(workspace, user, [services.Upload(name, io.BytesIO(content))])
    db.session.commit()
    doc = services.batch_documents(workspace, batch)[0]
    jobs.run_document(doc.id, workspace.id, today=today)
    db.session.expire_all()
    return services.get_document(workspace, doc.id)
