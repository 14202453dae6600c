"""How Flask-Login finds the user behind a session or an API request.

Sessions: the user whose live sign-in (auth/sessions.py, a `user_sessions` row) the cookie names.
API requests (paths under /api/) may instead send `Authorization: Bearer fa_...` (a personal
access token, see auth/tokens.py); a Bearer header on an API path wins over any cookie. Tokens
are read from that header only, never from the query string or a form, so they never reach a URL, a log line or a page.

CSRF: Flask-WTF's automatic check is switched off (WTF_CSRF_CHECK_DEFAULT = False) and
`guard_request` calls `csrf.protect(apply_exemptions=True)` itself for every request except
those that carry a valid token on an API path (a browser cannot attach that header cross-site).
Cookie-session requests to the API keep their CSRF check.
"""

from __future__ import annotations

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, user_loaded_from_cookie

from financeapp.auth.models import ApiToken, User
from financeapp.core.errors import problem
from financeapp.extensions import csrf, db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _bearer_text() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def bearer_token() -> ApiToken | None:
    """The valid API token this request carries (looked up once per request), or None."""
    if "api_token" not in g:
        from financeapp.auth.tokens import token_for_bearer

        raw = _bearer_text() if _is_api() else None
        g.api_token = token_for_bearer(raw) if raw else None
    return g.api_token


@user_loaded_from_cookie.connect
def bind_remembered_session(app: Flask, user: User) -> None:
    """A sign-in restored from the remember-me cookie gets the session identifier a password sign-in
    gets; without it "strong" session protection would end it on the very next request."""
    session["_id"] = app.login_manager._session_identifier_generator()  # type: ignore[attr-defined]


def init_login(manager: LoginManager) -> None:
    @manager.user_loader
    def load_user(token: str) -> User | None:
        if _is_api() and _bearer_text() is not None:
            return None  # the token decides who this is, not a cookie that came along
        from financeapp.auth import sessions

        user, changed = sessions.load(token)
        if changed:
            db.session.commit()  # last seen (at most once a minute), or an idle sign-in now expired
        return user

    @manager.request_loader
    def load_user_from_request(_request) -> User | None:
        token = bearer_token()
        return token.user if token is not None else None

    @manager.unauthorized_handler
    def unauthorized():
        if _is_api():
            if _bearer_text() is not None:
                return problem(401, "Unauthorized", "The token is invalid, expired or revoked.")
            return problem(401, "Unauthorized", "Sign in, or send a personal access token as a Bearer header.")
        flash("Please sign in to see that page.", "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def guard_request():
    """Before each request: CSRF for cookie requests; the scope of token requests.

    The workspace a request acts in is picked afterwards by workspaces/context.py.
    """
    token = bearer_token()
    if token is None:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect(apply_exemptions=True)
        return None
    if not current_user.is_authenticated or current_user.id != token.user_id:
        return problem(401, "Unauthorized", "Send either a session cookie or a token, not both.")
    if request.method not in SAFE_METHODS and not token.can_write:
        return problem(403, "Forbidden", "This token is read-only; create a read-write token to make changes.")
    from financeapp.auth.tokens import mark_used

    if mark_used(token):
        db.session.commit()
    return None


def forget_token_session(response):
    """A token request never sets a session cookie."""
    if g.get("api_token") is not None:
        session.modified = False
    return response


def init_request_hooks(app: Flask) -> None:
    """Called once when the auth blueprint is registered."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(guard_request)
    app.after_request(forget_token_session)
