"""Server-side sign-ins (issue 11, acceptance 1): sign-out ends a session everywhere, devices, idle expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from financeapp import create_app
from financeapp.auth import sessions
from financeapp.auth.models import UserSession
from financeapp.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

COOKIES = ("session", "remember_token")


@pytest.fixture
def second(app: Flask) -> Iterator[Flask]:
    """Another app instance on the same database, as a second web server would be."""
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    other.test_client_class = app.test_client_class
    yield other
    with other.app_context():
        db.session.remove()


def sign_in(app: Flask, email: str = "tess@example.com", *, remember: bool = False, agent: str = "Firefox"):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent  # every request of this browser names it
    data = {"email": email, "password": DEFAULT_PASSWORD} | ({"remember": "y"} if remember else {})
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_cookies(source, app: Flask, names=COOKIES):
    """A new browser holding copies of `source`'s cookies and user agent (as a thief would copy them)."""
    thief = app.test_client()
    thief.environ_base["HTTP_USER_AGENT"] = source.environ_base["HTTP_USER_AGENT"]
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def signed_in(client) -> bool:
    """True when the HTML pages and the API both accept the client; False when both refuse it."""
    page, api = client.get("/dashboard"), client.get("/api/v1/me")
    if page.status_code == 200 and api.status_code == 200:
        return True
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"], page.status_code
    assert api.status_code == 401, api.status_code
    return False


def test_a_cookie_copied_before_sign_out_is_refused_after_it_on_every_instance(app, second, ctx):
    make_user("tess@example.com")
    browser = sign_in(app)
    copy_here, copy_there = copy_cookies(browser, app), copy_cookies(browser, second)
    assert signed_in(copy_here) and signed_in(copy_there), "the copies work while the sign-in lives"
    assert browser.post("/auth/logout").status_code == 302
    assert not signed_in(copy_here)
    assert not signed_in(copy_there)
    login_page = copy_there.get("/dashboard", follow_redirects=True)
    assert "Sign in" in login_page.get_data(as_text=True)
    label = copy_here.post("/labels/", data={"name": "after-sign-out"})
    assert label.status_code == 302 and "/auth/login" in label.headers["Location"]


def test_a_remember_me_cookie_copied_before_sign_out_is_refused_after_it(app, second, ctx):
    make_user("tess@example.com")
    browser = sign_in(app, remember=True)
    remembered = copy_cookies(browser, second, names=("remember_token",))
    assert signed_in(remembered), "the remember-me cookie alone signs in while the sign-in lives"
    browser.post("/auth/logout")
    assert not signed_in(copy_cookies(browser, second, names=("remember_token",)))
    assert not signed_in(remembered)


def test_the_database_keeps_only_a_hash_of_the_cookies_key(app, ctx):
    make_user("tess@example.com")
    browser = sign_in(app, agent="Lynx/2.9")
    [row] = db.session.scalars(sa.select(UserSession)).all()
    key = _session_key(app, browser)
    assert row.key_hash == sessions.key_hash(key) and key not in row.key_hash
    assert (row.user_agent, row.ip, row.remember, row.revoked_at) == ("Lynx/2.9", "127.0.0.1", False, None)


def _session_key(app: Flask, client) -> str:
    """The sign-in key Flask-Login keeps in the (signed) session cookie."""
    from werkzeug.test import EnvironBuilder

    cookie = client.get_cookie("session")
    request = app.request_class(EnvironBuilder(headers={"Cookie": f"session={cookie.value}"}).get_environ())
    return app.session_interface.open_session(app, request)["_user_id"]


def test_sign_out_everywhere_else_keeps_this_device(app, second, ctx):
    make_user("tess@example.com")
    laptop, phone, tablet = sign_in(app, agent="Laptop"), sign_in(second, agent="Phone"), sign_in(app, agent="Tablet")
    page = laptop.get("/settings/devices").get_data(as_text=True)
    assert "Laptop" in page and "Phone" in page and "Tablet" in page and "This device" in page
    response = laptop.post("/settings/devices/revoke-others", follow_redirects=True)
    assert "Signed out everywhere else (2 other sign-ins)" in response.get_data(as_text=True)
    assert signed_in(laptop)
    assert not signed_in(phone) and not signed_in(tablet)
    assert not signed_in(copy_cookies(phone, app))


def test_one_device_is_signed_out_from_the_list_and_anothers_is_404(app, ctx):
    tess = make_user("tess@example.com")
    make_user("mallory@example.com", name="Mallory")
    laptop, phone = sign_in(app, agent="Laptop"), sign_in(app, agent="Phone")
    mallory = sign_in(app, "mallory@example.com")
    phone_row = db.session.scalar(sa.select(UserSession).where(UserSession.user_agent == "Phone"))
    assert mallory.post(f"/settings/devices/{phone_row.id}/revoke").status_code == 404
    assert signed_in(phone)
    assert laptop.post(f"/settings/devices/{phone_row.id}/revoke").status_code == 302
    assert not signed_in(phone) and signed_in(laptop)
    this_row = db.session.scalar(sa.select(UserSession).where(UserSession.user_agent == "Laptop"))
    laptop.post(f"/settings/devices/{this_row.id}/revoke")
    assert signed_in(laptop), "this device signs out with the menu's Sign out, not from the list"
    assert [s.user_agent for s in sessions.live_of(tess)] == ["Laptop"]


def test_changing_the_password_ends_every_other_sign_in(app, second, ctx):
    make_user("tess@example.com")
    here, there = sign_in(app), sign_in(second)
    response = here.post("/auth/password", data={"current_password": DEFAULT_PASSWORD,
                                                 "password": "brand-new-pass-9", "confirm": "brand-new-pass-9"})
    assert response.status_code == 302
    assert signed_in(here) and not signed_in(there)


class FrozenClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> FrozenClock:
    frozen = FrozenClock(datetime(2026, 6, 1, 9, 0))
    monkeypatch.setattr(sessions, "clock", frozen)
    return frozen


def last_seen() -> datetime:
    db.session.expire_all()
    return db.session.scalar(sa.select(UserSession.last_seen_at))


def test_an_idle_session_expires_after_12_hours(app, ctx, clock):
    make_user("tess@example.com")
    browser = sign_in(app)
    clock.advance(hours=11, minutes=59)
    assert signed_in(browser), "used within the limit: still signed in, and the idle time starts again"
    clock.advance(hours=11, minutes=59)
    assert signed_in(browser)
    clock.advance(hours=12, seconds=1)
    assert not signed_in(browser)
    clock.advance(seconds=1)
    assert not signed_in(browser), "an expired sign-in stays ended"


def test_a_remembered_session_lasts_30_idle_days_and_the_setting_changes_it(app, ctx, clock, monkeypatch):
    make_user("tess@example.com")
    browser = sign_in(app, remember=True)
    clock.advance(days=29, hours=23)
    assert signed_in(browser)
    clock.advance(days=30, seconds=1)
    assert not signed_in(browser)
    monkeypatch.setitem(app.config, "SESSION_IDLE_HOURS", 1)
    short = sign_in(app)
    clock.advance(minutes=61)
    assert not signed_in(short)


def test_last_seen_is_written_at_most_once_a_minute(app, ctx, clock):
    make_user("tess@example.com")
    browser = sign_in(app)
    started = last_seen()
    clock.advance(seconds=30)
    browser.get("/dashboard")
    assert last_seen() == started, "no write within the minute"
    clock.advance(seconds=31)
    browser.get("/dashboard")
    assert last_seen() == clock.now
