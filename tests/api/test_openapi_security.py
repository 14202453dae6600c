"""The OpenAPI document states what the code does (issue 11, part 6): Bearer tokens with their scope on
every operation, empty query values taken as not given, ids from 1, and `end` or `start` alone accepted."""

from __future__ import annotations

import pytest

from financeapp.api.openapi import document
from financeapp.auth.tokens import NewToken, create_token
from financeapp.extensions import db
from tests.factories import make_transaction

DOCUMENT = document()
OPERATIONS = [(path, method, op) for path, item in DOCUMENT["paths"].items() for method, op in item.items()
              if method in {"get", "post", "put", "patch", "delete"}]
# A value for each path parameter of the GET operations probed below.
PATH_VALUES = {"slug": "monthly"}
# Values for required query parameters, so the optional ones beside them can be probed.
QUERY_VALUES = {"q": "spending last month"}


def test_bearer_tokens_are_a_security_scheme_beside_the_cookie():
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["bearerToken"]["scheme"] == "bearer" and schemes["bearerToken"]["bearerFormat"] == "fa_…"
    assert "sessionCookie" in schemes


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS])
def test_every_operation_names_the_token_scope_it_needs(path, method, operation):
    if path == "/api/v1/openapi.json":
        assert operation["security"] == []
        return
    scope = "read" if method == "get" else "read-write"
    assert operation["security"] == [{"sessionCookie": []}, {"bearerToken": [scope]}]
    assert {"401", "403"} <= set(operation["responses"])


def test_a_read_token_may_read_but_not_write_as_documented(client, ledger):
    _, read = create_token(ledger.ws.memberships[0].user, ledger.ws, NewToken("script", "read"))
    db.session.commit()
    headers = {"Authorization": f"Bearer {read}"}
    assert client.get("/api/v1/transactions", headers=headers).status_code == 200
    refused = client.post("/api/v1/transactions", json={}, headers=headers)
    assert refused.status_code == 403 and "403" in DOCUMENT["paths"]["/api/v1/transactions"]["post"]["responses"]


def _probes() -> list[tuple[str, str]]:
    """(url, parameter) for every optional query parameter of every GET operation we can call without ids."""
    found = []
    for path, item in DOCUMENT["paths"].items():
        operation = item.get("get")
        if operation is None or path.endswith("openapi.json"):
            continue
        url = path
        for name, value in PATH_VALUES.items():
            url = url.replace(f"{{{name}}}", value)
        if "{" in url:
            continue
        parameters = [p for p in operation.get("parameters", []) if "$ref" not in p and p["in"] == "query"]
        required = [p["name"] for p in parameters if p.get("required")]
        if any(name not in QUERY_VALUES for name in required):
            continue
        if required:
            url += "?" + "&".join(f"{name}={QUERY_VALUES[name]}" for name in required)
        found += [(url, p["name"]) for p in parameters if not p.get("required")]
    return found


@pytest.mark.parametrize(("url", "name"), _probes())
def test_an_empty_query_value_is_taken_as_not_given(client, owner, url, name):
    make_transaction(_account(owner), "-5.00")
    plain = client.get(url)
    empty = client.get(f"{url}{'&' if '?' in url else '?'}{name}=")
    # 202: a forecast being computed in a job (insights/forecasts); the empty value must still be accepted.
    assert plain.status_code in (200, 202), plain.get_data(as_text=True)
    assert empty.status_code in (200, 202), f"{name}= : {empty.get_data(as_text=True)}"
    if plain.status_code == empty.status_code == 200:
        assert empty.get_json()["data"] == plain.get_json()["data"]
    schema = next(p for p in DOCUMENT["paths"][_documented(url.split("?")[0])]["get"]["parameters"]
                  if p.get("name") == name)
    assert {"type": "string", "maxLength": 0} in [{k: v for k, v in s.items() if k != "description"}
                                                  for s in schema["schema"]["anyOf"]]


def _account(ledger):
    from financeapp.accounts.models import Account
    return db.session.get(Account, ledger.account_id)


def _documented(url: str) -> str:
    for name, value in PATH_VALUES.items():
        url = url.replace(f"/{value}", f"/{{{name}}}")
    return url


def _schema(path: str, name: str) -> dict:
    parameter = next(p for p in DOCUMENT["paths"][path]["get"]["parameters"] if p.get("name") == name)
    return parameter["schema"].get("anyOf", [parameter["schema"]])[0]


@pytest.mark.parametrize(("url", "path", "name", "status"), [
    ("/api/v1/transactions/0", "/api/v1/transactions/{transaction_id}", "transaction_id", 404),
    ("/api/v1/reports/monthly?account=0", "/api/v1/reports/{slug}", "account", 422),
    ("/api/v1/invoices?vendor_id=0", "/api/v1/invoices", "vendor_id", 400),
])
def test_where_ids_below_1_are_refused_the_document_says_ids_start_at_1(client, owner, url, path, name, status):
    assert client.get(url).status_code == status
    assert _schema(path, name)["minimum"] == 1


def test_the_transactions_filter_takes_any_id_and_says_so(client, owner):
    response = client.get("/api/v1/transactions?account=0&label=-3")
    assert response.status_code == 200 and response.json["data"] == []
    assert _schema("/api/v1/transactions", "account")["minimum"] < 0


def test_a_report_takes_end_alone_or_start_alone(client, owner):
    end_only = client.get("/api/v1/reports/monthly?end=2026-06-30")
    assert end_only.status_code == 200, end_only.get_data(as_text=True)
    assert (end_only.json["meta"]["start"], end_only.json["meta"]["end"]) == ("2025-07-01", "2026-06-30")
    start_only = client.get("/api/v1/reports/monthly?start=2020-01-01")
    assert start_only.status_code == 200 and start_only.json["meta"]["start"] == "2020-01-01"
    bad = client.get("/api/v1/reports/monthly?end=2026-02-30")
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"end"}, "only the bad field is blamed"

