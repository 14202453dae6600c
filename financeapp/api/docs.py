"""Small builders for the OpenAPI entries of the API modules (the resources' OPENAPI dicts).

They spell the shapes every resource shares the same way: the `{"data": ...}` envelope, the list
envelope with `ListMeta`, the problem responses, id path parameters, page parameters.
"""

from __future__ import annotations

from typing import Any

from financeapp.api.resources import MAX_PER_PAGE
from financeapp.core.pagination import MAX_PAGE

ERROR_NAMES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
               415: "UnsupportedMediaType", 422: "Invalid"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"$ref": f"#/components/responses/{ERROR_NAMES[s]}"} for s in statuses}


def envelope(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["data"], "properties": {"data": schema}}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def one(name: str, description: str) -> dict[str, Any]:
    return json_response(envelope(ref(name)), description)


def many(name: str, description: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """A page of `name` rows with the shared ListMeta (plus a resource's own `meta` properties)."""
    meta_schema: dict[str, Any] = ref("ListMeta") if meta is None else {"allOf": [ref("ListMeta"), meta]}
    return json_response({"type": "object", "required": ["data", "meta"],
                          "properties": {"data": {"type": "array", "items": ref(name)}, "meta": meta_schema}},
                         description)


def body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGE_PARAMETERS = [
    query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
          "Page number (past the last page: the last page)."),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50}, "Rows per page."),
]
CSRF = {"$ref": "#/components/parameters/CsrfToken"}

LIST_META = {
    "type": "object",
    "required": ["page", "per_page", "total", "pages", "next"],
    "properties": {
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "total": {"type": "integer", "minimum": 0, "description": "Rows matching the filters, on all pages."},
        "pages": {"type": "integer", "minimum": 1},
        "next": {"type": ["integer", "null"], "description": "The next page's number; null on the last page."},
    },
}


def crud(base: str, id_name: str, name: str, tag: str, *, noun: str, plural: str,
         filters: list[dict[str, Any]] | None = None, list_meta: dict[str, Any] | None = None,
         create: bool = True, update: bool = True, delete: bool = True,
         delete_parameters: list[dict[str, Any]] | None = None, read_role: str = "viewer",
         write_role: str = "member", list_item: str | None = None) -> dict[str, Any]:
    """The five operations of a resource at `base` and `base/{id_name}`, as paths."""
    item = f"{base}/{{{id_name}}}"
    title = name
    collection: dict[str, Any] = {
        "get": {
            "operationId": f"list{title}s", "summary": f"A page of {plural}", "tags": [tag],
            "description": f"Needs the {read_role} role.",
            "parameters": [*(filters or []), *PAGE_PARAMETERS],
            "responses": {"200": many(list_item or title, f"The {plural}.", list_meta), **errors(400, 401, 404)},
        },
    }
    if create:
        collection["post"] = {
            "operationId": f"create{title}", "summary": f"Create a {noun}", "tags": [tag],
            "description": f"Needs the {write_role} role. Every field is checked and each problem reported "
                           "(422 with `errors`); nothing is written then.",
            "parameters": [CSRF], "requestBody": body(f"{title}Input"),
            "responses": {"201": {**one(title, f"The new {noun}."),
                                  "headers": {"Location": {"description": f"The new {noun}.",
                                                           "schema": {"type": "string"}}}},
                          **errors(400, 401, 403, 404, 409, 415, 422)},
        }
    single: dict[str, Any] = {
        "get": {
            "operationId": f"get{title}", "summary": f"One {noun}", "tags": [tag],
            "parameters": [path_id(id_name)],
            "responses": {"200": one(title, f"The {noun}."), **errors(401, 404)},
        },
    }
    if update:
        single["patch"] = {
            "operationId": f"update{title}", "summary": f"Change a {noun}", "tags": [tag],
            "description": f"Needs the {write_role} role. Only the fields sent change; the result is checked "
                           "as a create is.",
            "parameters": [path_id(id_name), CSRF], "requestBody": body(f"{title}Patch"),
            "responses": {"200": one(title, f"The {noun} as saved."), **errors(400, 401, 403, 404, 409, 415, 422)},
        }
    if delete:
        single["delete"] = {
            "operationId": f"delete{title}", "summary": f"Delete a {noun}", "tags": [tag],
            "description": f"Needs the {write_role} role.",
            "parameters": [path_id(id_name), CSRF, *(delete_parameters or [])],
            "responses": {"204": {"description": "Deleted."}, **errors(400, 401, 403, 404, 409, 422)},
        }
    return {base: collection, item: single}


def patch_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The input schema with nothing required (a PATCH sends only what changes)."""
    return {**{k: v for k, v in schema.items() if k != "required"}, "minProperties": 0}
