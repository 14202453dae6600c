"""Sign-up, sign-in, sign-out, password change, CSRF and rate limits over HTTP."""

from __future__ import annotations

import pytest

from financeapp import create_app
from financeapp.auth.services import BAD_CREDENTIALS
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_user


def register(client, email="new@example.com", password="a-good-pass-1", confirm=None, name="Nia"):
    return client.post("/auth/register", data={
        "email": email, "display_name": name, "password": password,
        "confirm": confirm if confirm is not None else password, "currency": "EUR",
    })


def test_register_creates_a_personal_workspace_to_sign_in_to(client):
    response = register(client)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert client.get("/dashboard").status_code == 302, "nobody is signed in by a sign-up"
    client.post("/auth/login", data={"email": "new@example.com", "password": "a-good-pass-1"})
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Nia&#39;s money" in page or "Nia's money" in page
    assert "EUR" in page
    assert "owner" in page


def test_register_with_a_taken_address_answers_as_for_a_new_one_and_mails_the_owner(app, client, ctx):
    from financeapp.auth.models import User
    from financeapp.extensions import db
    from financeapp.mail import outbox, text_of

    make_user("dup@example.com")
    outbox().clear()
    taken = register(client, email="DUP@example.com")
    taken_page = client.get(taken.headers["Location"]).get_data(as_text=True)
    fresh = register(client, email="fresh@example.com")
    fresh_page = client.get(fresh.headers["Location"]).get_data(as_text=True)
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"].replace("dup", "X") == fresh.headers["Location"].replace("fresh", "X")
    assert taken_page.replace("dup@", "X@") == fresh_page.replace("fresh@", "X@")
    assert "already exists" not in taken_page
    assert db.session.query(User).filter(User.email == "dup@example.com").count() == 1
    note, verification = outbox()
    assert note["To"] == "dup@example.com" and "already has an account" in text_of(note)
    assert "/auth/reset/" in text_of(note)
    assert verification["To"] == "fresh@example.com" and "/auth/verify/" in text_of(verification)


@pytest.mark.parametrize(("password", "message"), [
    ("short1", "at least 10 characters"),
    ("onlyletterslong", "digit or symbol"),
    ("1234567890123", "at least one letter"),
    ("a1" * 40, "at most 72 bytes"),
])
def test_register_states_the_password_rule(client, password, message):
    response = register(client, password=password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_register_keeps_the_users_input_after_an_error(client):
    response = register(client, password="a-good-pass-1", confirm="different-pass-1")
    page = response.get_data(as_text=True)
    assert "Passwords differ." in page
    assert 'value="new@example.com"' in page


def test_login_and_logout(client, auth, ctx):
    make_user("tess@example.com")
    response = auth.login("tess@example.com")
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_message(client, auth, ctx):
    make_user("tess@example.com")
    wrong = auth.login("tess@example.com", "not-the-password-1").get_data(as_text=True)
    unknown = auth.login("nobody@example.com", "not-the-password-1").get_data(as_text=True)
    assert BAD_CREDENTIALS in wrong
    assert BAD_CREDENTIALS in unknown


def test_a_password_longer_than_bcrypt_takes_is_refused_not_a_crash(client, auth, ctx):
    make_user("tess@example.com")
    response = auth.login("tess@example.com", "x" * 500)
    assert response.status_code == 422
    assert BAD_CREDENTIALS in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(client, auth, ctx, runner):
    make_user("gone@example.com")
    assert runner.invoke(args=["users", "deactivate", "gone@example.com"]).exit_code == 0
    response = auth.login("gone@example.com")
    assert response.status_code == 422
    assert "deactivated" in response.get_data(as_text=True)


def test_next_is_followed_only_when_it_is_a_local_path(client, auth, ctx):
    make_user("tess@example.com")
    response = client.post("/auth/login?next=https://elsewhere.example/",
                           data={"email": "tess@example.com", "password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == "/dashboard"
    auth.logout()
    response = client.post("/auth/login?next=/workspaces/",
                           data={"email": "tess@example.com", "password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == "/workspaces/"


def test_protected_page_sends_to_login_with_next(client):
    response = client.get("/workspaces/")
    assert response.status_code == 302
    assert "/auth/login?next=/workspaces/" in response.headers["Location"]


def test_change_password_works_and_ends_other_sessions(app, client, auth, ctx):
    make_user("tess@example.com")
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": "tess@example.com", "password": DEFAULT_PASSWORD})
    auth.login("tess@example.com")
    response = client.post("/auth/password", data={
        "current_password": DEFAULT_PASSWORD, "password": "brand-new-pass-9", "confirm": "brand-new-pass-9",
    })
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200, "this session stays signed in"
    assert other_device.get("/dashboard").status_code == 302, "other sessions are signed out"
    auth.logout()
    assert auth.login("tess@example.com").status_code == 422
    assert auth.login("tess@example.com", "brand-new-pass-9").status_code == 302


def test_change_password_needs_the_current_one(client, auth, ctx):
    make_user("tess@example.com")
    auth.login("tess@example.com")
    response = client.post("/auth/password", data={
        "current_password": "wrong-password-1", "password": "brand-new-pass-9", "confirm": "brand-new-pass-9",
    })
    assert response.status_code == 422
    assert "current password is not correct" in response.get_data(as_text=True)


@pytest.fixture
def guarded_app(app):
    """The same database, with CSRF and rate limits on as in production."""
    yield create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute",
    })
    # Flask-Limiter's one state for all apps is restored after each test (tests/conftest.py).


def test_post_without_csrf_token_is_refused(guarded_app, ctx):
    make_user("tess@example.com")
    client = guarded_app.test_client()
    response = client.post("/auth/login", data={"email": "tess@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)


def test_post_with_csrf_token_is_accepted(guarded_app, ctx):
    make_user("tess@example.com")
    client = guarded_app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={
        "email": "tess@example.com", "password": DEFAULT_PASSWORD, "csrf_token": token,
    })
    assert response.status_code == 302


def test_login_rate_limit_answers_429_with_a_friendly_page(guarded_app):
    client = guarded_app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    statuses = [
        client.post("/auth/login", data={"email": "x@example.com", "password": "nope-nope-1",
                                         "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert statuses[:3] == [422, 422, 422]
    assert statuses[3] == 429
    page = client.post("/auth/login", data={"csrf_token": token}).get_data(as_text=True)
    assert "Too many attempts" in page
