"""The locale numbers and dates are read and written in: the signed-in user's, else the site's default."""

from __future__ import annotations

from flask import current_app, has_app_context, has_request_context
from flask_login import current_user

FALLBACK_LOCALE = "en_US"


def current_locale() -> str:
    """The user's locale in a request, else DEFAULT_LOCALE (CLI, jobs), else en_US outside the app."""
    if has_request_context() and current_user and current_user.is_authenticated:
        chosen = getattr(current_user, "locale", None)
        if chosen:
            return chosen
    if has_app_context():
        return current_app.config.get("DEFAULT_LOCALE") or FALLBACK_LOCALE
    return FALLBACK_LOCALE
