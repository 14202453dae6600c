"""Routes of the documents pages (filled in by the pages slice)."""

from __future__ import annotations

from financeapp.documents import bp  # noqa: F401
