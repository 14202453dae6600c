"""The JSON API's fixtures (tests/api/fixtures.py), for the tests of the API as a whole (the OpenAPI document).

Each domain's API tests live beside its other tests (tests/<domain>/test_api.py) and import the
fixtures they use from tests.api.fixtures.
"""

from __future__ import annotations

from tests.api.fixtures import ledger, owner, viewer  # noqa: F401 (fixtures)
