"""Report pages: the list, each report's chart, table and notes, filters, CSV downloads."""

from __future__ import annotations

import csv
import io

import pytest

from financeapp.reports.services import REPORTS

SLUGS = [slug for slug in REPORTS if slug != "budget"]


def test_the_reports_page_lists_every_report(client, signed_in):
    page = client.get("/reports/").get_data(as_text=True)
    for slug in SLUGS:
        assert f'href="/reports/{slug}"' in page


@pytest.mark.parametrize("slug", SLUGS)
def test_each_report_has_a_chart_a_table_a_picker_and_the_conversion_note(client, signed_in, slug):
    response = client.get(f"/reports/{slug}?preset=custom&start=2026-01-01&end=2026-10-31")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'data-src="/api/v1/reports/{slug}?' in page
    assert "<table" in page and "<caption" in page
    assert 'name="preset"' in page and 'name="account"' in page and 'name="label"' in page
    assert "last day" in page
    assert "<script>" not in page and " style=" not in page


@pytest.mark.parametrize("slug", SLUGS)
def test_each_report_downloads_as_csv_with_the_tables_numbers(client, signed_in, slug):
    query = "preset=custom&start=2026-01-01&end=2026-10-31"
    response = client.get(f"/reports/{slug}.csv?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    table = client.get(f"/api/v1/reports/{slug}?{query}").get_json()["data"]["table"]
    assert rows[0] == [c["title"] for c in table["columns"]]
    assert len(rows) == 1 + len(table["rows"]) + (1 if table["totals"] else 0)
    assert rows[1] == ["" if v is None else str(v) for v in table["rows"][0]]


@pytest.mark.parametrize("query", ["preset=custom&start=2026-02-30&end=2026-03-01", "start=2026-05-01&end=2026-01-01",
                                   "preset=whenever", "account=-4", "start=99999-01-01&end=2026-01-01"])
def test_bad_filters_show_a_message_and_the_default_range(client, signed_in, query):
    response = client.get(f"/reports/monthly?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "text-danger" in page or "invalid-feedback" in page


def test_unknown_report_is_a_404(client, signed_in):
    assert client.get("/reports/nothing").status_code == 404
    assert client.get("/reports/nothing.csv").status_code == 404


def test_an_empty_range_says_so(client, signed_in):
    page = client.get("/reports/payees?preset=custom&start=1990-01-01&end=1990-01-31").get_data(as_text=True)
    assert "Nothing in this range" in page
