"""`flask invoices upload PATH... --workspace W --json` and `flask invoices reprocess ID`."""

from __future__ import annotations

import json

from financeapp.documents.models import Document
from financeapp.extensions import db
from tests.documents.corpus import one_invoice
from tests.factories import make_user


def test_upload_reads_the_files_in_order_and_prints_the_json_the_issue_names(app, runner, tmp_path):
    with app.app_context():
        make_user("cli@example.com", currency="INR")
    _spec, first_pdf, first = one_invoice(51)
    _spec, wrong_pdf, wrong = one_invoice(52, wrong_total=100)
    paths = [tmp_path / "first.pdf", tmp_path / "wrong.pdf", tmp_path / "again.pdf", tmp_path / "notes.txt"]
    paths[0].write_bytes(first_pdf)
    paths[1].write_bytes(wrong_pdf)
    paths[2].write_bytes(first_pdf)
    paths[3].write_text("not a document")
    result = runner.invoke(args=["invoices", "upload", *map(str, paths), "--workspace", "cli@example.com", "--json"])
    assert result.exit_code == 1, result.output  # the text file was refused
    rows = json.loads(result.output)
    assert [r["file"] for r in rows] == list(map(str, paths))
    assert [r["status"] for r in rows] == ["processed", "processed", "processed", "refused"]
    assert set(rows[0]) == {"file", "id", "status", "fields", "gstin_valid", "flags"}
    assert rows[0]["fields"] == {
        "vendor": first.vendor, "vendor_gstin": first.vendor_gstin, "invoice_number": first.number,
        "date": first.on.isoformat(), "currency": "INR", "subtotal": f"{first.subtotal:.2f}",
        "tax": f"{first.tax:.2f}", "total": f"{first.total:.2f}"}
    assert rows[0]["gstin_valid"] is True and rows[0]["flags"] == []
    assert rows[1]["fields"]["total"] == f"{wrong.total:.2f}" and "total_mismatch" in rows[1]["flags"]
    assert rows[2]["flags"] == ["duplicate"]
    assert "Only PDF, PNG, JPEG and HEIC" in rows[3]["message"]


def test_reprocess_reads_a_document_again(app, runner, tmp_path):
    with app.app_context():
        make_user("cli@example.com", currency="INR")
    path = tmp_path / "a.pdf"
    path.write_bytes(one_invoice(53)[1])
    assert runner.invoke(args=["invoices", "upload", str(path), "--workspace", "cli@example.com"]).exit_code == 0
    with app.app_context():
        doc_id = db.session.query(Document.id).scalar()
    result = runner.invoke(args=["invoices", "reprocess", str(doc_id), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "processed"
    assert runner.invoke(args=["invoices", "reprocess", "999999"]).exit_code == 1
