"""Personal access tokens: created once, stored hashed, Bearer on /api/v1, scopes, revocation, expiry."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from financeapp import create_app
from financeapp.auth import tokens
from financeapp.auth.models import ApiToken, SecurityEvent
from financeapp.core.db import utcnow
from financeapp.core.errors import Invalid, NotFound
from financeapp.extensions import db
from tests.factories import add_member, make_account, make_user, personal_workspace


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def entry(account_id: int) -> dict:
    return {"account_id": account_id, "date": "2026-03-05", "amount": "12.50", "direction": "out"}


def new_token(user, workspace=None, scope="read", days=None):
    token, raw = tokens.create_token(user, workspace or personal_workspace(user),
                                     tokens.NewToken("script", scope, days))
    db.session.commit()
    return token, raw


# Services ---------------------------------------------------------------------------------------

def test_only_the_hash_of_a_token_is_stored(ctx):
    user = make_user()
    token, raw = new_token(user)
    assert raw.startswith("fa_") and len(raw) > 40
    assert token.token_hash == tokens.hash_token(raw) != raw
    assert raw not in str(db.session.execute(sa.select(ApiToken.__table__)).all())


@pytest.mark.parametrize(("name", "scope", "days", "field"), [
    ("", "read", None, "name"),
    ("x" * 81, "read", None, "name"),
    ("ok", "admin", None, "scope"),
    ("ok", "read", 0, "expires_in_days"),
    ("ok", "read", 99999, "expires_in_days"),
])
def test_bad_token_input_is_refused_per_field(ctx, name, scope, days, field):
    user = make_user()
    with pytest.raises(Invalid) as err:
        tokens.create_token(user, personal_workspace(user), tokens.NewToken(name, scope, days))
    assert field in err.value.fields


def test_a_token_cannot_be_made_for_someone_elses_workspace(ctx):
    user, other = make_user(), make_user()
    with pytest.raises(NotFound):
        tokens.create_token(user, personal_workspace(other), tokens.NewToken("x"))


def test_revoking_another_users_token_is_a_404(ctx):
    user, other = make_user(), make_user()
    token, _ = new_token(other)
    with pytest.raises(NotFound):
        tokens.revoke_token(user, token.id)


def test_expired_and_revoked_tokens_are_not_usable(ctx):
    user = make_user()
    token, raw = new_token(user, days=1)
    assert tokens.token_for_bearer(raw) is not None
    assert tokens.token_for_bearer(raw, now=utcnow() + timedelta(days=2)) is None
    tokens.revoke_token(user, token.id)
    assert tokens.token_for_bearer(raw) is None
    assert tokens.token_for_bearer("fa_not-a-token") is None
    assert tokens.token_for_bearer("x" * 5000) is None


# The API with a token ----------------------------------------------------------------------------

def test_a_read_token_reads_the_api_without_a_session(client, ctx):
    user = make_user("api@example.com")
    _, raw = new_token(user)
    response = client.get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 200
    assert response.json["data"]["email"] == "api@example.com"
    assert "Set-Cookie" not in response.headers, "a token request starts no session"


def test_a_read_token_cannot_write(client, ctx):
    user = make_user()
    account = make_account(personal_workspace(user))
    _, raw = new_token(user, scope="read")
    response = client.post("/api/v1/transactions", json=entry(account.id), headers=bearer(raw))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "read-only" in response.json["detail"]


def test_a_read_write_token_writes_without_a_csrf_token(app, ctx):
    guarded = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                     "WTF_CSRF_ENABLED": True})
    user = make_user()
    account = make_account(personal_workspace(user))
    _, raw = new_token(user, scope="read-write")
    response = guarded.test_client().post("/api/v1/transactions", json=entry(account.id), headers=bearer(raw))
    assert response.status_code == 201, response.json


def test_a_cookie_session_still_needs_csrf_on_the_api(app, ctx):
    from tests.factories import DEFAULT_PASSWORD

    guarded = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                     "WTF_CSRF_ENABLED": True})
    user = make_user("cookie@example.com")
    account = make_account(personal_workspace(user))
    client = guarded.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"email": "cookie@example.com", "password": DEFAULT_PASSWORD,
                                     "csrf_token": csrf})
    assert client.post("/api/v1/transactions", json=entry(account.id)).status_code == 400
    with_junk_token = client.post("/api/v1/transactions", json=entry(account.id), headers=bearer("fa_junk"))
    assert with_junk_token.status_code == 400, "a junk token does not switch the CSRF check off"


def test_a_read_write_token_of_a_viewer_still_cannot_write(client, ctx):
    owner, viewer = make_user(), make_user()
    workspace = personal_workspace(owner)
    add_member(workspace, viewer, "viewer")
    account = make_account(workspace)
    _, raw = new_token(viewer, workspace, scope="read-write")
    assert client.get("/api/v1/accounts", headers=bearer(raw)).status_code == 200
    assert client.post("/api/v1/transactions", json=entry(account.id), headers=bearer(raw)).status_code == 403


def test_a_token_acts_in_its_own_workspace(client, ctx):
    user, other = make_user(), make_user()
    shared = personal_workspace(other)
    add_member(shared, user, "member")
    make_account(shared, "Shared account")
    make_account(personal_workspace(user), "Mine")
    _, raw = new_token(user, shared)
    names = [a["name"] for a in client.get("/api/v1/accounts", headers=bearer(raw)).json["data"]]
    assert names == ["Shared account"]


def test_revoked_expired_and_unknown_tokens_get_401(client, ctx):
    user = make_user()
    revoked, revoked_raw = new_token(user)
    tokens.revoke_token(user, revoked.id)
    expired, expired_raw = new_token(user, days=1)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for raw in (revoked_raw, expired_raw, "fa_unknown", "not-even-prefixed"):
        response = client.get("/api/v1/me", headers=bearer(raw))
        assert response.status_code == 401, raw
        assert response.mimetype == "application/problem+json"


def test_a_token_in_the_query_string_is_not_accepted(client, ctx):
    user = make_user()
    _, raw = new_token(user)
    assert client.get(f"/api/v1/me?access_token={raw}").status_code == 401
    assert client.get(f"/api/v1/me?token={raw}").status_code == 401


def test_a_token_stops_working_when_its_user_leaves_the_workspace(client, ctx):
    owner, member = make_user(), make_user()
    workspace = personal_workspace(owner)
    membership = add_member(workspace, member, "member")
    _, raw = new_token(member, workspace)
    db.session.delete(membership)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401


def test_a_token_is_not_accepted_outside_the_api(client, ctx):
    user = make_user()
    _, raw = new_token(user)
    assert client.get("/accounts/", headers=bearer(raw)).status_code == 302


def test_using_a_token_notes_when_it_was_last_used(client, ctx):
    user = make_user()
    token, raw = new_token(user)
    client.get("/api/v1/me", headers=bearer(raw))
    db.session.refresh(token)
    assert token.last_used_at is not None


# Settings pages ------------------------------------------------------------------------------------

def test_a_token_is_shown_once_and_never_again_nor_in_logs(client, auth, ctx, caplog):
    make_user("tok@example.com")
    auth.login("tok@example.com")
    caplog.set_level(logging.DEBUG)
    response = client.post("/settings/tokens", data={"name": "nas script", "scope": "read-write",
                                                     "expires": "30"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    raw = re.search(r'value="(fa_[A-Za-z0-9_-]+)"', response.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    client.post("/api/v1/me", headers=bearer(raw))
    client.get("/api/v1/me", headers=bearer(raw + "x"))
    later = client.get("/settings/tokens").get_data(as_text=True)
    assert "nas script" in later
    assert raw not in later and raw[3:12] not in later
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/api/v1/me" in logged, "the request log ran"
    assert raw not in logged and raw[3:] not in logged


def test_revoking_from_settings_records_it_in_the_audit_log(client, auth, ctx):
    user = make_user("rev@example.com")
    token, raw = new_token(user)
    auth.login("rev@example.com")
    response = client.post(f"/settings/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    kinds = set(db.session.scalars(sa.select(SecurityEvent.kind).where(SecurityEvent.user_id == user.id)))
    assert "token_revoked" in kinds


def test_revoking_another_users_token_from_settings_is_a_404(client, auth, ctx):
    make_user("me@example.com")
    token, _ = new_token(make_user())
    auth.login("me@example.com")
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 404
    assert client.post("/settings/tokens/99999999999999999999/revoke").status_code == 404


def test_a_token_form_with_errors_says_what_is_wrong(client, auth, ctx):
    make_user("bad@example.com")
    auth.login("bad@example.com")
    response = client.post("/settings/tokens", data={"name": "", "scope": "admin", "expires": "5"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
