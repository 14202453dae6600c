"""The JSON API's fixtures (an owner's ledger, a viewer, a stranger) for test_api.py here."""

from __future__ import annotations

from tests.api.fixtures import ledger, owner, viewer  # noqa: F401 (fixtures)
