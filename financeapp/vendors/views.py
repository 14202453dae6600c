"""Routes of the vendors pages (filled in by the pages slice)."""

from __future__ import annotations

from financeapp.vendors import bp  # noqa: F401
