"""The CRUD resources' real answers (lists, one row, creates, changes, problems) match their documented schemas."""

from __future__ import annotations

from datetime import date

from financeapp.accounts.models import Account
from financeapp.extensions import db
from tests.api.test_openapi import DOCUMENT, assert_documented, violations
from tests.factories import make_category, make_transaction


def request_schema(path: str, method: str) -> dict:
    return DOCUMENT["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


def check(client, method: str, url: str, path: str, body: dict | None = None, status: int | None = None):
    if body is not None and status in (200, 201):
        assert violations(body, request_schema(path, method)) == [], (path, method, body)
    response = client.open(url, method=method.upper(), json=body)
    if status is not None:
        assert response.status_code == status, (url, response.get_json())
    if response.status_code != 204:
        assert_documented(response, path, method)
    return response.get_json()


def test_each_resource_answers_as_documented(client, owner):
    food = make_category(owner.ws, "Food")
    make_transaction(db.session.get(Account, owner.account_id), "-4.00", category=food, payee="Shop",
                     on=date(2026, 3, 2))
    db.session.commit()
    resources = [
        ("/api/v1/accounts", "account_id", {"name": "New"}, {"notes": "n"}),
        ("/api/v1/categories", "category_id", {"name": "New group", "kind": "income"}, {"name": "Renamed"}),
        ("/api/v1/payees", "payee_id", {"name": "New payee", "default_category_id": food.id}, {"name": "Re"}),
        ("/api/v1/labels", "label_id", {"name": "new"}, {"name": "renamed"}),
        ("/api/v1/goals", "goal_id", {"name": "Goal", "target_amount": "10", "target_date": "2030-01-01"},
         {"target_date": None}),
        ("/api/v1/budgets/lines", "line_id", {"category_id": food.id, "amount": "5", "month": "2026-03"},
         {"amount": "6"}),
    ]
    for base, id_name, new, change in resources:
        item = f"{base}/{{{id_name}}}"
        made = check(client, "post", base, base, new, 201)["data"]
        check(client, "get", base, base, status=200)
        check(client, "get", f"{base}/{made['id']}", item, status=200)
        check(client, "patch", f"{base}/{made['id']}", item, change, 200)
        check(client, "post", base, base, {"bogus": True}, 422)
        check(client, "get", f"{base}?per_page=0", base, status=400)
        check(client, "get", f"{base}/999999", item, status=404)
        if base == "/api/v1/goals":
            contributions = f"{base}/{made['id']}/contributions"
            gift = check(client, "post", contributions, f"{item}/contributions", {"date": "2026-01-01",
                                                                                  "amount": "-1"}, 201)["data"]
            check(client, "get", contributions, f"{item}/contributions", status=200)
            check(client, "delete", f"{contributions}/{gift['id']}", f"{item}/contributions/{{contribution_id}}",
                  status=204)
        check(client, "delete", f"{base}/{made['id']}", item, status=204)
    check(client, "get", "/api/v1/budgets/figures?month=2026-03", "/api/v1/budgets/figures", status=200)
    check(client, "get", "/api/v1/budgets/figures?month=x", "/api/v1/budgets/figures", status=400)
    txn = client.get("/api/v1/transactions").get_json()["data"][0]
    path = "/api/v1/transactions/{transaction_id}"
    check(client, "patch", f"/api/v1/transactions/{txn['id']}", path, {"memo": "m", "amount": "-5"}, 200)
    check(client, "patch", f"/api/v1/transactions/{txn['id']}", path, {"version": 99}, 409)
    check(client, "delete", f"/api/v1/transactions/{txn['id']}", path, status=204)
