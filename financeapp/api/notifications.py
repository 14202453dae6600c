"""API: the signed-in user's notifications in the workspace (list, unread count, get, mark read, mark all
read, delete) and their notification preferences, through notifications/services."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from flask_login import current_user, login_required

from financeapp.api import bp, docs
from financeapp.api.resources import deleted, list_response, page_args
from financeapp.api.schemas import read_json
from financeapp.core.errors import Invalid
from financeapp.core.scoping import require_role
from financeapp.extensions import db
from financeapp.notifications import queries, services
from financeapp.notifications.models import CHANNELS, PREFERENCE_KINDS, Notification


def notification_json(note: Notification) -> dict[str, Any]:
    return {"id": note.id, "kind": note.kind, "title": note.title, "body": note.body, "url": note.url or None,
            "created_at": note.created_at.replace(microsecond=0).isoformat() + "Z",  # as MariaDB keeps it
            "read_at": note.read_at.replace(microsecond=0).isoformat() + "Z" if note.read_at else None}


def _note(notification_id: int) -> Notification:
    return queries.get_notification_or_404(g.workspace, current_user.id, notification_id)


@bp.get("/notifications")
@require_role("viewer")
def notifications_index():
    """The user's notifications in this workspace, newest first; meta has the unread count."""
    number, per_page = page_args(request.args)
    page = queries.notification_page(g.workspace, current_user.id, number, per_page)
    return list_response((notification_json(n) for n in page.rows), page, unread=page.unread)


@bp.get("/notifications/unread-count")
@require_role("viewer")
def notifications_unread():
    """The badge's number: one indexed count, cheap to poll (with If-None-Match, a 304 while unchanged)."""
    return jsonify(data={"unread": queries.unread_count(g.workspace, current_user.id)})


@bp.get("/notifications/<int:notification_id>")
@require_role("viewer")
def notifications_detail(notification_id: int):
    return jsonify(data=notification_json(_note(notification_id)))


@bp.post("/notifications/<int:notification_id>/read")
@require_role("viewer")
def notifications_read(notification_id: int):
    """Mark one notification read (again: no change). Anyone may, on their own notifications."""
    note = _note(notification_id)
    services.mark_read(note)
    out = notification_json(note)
    db.session.commit()
    return jsonify(data=out)


@bp.post("/notifications/read-all")
@require_role("viewer")
def notifications_read_all():
    """Mark all of the user's unread notifications in this workspace read; `marked` says how many."""
    marked = services.mark_all_read(g.workspace, current_user.id)
    db.session.commit()
    return jsonify(data={"marked": marked, "unread": 0})


@bp.delete("/notifications/<int:notification_id>")
@require_role("viewer")
def notifications_delete(notification_id: int):
    services.delete_notification(_note(notification_id))
    db.session.commit()
    return deleted()


def preferences_json() -> dict[str, Any]:
    chosen = services.channel_choices(current_user)
    return {"channels": {channel: sorted(chosen.get(channel, set())) for channel in CHANNELS},
            "kinds": list(PREFERENCE_KINDS)}


@bp.get("/settings/notifications")
@login_required
def notification_preferences():
    """Per channel (in_app, email, webhook), the kinds of notification the user gets there."""
    return jsonify(data=preferences_json())


@bp.patch("/settings/notifications")
@login_required
def notification_preferences_update():
    """Replace the kinds of each channel sent (`{"channels": {"email": ["bill_due"]}}`); others stay."""
    body = read_json(request)
    errors: dict[str, str] = {}
    unknown = [key for key in body if key != "channels"]
    for key in unknown:
        errors[key] = "Unknown field."
    given = body.get("channels", {})
    if not isinstance(given, dict):
        errors["channels"] = "Send an object of channel: [kinds]."
        given = {}
    chosen = services.channel_choices(current_user)
    for channel, kinds in given.items():
        if channel not in CHANNELS:
            errors[f"channels.{channel}"[:60]] = f"Choose among: {', '.join(CHANNELS)}."
        elif not isinstance(kinds, list) or not all(isinstance(k, str) and k in PREFERENCE_KINDS for k in kinds):
            errors[f"channels.{channel}"] = f"Send a list of: {', '.join(PREFERENCE_KINDS)}."
        else:
            chosen[channel] = set(kinds)
    if errors:
        raise Invalid("Some fields need attention.", fields=errors)
    services.save_preferences(current_user, {(kind, channel) for channel, kinds in chosen.items()
                                             for kind in kinds if kind in PREFERENCE_KINDS and channel in CHANNELS})
    db.session.commit()
    return jsonify(data=preferences_json())



NOTE = {
    "type": "object", "required": ["id", "kind", "title", "body", "url", "created_at", "read_at"],
    "properties": {"id": {"type": "integer"}, "kind": {"type": "string"}, "title": {"type": "string"},
                   "body": {"type": "string"}, "url": {"type": ["string", "null"]},
                   "created_at": {"type": "string", "format": "date-time"},
                   "read_at": {"type": ["string", "null"], "format": "date-time"}},
}
KIND_LIST = {"type": "array", "items": {"type": "string", "enum": list(PREFERENCE_KINDS)}}
PREFERENCES = {
    "type": "object", "required": ["channels", "kinds"],
    "properties": {
        "channels": {"type": "object", "required": list(CHANNELS),
                     "properties": {channel: KIND_LIST for channel in CHANNELS}},
        "kinds": {"type": "array", "items": {"type": "string"}},
    },
}
ID = docs.path_id("notification_id")
PATHS: dict[str, Any] = {
    "/api/v1/notifications": {"get": {
        "operationId": "listNotifications", "summary": "The user's notifications, newest first",
        "tags": ["notifications"], "parameters": docs.PAGE_PARAMETERS,
        "responses": {"200": docs.many("Notification", "The notifications.", {
            "type": "object", "required": ["unread"], "properties": {"unread": {"type": "integer"}}}),
            **docs.errors(400, 401, 404)},
    }},
    "/api/v1/notifications/unread-count": {"get": {
        "operationId": "getUnreadNotificationCount", "summary": "How many are unread", "tags": ["notifications"],
        "responses": {"200": docs.json_response(docs.envelope({
            "type": "object", "required": ["unread"], "properties": {"unread": {"type": "integer"}}}),
            "The count."), **docs.errors(401, 404)},
    }},
    "/api/v1/notifications/{notification_id}": {
        "get": {"operationId": "getNotification", "summary": "One notification", "tags": ["notifications"],
                "parameters": [ID], "responses": {"200": docs.one("Notification", "It."), **docs.errors(401, 404)}},
        "delete": {"operationId": "deleteNotification", "summary": "Delete one notification",
                   "tags": ["notifications"], "parameters": [ID, docs.CSRF],
                   "responses": {"204": {"description": "Deleted."}, **docs.errors(401, 404)}},
    },
    "/api/v1/notifications/{notification_id}/read": {"post": {
        "operationId": "markNotificationRead", "summary": "Mark one read", "tags": ["notifications"],
        "parameters": [ID, docs.CSRF],
        "responses": {"200": docs.one("Notification", "It, read."), **docs.errors(401, 404)},
    }},
    "/api/v1/notifications/read-all": {"post": {
        "operationId": "markAllNotificationsRead", "summary": "Mark all read", "tags": ["notifications"],
        "parameters": [docs.CSRF],
        "responses": {"200": docs.json_response(docs.envelope({
            "type": "object", "required": ["marked", "unread"],
            "properties": {"marked": {"type": "integer"}, "unread": {"type": "integer"}}}), "How many."),
            **docs.errors(401, 404)},
    }},
    "/api/v1/settings/notifications": {
        "get": {"operationId": "getNotificationPreferences", "summary": "Notification preferences",
                "tags": ["settings"],
                "responses": {"200": docs.json_response(docs.envelope(docs.ref("NotificationPreferences")),
                                                        "The preferences."), **docs.errors(401)}},
        "patch": {"operationId": "updateNotificationPreferences", "summary": "Change notification preferences",
                  "tags": ["settings"], "parameters": [docs.CSRF],
                  "requestBody": {"required": True, "content": {"application/json": {"schema": {
                      "type": "object", "additionalProperties": False,
                      "properties": {"channels": {"type": "object", "additionalProperties": False,
                                                  "properties": {c: KIND_LIST for c in CHANNELS}}}}}}},
                  "responses": {"200": docs.json_response(docs.envelope(docs.ref("NotificationPreferences")),
                                                          "As saved."), **docs.errors(400, 401, 415, 422)}},
    },
}
OPENAPI: dict[str, Any] = {
    "tags": ["notifications", "settings"],
    "schemas": {"Notification": NOTE, "NotificationPreferences": PREFERENCES},
    "paths": PATHS,
}
