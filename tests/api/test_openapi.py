"""GET /api/v1/openapi.json: a well-formed OpenAPI 3.1 document that matches the routes and the responses.

openapi-spec-validator is not installed, so the structure is checked here: every route documented and
every documented path routed, every $ref resolvable, path parameters declared, and real responses
validated against the documented schemas by a small JSON Schema subset checker.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from financeapp.api.openapi import document
from financeapp.extensions import db
from financeapp.rates.services import set_rate
from financeapp.transactions import services
from financeapp.transactions.services import EntryInput
from tests.factories import make_account, make_category

DOCUMENT = document()

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def resolve(ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = DOCUMENT
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _is(instance: Any, kind: str) -> bool:
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    }
    return checks[kind](instance)


def violations(instance: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """What in `instance` breaks `schema` (the JSON Schema keywords this document uses)."""
    if "$ref" in schema:
        return violations(instance, resolve(schema["$ref"]), path)
    found: list[str] = []
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not violations(instance, s, path)]
        if len(matching) != 1:
            found.append(f"{path}: matches {len(matching)} of the oneOf schemas")
    for sub in schema.get("allOf", []):
        found += violations(instance, sub, path)
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(instance, kind) for kind in kinds):
            return [*found, f"{path}: {instance!r} is not {schema['type']}"]
    if "enum" in schema and instance not in schema["enum"]:
        found.append(f"{path}: {instance!r} not in {schema['enum']}")
    if "const" in schema and instance != schema["const"]:
        found.append(f"{path}: {instance!r} is not {schema['const']!r}")
    if isinstance(instance, str) and "pattern" in schema and not re.search(schema["pattern"], instance):
        found.append(f"{path}: {instance!r} does not match {schema['pattern']}")
    if isinstance(instance, str) and not schema.get("minLength", 0) <= len(instance) <= schema.get("maxLength",
                                                                                                 len(instance)):
        found.append(f"{path}: {len(instance)} characters")
    if _is(instance, "number") and (
        instance < schema.get("minimum", instance) or instance > schema.get("maximum", instance)
        or ("exclusiveMinimum" in schema and instance <= schema["exclusiveMinimum"])
    ):
        found.append(f"{path}: {instance} out of range")
    if isinstance(instance, dict):
        found += [f"{path}: {name} missing" for name in schema.get("required", []) if name not in instance]
        properties = schema.get("properties", {})
        for key, value in instance.items():
            if key in properties:
                found += violations(value, properties[key], f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{path}: {key} is not allowed")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += violations(value, schema["additionalProperties"], f"{path}.{key}")
    if isinstance(instance, list):
        if "items" in schema:
            for index, item in enumerate(instance):
                found += violations(item, schema["items"], f"{path}[{index}]")
        if len(instance) < schema.get("minItems", 0) or len(instance) > schema.get("maxItems", len(instance)):
            found.append(f"{path}: {len(instance)} items")
    return found


def api_rules(app: Flask) -> dict[str, set[str]]:
    """Flask's /api/v1 routes as OpenAPI paths, with their methods."""
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            rules.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return rules


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in DOCUMENT["paths"].items()
            for method, op in item.items() if method in METHODS]


def response_schema(path: str, method: str, status: int) -> dict[str, Any]:
    response = DOCUMENT["paths"][path][method]["responses"][str(status)]
    response = resolve(response["$ref"]) if "$ref" in response else response
    media = "application/problem+json" if status >= 400 else "application/json"
    return response["content"][media]["schema"]


def assert_documented(response, path: str, method: str = "get") -> None:
    schema = response_schema(path, method, response.status_code)
    assert violations(response.get_json(), schema) == []


def test_the_document_is_served_without_signing_in(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == DOCUMENT


def test_every_api_route_is_documented_and_every_documented_path_is_routed(app):
    routes = api_rules(app)
    documented = {path: {m for m in item if m in METHODS} for path, item in DOCUMENT["paths"].items()}
    assert documented == routes


def test_the_document_has_the_required_structure():
    assert DOCUMENT["openapi"].startswith("3.1.")
    assert DOCUMENT["info"]["title"] and DOCUMENT["info"]["version"]
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["sessionCookie"] == {**schemes["sessionCookie"], "type": "apiKey", "in": "cookie"}
    for requirement in DOCUMENT["security"]:
        assert set(requirement) <= set(schemes)
    for name in ("Transaction", "Account", "Category", "Problem"):
        assert name in DOCUMENT["components"]["schemas"]
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("path", "method", "op"), operations(), ids=lambda v: v if isinstance(v, str) else "")
def test_each_operation_is_well_formed(path, method, op):
    assert op["responses"], "an operation needs responses"
    for status, response in op["responses"].items():
        assert re.fullmatch(r"[1-5]\d\d", status)
        response = resolve(response["$ref"]) if "$ref" in response else response
        assert response["description"]
        for media in response.get("content", {}).values():
            assert "schema" in media
    parameters = [resolve(p["$ref"]) if "$ref" in p else p for p in op.get("parameters", [])]
    for parameter in parameters:
        assert parameter["in"] in {"query", "header", "path", "cookie"} and parameter["name"] and parameter["schema"]
    in_template = set(re.findall(r"{([^}]+)}", path))
    in_path = {p["name"] for p in parameters if p["in"] == "path"}
    assert in_template == in_path
    assert all(p["required"] for p in parameters if p["in"] == "path")
    for requirement in op.get("security", []):
        assert set(requirement) <= set(DOCUMENT["components"]["securitySchemes"])


def test_every_reference_resolves():
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                resolve(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(DOCUMENT)


def test_real_responses_match_the_documented_schemas(client, owner):
    euros = make_account(owner.ws, "Euros", currency="EUR")
    make_account(owner.ws, "Pounds", currency="GBP", archived=True)
    set_rate(owner.ws, "EUR", "USD", date(2026, 1, 1), "1.1")
    food = make_category(owner.ws, "Food")
    services.record_entry(owner.ws, EntryInput(account_id=euros.id, on=date(2026, 3, 1), amount=Decimal(1),
                                               direction="out", payee="Shop", category_id=food.id, labels=("trip",)))
    db.session.commit()
    first = client.get("/api/v1/transactions").get_json()["data"][0]["id"]

    assert_documented(client.get("/api/v1/me"), "/api/v1/me")
    assert_documented(client.get("/api/v1/accounts"), "/api/v1/accounts")
    assert_documented(client.get("/api/v1/categories"), "/api/v1/categories")
    assert_documented(client.get("/api/v1/transactions"), "/api/v1/transactions")
    assert_documented(client.get(f"/api/v1/transactions/{first}"), "/api/v1/transactions/{transaction_id}")
    assert_documented(client.get("/api/v1/transactions/0"), "/api/v1/transactions/{transaction_id}")
    assert_documented(client.get("/api/v1/transactions?kind=bogus"), "/api/v1/transactions")
    entry = {"account_id": owner.account_id, "date": "2026-03-02", "amount": "4.20", "direction": "in",
             "lines": [{"category_id": food.id, "amount": "4"}, {"amount": 0.2, "memo": "tip"}]}
    transfer = {"type": "transfer", "from_account_id": owner.account_id, "to_account_id": euros.id,
                "date": "2026-03-03", "amount": 10, "to_amount": "9.10"}
    for body in (entry, transfer):
        assert violations(body, response_schema_request()) == []
        response = client.post("/api/v1/transactions", json=body)
        assert response.status_code == 201
        assert_documented(response, "/api/v1/transactions", "post")
    for response, status in ((client.post("/api/v1/transactions", json={"amount": "x"}), 422),
                             (client.post("/api/v1/transactions", data="x"), 415)):
        assert response.status_code == status
        assert_documented(response, "/api/v1/transactions", "post")


def response_schema_request() -> dict[str, Any]:
    return DOCUMENT["paths"]["/api/v1/transactions"]["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_the_request_schema_refuses_what_the_api_refuses():
    schema = response_schema_request()
    assert violations({"account_id": 1, "date": "2026-03-02", "amount": "1", "direction": "out"}, schema) == []
    assert violations({"account_id": 1, "date": "2026-03-02", "amount": "1", "direction": "out", "x": 1}, schema)
    assert violations({"type": "transfer", "account_id": 1, "date": "2026-03-02", "amount": "1"}, schema)
    assert violations({"account_id": 1, "date": "2026-03-02", "amount": True, "direction": "out"}, schema)
    assert violations({"account_id": 1, "date": "2026-03-02", "amount": -1, "direction": "out"}, schema)


def test_signed_out_responses_match_the_documented_problem(client):
    assert_documented(client.get("/api/v1/accounts"), "/api/v1/accounts")
