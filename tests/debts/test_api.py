"""JSON: GET /api/v1/debts/{id}/schedule and GET /api/v1/debts/plan, checked against the OpenAPI document."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy_financial as npf
import pytest

from financeapp.api.openapi import document
from tests.api.test_openapi import violations
from tests.debts.conftest import make_card, make_loan

DOCUMENT = document()


def documented(response, path: str) -> dict:
    """The response matches its documented schema (problem+json for errors); returns the body."""
    operation = DOCUMENT["paths"][path]["get"]
    spec = operation["responses"][str(response.status_code)]
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[1]
        spec = DOCUMENT["components"]["responses"][name]
    media = "application/problem+json" if response.status_code >= 400 else "application/json"
    assert response.mimetype == media
    body = response.get_json()
    assert violations(body, spec["content"][media]["schema"]) == []
    return body


def test_both_endpoints_are_in_the_openapi_document():
    assert "/api/v1/debts/{debt_id}/schedule" in DOCUMENT["paths"]
    assert "/api/v1/debts/plan" in DOCUMENT["paths"]
    assert {"name": "debts"} in DOCUMENT["tags"]
    for name in ("DebtSchedule", "DebtPeriod", "DebtPlan", "DebtPlanSummary"):
        assert name in DOCUMENT["components"]["schemas"]


def test_a_loans_schedule_has_every_period_as_strings_and_matches_numpy(client, owner):
    loan = make_loan(owner.ws, principal="15000", rate="8", term=60)
    body = documented(client.get(f"/api/v1/debts/{loan.id}/schedule"), "/api/v1/debts/{debt_id}/schedule")
    data = body["data"]
    assert data["payment"] == "304.15" and data["currency"] == "USD" and data["annual_rate"] == "8"
    assert len(data["periods"]) == 60 and data["periods"][-1]["balance"] == "0.00"
    assert data["periods"][0] == {"number": 1, "date": "2026-02-15", "payment": "304.15", "interest": "100.00",
                                  "principal": "204.15", "balance": "14795.85"}
    assert all(isinstance(p[key], str) for p in data["periods"] for key in ("payment", "interest", "principal"))
    with np.errstate(all="ignore"):
        ipmt = [-npf.ipmt(8 / 1200, n, 60, 15000) for n in range(1, 60)]
    assert all(abs(Decimal(p["interest"]) - Decimal(repr(float(i)))) <= Decimal("0.01")
               for p, i in zip(data["periods"], ipmt, strict=False))
    assert Decimal(data["total_paid"]) == Decimal(15000) + Decimal(data["total_interest"])


def test_a_cards_schedule_is_its_payoff_at_the_minimum_or_a_422_when_that_never_ends(client, owner):
    card = make_card(owner.ws, balance="1000", rate="18", minimum="100")
    data = documented(client.get(f"/api/v1/debts/{card.id}/schedule"), "/api/v1/debts/{debt_id}/schedule")["data"]
    assert data["debt"]["kind"] == "credit_card" and data["periods"][0]["interest"] == "15.00"
    assert data["periods"][-1]["balance"] == "0.00"
    stuck = make_card(owner.ws, "Stuck", balance="10000", rate="24", minimum="150")
    problem = documented(client.get(f"/api/v1/debts/{stuck.id}/schedule"), "/api/v1/debts/{debt_id}/schedule")
    assert problem["status"] == 422 and "never" in problem["detail"]


def test_the_plan_has_months_debt_free_date_interest_and_rows(client, owner):
    make_loan(owner.ws, "Car loan", principal="12000", rate="6.9", term=36)
    make_card(owner.ws, "Visa", balance="4200", rate="22.99", minimum="35", percent="2")
    body = documented(client.get("/api/v1/debts/plan?strategy=snowball&extra=250"), "/api/v1/debts/plan")
    data = body["data"]
    assert (data["strategy"], data["extra"], data["currency"], data["finished"]) == ("snowball", "250.00", "USD", True)
    assert data["months"] == len(data["rows"]) and data["debt_free"] == data["rows"][-1]["date"]
    assert [d["name"] for d in data["debts"]] == ["Visa", "Car loan"]
    assert data["rows"][-1]["balance"] == "0.00"
    assert sum(Decimal(r["interest"]) for r in data["rows"]) == Decimal(data["total_interest"])
    assert sum(Decimal(d["interest"]) for d in data["debts"]) == Decimal(data["total_interest"])
    comparison = data["comparison"]
    assert Decimal(comparison["avalanche"]["total_interest"]) <= Decimal(comparison["snowball"]["total_interest"])
    assert comparison["snowball"]["months"] == data["months"]


def test_the_plan_defaults_to_the_saved_strategy_and_says_when_it_never_ends(client, owner):
    make_card(owner.ws, "Loan shark", balance="10000", rate="60", minimum="100")
    data = documented(client.get("/api/v1/debts/plan"), "/api/v1/debts/plan")["data"]
    assert data["strategy"] == "avalanche" and data["finished"] is False and data["debt_free"] is None
    assert "never be paid off" in data["message"] and data["months"] is None
    empty = client.get("/api/v1/debts/plan?extra=0")
    assert empty.status_code == 200


@pytest.mark.parametrize("query", ["strategy=bogus", "extra=abc", "extra=-1", "extra=NaN", "extra=1e400",
                                   "extra=0.001", "extra=99999999999999999"])
def test_bad_plan_parameters_are_a_400_problem_naming_the_parameter(client, owner, query):
    response = client.get(f"/api/v1/debts/plan?{query}")
    body = documented(response, "/api/v1/debts/plan")
    assert body["status"] == 400 and query.split("=")[0] in body["errors"]


def test_another_workspaces_debt_and_junk_ids_are_404(client, owner):
    for debt_id in (owner.other_debt_id, 0, 2**63, 10**30):
        response = client.get(f"/api/v1/debts/{debt_id}/schedule")
        assert response.status_code == 404
        documented(response, "/api/v1/debts/{debt_id}/schedule")


def test_a_viewer_may_read_both(client, viewer):
    loan = make_loan(viewer.ws)
    assert client.get(f"/api/v1/debts/{loan.id}/schedule").status_code == 200
    assert client.get("/api/v1/debts/plan").status_code == 200


def test_signed_out_requests_are_a_401_problem(client, books):
    documented(client.get("/api/v1/debts/plan"), "/api/v1/debts/plan")
    assert client.get(f"/api/v1/debts/{books.other_debt_id}/schedule").status_code == 401
