"""Uploads nobody carried out are discarded by `flask jobs run-due` after a week, files and all."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.imports import storage
from financeapp.imports.models import ImportBatch
from financeapp.jobs import runner
from tests.factories import make_user, personal_workspace

TODAY = date(2026, 11, 22)


def _upload(ws_id: int, name: str, *, status: str, age: timedelta) -> ImportBatch:
    batch = ImportBatch(workspace_id=ws_id, file_name=f"{name}.csv", format="csv", status=status, stored_name=name,
                        created_at=datetime(2026, 11, 22, 9) - age)
    db.session.add(batch)
    storage.import_folder(ws_id).mkdir(parents=True, exist_ok=True)
    storage.stored_path(batch).write_bytes(b"Date,Amount\n2026-11-01,-5.00\n")
    storage.plan_path(batch).write_bytes(b"{}")
    return batch


def test_run_due_discards_week_old_uploads_that_were_never_imported(ctx, monkeypatch, tmp_path):
    monkeypatch.setitem(ctx.config, "UPLOAD_FOLDER", str(tmp_path))
    ws = personal_workspace(make_user("abandoned@example.com"))
    old = _upload(ws.id, "old", status="staged", age=timedelta(days=8))
    failed = _upload(ws.id, "failed", status="failed", age=timedelta(days=30))
    fresh = _upload(ws.id, "fresh", status="staged", age=timedelta(days=2))
    done = _upload(ws.id, "done", status="committed", age=timedelta(days=90))
    db.session.commit()
    gone_files = [storage.stored_path(old), storage.plan_path(old), storage.stored_path(failed)]
    kept_files = [storage.stored_path(fresh), storage.stored_path(done)]

    run = runner.run_due(TODAY)

    assert run.status == "ok", run.error
    assert run.summary_data["abandoned_imports"] == 2
    assert "abandoned imports discarded: 2" in runner.describe_run(run)
    names = set(db.session.scalars(sa.select(ImportBatch.file_name)))
    assert names == {"fresh.csv", "done.csv"}  # a committed import stays: it can still be undone
    assert not any(path.exists() for path in gone_files)
    assert all(path.exists() for path in kept_files)
    assert runner.run_due(TODAY).summary_data["abandoned_imports"] == 0
