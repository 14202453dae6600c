"""Each receipts test gets its own, empty upload folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask


@pytest.fixture(autouse=True)
def uploads(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


def stored_files(folder: Path) -> list[Path]:
    """Every file under the upload folder."""
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []
