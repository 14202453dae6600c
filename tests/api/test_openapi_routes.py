"""The OpenAPI document against Flask's url_map for /api/v1: every route documented, nothing documented unrouted.

Every API module the app registers counts (the other domains' too, each documenting its own through
openapi.EXTENSION_MODULES); path parameters are compared by name (`<int:account_id>` is `{account_id}`).
"""

from __future__ import annotations

import re

from financeapp.api.openapi import document

METHODS = {"get", "put", "post", "delete", "patch"}


def routed(app) -> set[tuple[str, str]]:
    pairs = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            pairs |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return pairs


def documented() -> set[tuple[str, str]]:
    return {(path, method) for path, item in document()["paths"].items() for method in item if method in METHODS}


def test_every_api_route_is_documented(app):
    assert routed(app) - documented() == set(), "document these operations (a module's OPENAPI)"


def test_nothing_is_documented_that_is_not_routed(app):
    assert documented() - routed(app) == set(), "these documented operations have no route"


def test_path_parameters_match_the_routes_names(app):
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
            assert names == set(re.findall(r"{([^}]+)}", path)), (path, method)


def test_every_read_documents_its_304_and_every_create_its_idempotency_key():
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if operation.get("security") == []:
                continue
            refs = [p.get("$ref", "") for p in operation.get("parameters", [])]
            if method == "get":
                assert "304" in operation["responses"] and refs.count("#/components/parameters/IfNoneMatch") == 1
            if method == "post" and operation["operationId"].startswith("create"):
                assert "#/components/parameters/IdempotencyKey" in refs, path


def test_the_check_fails_on_an_undocumented_route(app):
    from financeapp import create_app

    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    fresh.add_url_rule("/api/v1/widgets/<int:widget_id>", "widgets_delete", lambda widget_id: "", methods=["DELETE"])
    assert routed(fresh) - documented() == {("/api/v1/widgets/{widget_id}", "delete")}
