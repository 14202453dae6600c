"""API: savings goals with their progress, and their contributions, through goals/services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, jsonify, request, url_for

from financeapp.api import bp
from financeapp.api.docs import (
    CSRF,
    PAGE_PARAMETERS,
    body,
    crud,
    errors,
    many,
    nullable,
    one,
    patch_schema,
    path_id,
    ref,
)
from financeapp.api.resources import created, deleted, idempotent, list_response, page_args
from financeapp.api.schemas import amount_text, fields_of, raise_if, read_json
from financeapp.core.errors import NotFound
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.extensions import db
from financeapp.goals import services
from financeapp.goals.models import Goal, GoalContribution

FIELDS = frozenset({"name", "target_amount", "target_date", "account_id", "notes"})
CONTRIBUTION_FIELDS = frozenset({"date", "amount", "memo"})


def goal_json(status: services.GoalStatus) -> dict[str, Any]:
    """A goal with its progress as the Goals page shows it."""
    goal, cur = status.goal, status.goal.currency
    needed = status.monthly_needed
    return {
        "id": goal.id, "name": goal.name, "currency": cur,
        "target_amount": amount_text(goal.target_amount, cur),
        "target_date": goal.target_date.isoformat() if goal.target_date else None,
        "account_id": goal.account_id, "archived": goal.archived, "notes": goal.notes,
        "saved": amount_text(status.saved, cur), "missing": amount_text(status.missing, cur),
        "percent": status.percent, "reached": status.reached, "overdue": status.overdue,
        "monthly_needed": amount_text(needed, cur) if needed is not None else None,
        "projected": status.projected.isoformat() if status.projected else None,
        "on_track": status.on_track,
    }


def contribution_json(contribution: GoalContribution, currency: str) -> dict[str, Any]:
    return {"id": contribution.id, "goal_id": contribution.goal_id, "date": contribution.on.isoformat(),
            "amount": amount_text(contribution.amount, currency), "memo": contribution.memo}


@bp.get("/goals")
@require_role("viewer")
def goals_index():
    """Open goals, soonest target date first, each with its progress."""
    number, per_page = page_args(request.args)
    page = services.goal_page(g.workspace, number, per_page)
    return list_response((goal_json(status) for status in page.rows), page)


@bp.get("/goals/<int:goal_id>")
@require_role("viewer")
def goals_detail(goal_id: int):
    return jsonify(data=goal_json(services.goal_status(get_scoped_or_404(Goal, goal_id, g.workspace))))


def goal_input(body: Mapping[str, Any]) -> services.GoalInput:
    errs: dict[str, str] = {}
    fields = fields_of(body, FIELDS, errs)
    name = fields.text("name", 80)
    target = fields.amount("target_amount")
    target_date = fields.day("target_date") if body.get("target_date") is not None else None
    account_id = fields.identifier("account_id")
    notes = fields.text("notes", 2000)
    raise_if(errs)
    return services.GoalInput(name=name, target_amount=target, target_date=target_date, account_id=account_id,
                              notes=notes)


@bp.post("/goals")
@require_role("member")
@idempotent
def goals_create():
    """A goal in the base currency, or following an account's balance (account_id) in its currency."""
    goal = services.create_goal(g.workspace, goal_input(read_json(request)))
    out = goal_json(services.goal_status(goal))
    db.session.commit()
    return created(out, url_for("api.goals_detail", goal_id=goal.id))


@bp.patch("/goals/<int:goal_id>")
@require_role("member")
def goals_update(goal_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    current = {"name": goal.name, "target_amount": goal.target_amount,
               "target_date": goal.target_date.isoformat() if goal.target_date else None,
               "account_id": goal.account_id, "notes": goal.notes}
    services.update_goal(g.workspace, goal, goal_input({**current, **read_json(request)}))
    out = goal_json(services.goal_status(goal))
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/goals/<int:goal_id>")
@require_role("member")
def goals_delete(goal_id: int):
    """Delete a goal and its contributions (a linked account is untouched)."""
    services.delete_goal(g.workspace, get_scoped_or_404(Goal, goal_id, g.workspace))
    db.session.commit()
    return deleted()


@bp.get("/goals/<int:goal_id>/contributions")
@require_role("viewer")
def goals_contributions(goal_id: int):
    """A goal's contributions, newest first."""
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    number, per_page = page_args(request.args)
    page = services.contributions_of(g.workspace, goal, number, per_page)
    return list_response((contribution_json(c, goal.currency) for c in page.rows), page)


@bp.post("/goals/<int:goal_id>/contributions")
@require_role("member")
@idempotent
def goals_contribute(goal_id: int):
    """Money put towards the goal (negative: taken out); not for a goal that follows an account."""
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    errs: dict[str, str] = {}
    fields = fields_of(read_json(request), CONTRIBUTION_FIELDS, errs)
    on = fields.day("date")
    amount = fields.amount("amount", sign="nonzero")
    memo = fields.text("memo", 255)
    raise_if(errs)
    contribution = services.add_contribution(g.workspace, goal, on, amount, memo)
    out = contribution_json(contribution, goal.currency)
    db.session.commit()
    return created(out)


@bp.delete("/goals/<int:goal_id>/contributions/<int:contribution_id>")
@require_role("member")
def goals_contribution_delete(goal_id: int, contribution_id: int):
    goal = get_scoped_or_404(Goal, goal_id, g.workspace)
    contribution = get_scoped_or_404(GoalContribution, contribution_id, g.workspace)
    if contribution.goal_id != goal.id:
        raise NotFound("No such contribution.")  # another goal's: not found under this one
    services.delete_contribution(g.workspace, contribution)
    db.session.commit()
    return deleted()


AMOUNT = ref("Amount")
AMOUNT_IN = {"oneOf": [{"type": "string", "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)\s*$"},
                       {"type": "number", "exclusiveMinimum": 0}]}
SIGNED_IN = {"oneOf": [{"type": "string", "pattern": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$"}, {"type": "number"}]}
DATE = {"type": "string", "format": "date"}
GOAL_INPUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "target_amount"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 80},
        "target_amount": AMOUNT_IN,
        "target_date": nullable(DATE),
        "account_id": nullable({"type": "integer", "minimum": 1}),
        "notes": {"type": "string", "maxLength": 2000},
    },
}

PATHS = crud("/api/v1/goals", "goal_id", "Goal", "goals", noun="goal", plural="open goals")
PATHS["/api/v1/goals/{goal_id}/contributions"] = {
    "get": {"operationId": "listGoalContributions", "summary": "A goal's contributions, newest first",
            "tags": ["goals"], "parameters": [path_id("goal_id"), *PAGE_PARAMETERS],
            "responses": {"200": many("GoalContribution", "The contributions."), **errors(400, 401, 404)}},
    "post": {"operationId": "createGoalContribution", "summary": "Put money towards a goal (negative: take out)",
             "description": "Needs the member role; a goal that follows an account's balance refuses it (422).",
             "tags": ["goals"], "parameters": [path_id("goal_id"), CSRF],
             "requestBody": body("GoalContributionInput"),
             "responses": {"201": one("GoalContribution", "The contribution."),
                           **errors(400, 401, 403, 404, 409, 415, 422)}},
}
PATHS["/api/v1/goals/{goal_id}/contributions/{contribution_id}"] = {
    "delete": {"operationId": "deleteGoalContribution", "summary": "Remove a contribution", "tags": ["goals"],
               "parameters": [path_id("goal_id"), path_id("contribution_id"), CSRF],
               "responses": {"204": {"description": "Deleted."}, **errors(400, 401, 403, 404)}},
}

OPENAPI: dict[str, Any] = {
    "tags": ["goals"],
    "schemas": {
        "Goal": {
            "type": "object",
            "required": ["id", "name", "currency", "target_amount", "target_date", "account_id", "archived",
                         "notes", "saved", "missing", "percent", "reached", "overdue", "monthly_needed",
                         "projected", "on_track"],
            "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "currency": ref("Currency"),
                "target_amount": AMOUNT, "target_date": nullable(DATE),
                "account_id": {"type": ["integer", "null"],
                               "description": "Progress follows this account's balance; null: contributions."},
                "archived": {"type": "boolean"}, "notes": {"type": "string"},
                "saved": AMOUNT, "missing": AMOUNT, "percent": {"type": "integer", "minimum": 0},
                "reached": {"type": "boolean"}, "overdue": {"type": "boolean"},
                "monthly_needed": nullable(AMOUNT), "projected": nullable(DATE),
                "on_track": {"type": ["boolean", "null"]},
            },
        },
        "GoalInput": GOAL_INPUT,
        "GoalPatch": patch_schema(GOAL_INPUT),
        "GoalContribution": {
            "type": "object", "required": ["id", "goal_id", "date", "amount", "memo"],
            "properties": {"id": {"type": "integer"}, "goal_id": {"type": "integer"}, "date": DATE,
                           "amount": AMOUNT, "memo": {"type": "string"}},
        },
        "GoalContributionInput": {
            "type": "object", "additionalProperties": False, "required": ["date", "amount"],
            "properties": {"date": DATE, "amount": SIGNED_IN, "memo": {"type": "string", "maxLength": 255}},
        },
    },
    "paths": PATHS,
}
