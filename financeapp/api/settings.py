"""API: the signed-in user's own settings (name, locale, first day of the week, theme), via settings/services."""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify, request
from flask_login import current_user, login_required

from financeapp.api import bp, docs
from financeapp.api.schemas import fields_of, raise_if, read_json
from financeapp.auth.models import THEMES
from financeapp.extensions import db
from financeapp.settings import services

FIELDS = frozenset({"display_name", "locale", "first_day_of_week", "theme"})
_LOCALE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,2}$")  # before Babel sees it


def settings_json() -> dict[str, Any]:
    return {"email": current_user.email, "display_name": current_user.display_name, "locale": current_user.locale,
            "first_day_of_week": current_user.first_day_of_week, "theme": current_user.theme}


@bp.get("/settings")
@login_required
def settings_detail():
    return jsonify(data=settings_json())


@bp.patch("/settings")
@login_required
def settings_update():
    """Change the fields sent; the locale decides how the pages write numbers and dates."""
    body = read_json(request)
    current = {"display_name": current_user.display_name, "locale": current_user.locale,
               "first_day_of_week": current_user.first_day_of_week, "theme": current_user.theme}
    merged = {**current, **body}
    errors: dict[str, str] = {}
    f = fields_of(merged, FIELDS, errors)
    name = f.text("display_name", 80)
    locale = f.text("locale", 20)
    if f.ok("locale") and not _LOCALE.match(locale):
        f.error("locale", "Send a locale such as en_US or de_DE.")
    day = f.integer("first_day_of_week", 0, 6)
    theme = f.choice("theme", tuple(THEMES))
    raise_if(errors)
    services.update_profile(current_user, services.Profile(display_name=name, locale=locale,
                                                           first_day_of_week=day or 0, theme=theme))
    out = settings_json()
    db.session.commit()
    return jsonify(data=out)


SETTINGS_PROPERTIES: dict[str, Any] = {
    "display_name": {"type": "string", "minLength": 1, "maxLength": 80},
    "locale": {"type": "string", "pattern": r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,2}$", "examples": ["en_GB"]},
    "first_day_of_week": {"type": "integer", "minimum": 0, "maximum": 6, "description": "0 is Monday."},
    "theme": {"type": "string", "enum": list(THEMES)},
}
OPENAPI: dict[str, Any] = {
    "tags": ["settings"],
    "schemas": {
        "Settings": {"type": "object", "required": ["email", *SETTINGS_PROPERTIES],
                     "properties": {"email": {"type": "string"}, **{k: {"type": v["type"]}
                                                                    for k, v in SETTINGS_PROPERTIES.items()}}},
        "SettingsPatch": {"type": "object", "additionalProperties": False, "properties": SETTINGS_PROPERTIES},
    },
    "paths": {"/api/v1/settings": {
        "get": {"operationId": "getSettings", "summary": "The user's own settings", "tags": ["settings"],
                "responses": {"200": docs.one("Settings", "The settings."), **docs.errors(401)}},
        "patch": {"operationId": "updateSettings", "summary": "Change the user's own settings", "tags": ["settings"],
                  "parameters": [docs.CSRF], "requestBody": docs.body("SettingsPatch"),
                  "responses": {"200": docs.one("Settings", "As saved."), **docs.errors(400, 401, 415, 422)}},
    }},
}
