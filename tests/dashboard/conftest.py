"""The dashboard tests share the reports' dataset fixtures."""

from tests.reports.conftest import as_viewer, dataset, signed_in  # noqa: F401 (fixtures)
