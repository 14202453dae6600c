"""API: Ask in plain words at /api/v1/ask?q=...[&today=YYYY-MM-DD], the dashboard box's answers.

Answers {"data": {answer, value, currency, reading, link, items, suggestions, notes}}; a question it
cannot read is still a 200, with value null and the reason in `answer` (never a guessed number).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, jsonify, request

from financeapp.api import bp
from financeapp.core.errors import Invalid
from financeapp.core.scoping import require_role
from financeapp.core.validation import parse_day
from financeapp.insights.ask import answer as answers
from financeapp.insights.ask.cli import link_for
from financeapp.insights.ask.parser import MAX_QUESTION


@bp.get("/ask")
@require_role("viewer")
def ask():
    """The answer to one question, read against today (or `today`)."""
    question = (request.args.get("q") or "").strip()
    if not question:
        raise Invalid("Ask a question in q.", fields={"q": "Type a question, such as “groceries last month”."})
    if len(question) > MAX_QUESTION:
        raise Invalid(f"A question has at most {MAX_QUESTION} characters.", fields={"q": "Ask a shorter question."})
    raw_day = (request.args.get("today") or "").strip()
    today = parse_day(raw_day, field="today") if raw_day else date.today()
    result = answers.ask(g.workspace, question, today)
    return jsonify(data=answers.as_json(result, link_for(result.link_args)))


# OpenAPI ------------------------------------------------------------------------------------------

_NULLABLE_STRING = {"oneOf": [{"type": "string"}, {"type": "null"}]}
OPENAPI: dict[str, Any] = {
    "tags": ["ask"],
    "schemas": {
        "AskAnswer": {
            "type": "object",
            "required": ["answer", "value", "currency", "reading", "link", "items", "suggestions", "notes"],
            "properties": {
                "answer": {"type": "string", "description": "The answer in words (or why there is none).",
                           "examples": ["Spending on Everyday: Groceries, 1–30 Nov 2026: $612.40"]},
                "value": {"oneOf": [{"$ref": "#/components/schemas/Amount"}, {"type": "null"}],
                          "description": "The figure (a comparison: the first period less the second); null when "
                                         "the question could not be read."},
                "currency": {"oneOf": [{"$ref": "#/components/schemas/Currency"}, {"type": "null"}]},
                "reading": {**_NULLABLE_STRING, "description": "How the question was read."},
                "link": {**_NULLABLE_STRING, "description": "The transactions list of what the value sums."},
                "items": {"type": "array", "items": {
                    "type": "object", "required": ["label", "value", "currency"],
                    "properties": {"label": {"type": "string"},
                                   "value": {"$ref": "#/components/schemas/Amount"},
                                   "currency": {"$ref": "#/components/schemas/Currency"}}},
                    "description": "Top categories or payees, largest transactions, or the two periods compared."},
                "suggestions": {"type": "array", "items": {
                    "type": "object", "required": ["phrase", "names"],
                    "properties": {"phrase": {"type": "string"},
                                   "names": {"type": "array", "items": {
                                       "type": "object", "required": ["kind", "id", "name"],
                                       "properties": {"kind": {"type": "string", "enum": [
                                           "category", "group", "payee", "account", "label"]},
                                           "id": {"type": "integer"}, "name": {"type": "string"}}}}}},
                    "description": "Did you mean: names a phrase may have meant."},
                "notes": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
    "paths": {
        "/api/v1/ask": {
            "get": {
                "operationId": "ask",
                "summary": "Answer a question in plain words",
                "description": "Offline: the question is read by a small grammar and the workspace's names and "
                               "answered from the reports' figures, in the base currency.",
                "tags": ["ask"],
                "parameters": [
                    {"name": "q", "in": "query", "required": True,
                     "schema": {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION},
                     "description": "The question, e.g. “groceries this month vs last month”."},
                    {"name": "today", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                     "description": "Read periods as on this day (default: today)."},
                ],
                "responses": {
                    "200": {"description": "The answer.", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["data"],
                        "properties": {"data": {"$ref": "#/components/schemas/AskAnswer"}}}}}},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            },
        },
    },
}
