"""The report series API: shapes as documented, scoping, roles, bad input, missing rates."""

from __future__ import annotations

from datetime import date

import pytest

from financeapp.extensions import db
from financeapp.reports.services import REPORTS
from tests.api.test_openapi import assert_documented
from tests.factories import make_account, make_transaction, make_user, personal_workspace

SLUGS = [slug for slug in REPORTS if slug != "budget"]


@pytest.mark.parametrize("slug", SLUGS)
def test_each_series_has_the_documented_shape_and_one_value_per_label(client, signed_in, slug):
    response = client.get(f"/api/v1/reports/{slug}?preset=custom&start=2026-01-01&end=2026-10-31")
    assert response.status_code == 200
    assert_documented(response, "/api/v1/reports/{slug}")
    data = response.get_json()["data"]
    assert data["report"] == slug and data["currency"] == "USD"
    for dataset in data["datasets"]:
        assert len(dataset["data"]) == len(data["labels"])
        assert all(value is None or isinstance(value, str) for value in dataset["data"])
    width = len(data["table"]["columns"])
    assert all(len(row) == width for row in data["table"]["rows"])


def test_the_list_of_reports_is_documented(client, signed_in):
    response = client.get("/api/v1/reports")
    assert_documented(response, "/api/v1/reports")
    assert {"categories", "monthly", "net-worth"} <= {r["slug"] for r in response.get_json()["data"]}


@pytest.mark.parametrize("query", ["preset=someday", "preset=custom&start=2026-13-01&end=2026-12-31",
                                   "start=2026-05-01&end=2026-01-01", "start=junk&end=2026-01-01",
                                   "account=abc", "label=99999999999999999999999", "start=0001-01-01&end=2026-01-01",
                                   "start=1900-01-01&end=2199-12-31"])
def test_bad_filters_are_a_422_with_a_message_per_field(client, signed_in, query):
    response = client.get(f"/api/v1/reports/monthly?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"]
    assert_documented(response, "/api/v1/reports/{slug}")


def test_an_unknown_report_is_a_404(client, signed_in):
    response = client.get("/api/v1/reports/secrets")
    assert response.status_code == 404
    assert_documented(response, "/api/v1/reports/{slug}")


def test_signed_out_is_a_401(client):
    assert client.get("/api/v1/reports/monthly").status_code == 401


def test_another_workspaces_account_or_label_gives_nothing(client, signed_in):
    query = f"preset=custom&start=2024-01-01&end=2026-10-31&account={signed_in.other_account_id}"
    for slug in ("monthly", "categories", "payees", "net-worth"):
        data = client.get(f"/api/v1/reports/{slug}?{query}").get_json()["data"]
        assert all(value in ("0.00", None) for d in data["datasets"] for value in d["data"])
    cash = client.get(f"/api/v1/reports/cash-flow?{query}").get_json()["data"]
    assert cash["table"]["rows"] == []


def test_another_workspaces_numbers_never_appear(client, signed_in, app):
    with app.app_context():
        stranger = personal_workspace(make_user("rich-stranger@example.com"))
        account = make_account(stranger, "Vault")
        make_transaction(account, "-987654.32", on=date(2026, 10, 1), payee="Yacht dealer")
    body = client.get("/api/v1/reports/payees?preset=custom&start=2026-01-01&end=2026-10-31").get_data(as_text=True)
    assert "Yacht dealer" not in body and "987654.32" not in body
    monthly = client.get("/api/v1/reports/monthly?preset=custom&start=2026-10-01&end=2026-10-31").get_json()
    assert "987654" not in str(monthly)


def test_a_viewer_can_read_every_report(client, as_viewer):
    for slug in SLUGS:
        assert client.get(f"/api/v1/reports/{slug}").status_code == 200
        assert client.get(f"/reports/{slug}").status_code == 200
        assert client.get(f"/reports/{slug}.csv").status_code == 200


def test_a_missing_rate_is_a_warning_never_one_to_one(client, auth, ctx):
    ws = personal_workspace(make_user("no-rate@example.com"))
    pounds = make_account(ws, "Pounds", currency="GBP")
    dollars = make_account(ws, "Dollars")
    make_transaction(pounds, "-100.00", on=date(2026, 3, 10))
    make_transaction(dollars, "-7.00", on=date(2026, 3, 11))
    db.session.commit()
    assert auth.login("no-rate@example.com").status_code == 302
    data = client.get("/api/v1/reports/monthly?preset=custom&start=2026-03-01&end=2026-03-31").get_json()["data"]
    assert data["datasets"][1]["data"] == ["7.00"]
    assert "GBP" in data["warnings"][0] and "2026-03" in data["warnings"][0]
    page = client.get("/reports/monthly?preset=custom&start=2026-03-01&end=2026-03-31").get_data(as_text=True)
    assert "No GBP→USD exchange rate" in page
