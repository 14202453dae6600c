"""What an import keeps between the wizard's steps: the uploaded file, its preview and progress
files beside it on disk, and the options kept on the `ImportBatch` row.

The files live in the workspace's folder under `UPLOAD_FOLDER` (outside static/): the upload under a
random token (`stored_path`), its preview as one line per row (`plan_path`, written by
`services.analyse_batch`), and the live progress of a running step (`ProgressFile`). The batch's
`options` column holds the wizard's choices as JSON (state.py's `WizardState`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app

from financeapp.core import crypto
from financeapp.core.errors import NotFound
from financeapp.imports.models import ImportBatch

PROGRESS_EVERY = 2_000  # rows between progress reports

ProgressFn = Callable[[int, int], None]


# -- files ------------------------------------------------------------------------------------


def import_folder(workspace_id: int) -> Path:
    """Where a workspace's uploaded bank files wait for their import (outside static/)."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / "imports" / str(int(workspace_id))


def stored_path(batch: ImportBatch) -> Path:
    if not batch.stored_name:
        raise NotFound("The uploaded file of this import is no longer kept; upload it again.")
    return import_folder(batch.workspace_id) / batch.stored_name


def read_stored(batch: ImportBatch) -> bytes:
    """The uploaded bank file, decrypted (it is stored encrypted, core/crypto.py)."""
    try:
        return crypto.read_file(stored_path(batch))
    except FileNotFoundError:
        raise NotFound("The uploaded file of this import is no longer kept; upload it again.") from None


def plan_path(batch: ImportBatch) -> Path:
    return stored_path(batch).with_suffix(".plan")


def open_plan(batch: ImportBatch) -> io.StringIO:
    """The stored preview, decrypted, to read line by line."""
    return io.StringIO(crypto.read_file(plan_path(batch)).decode("utf-8"))


def progress_path(batch: ImportBatch) -> Path:
    return import_folder(batch.workspace_id) / f"{batch.stored_name or batch.id}.progress"


def discard_files(batch: ImportBatch) -> None:
    """Remove the upload and its preview once the import is done (call after the commit)."""
    if not batch.stored_name:
        return
    for path in (stored_path(batch), plan_path(batch), progress_path(batch)):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            current_app.logger.warning("could not remove %s", path)


def write_atomically(path: Path, data: bytes, *, sealed: bool = False) -> None:
    """Replace `path` with `data` at once; `sealed` encrypts it (the upload and its preview hold bank data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    if sealed:
        crypto.write_file(temporary, data)
    else:
        temporary.write_bytes(data)
    os.replace(temporary, path)


def clean_file_name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:255] or "upload"


# -- progress of a running step -------------------------------------------------------------------


class ProgressFile:
    """Live progress of a running step, in a small file beside the upload.

    The database transaction that imports the rows cannot also publish progress (on SQLite
    nobody else may write while it runs), so the page polls this file; the batch's own
    `progress` column holds the final count once the transaction commits.
    """

    def __init__(self, batch: ImportBatch, label: str):
        self.path = progress_path(batch)
        self.label = label
        self.last = -PROGRESS_EVERY

    def __call__(self, done: int, total: int) -> None:
        if done - self.last < PROGRESS_EVERY and done < total:
            return
        self.last = done
        with contextlib.suppress(OSError):  # progress is a nicety; never fail an import for it
            write_atomically(self.path, json.dumps({"done": done, "total": total, "step": self.label}).encode())

    @staticmethod
    def read(batch: ImportBatch) -> dict[str, Any] | None:
        try:
            data = json.loads(progress_path(batch).read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None
