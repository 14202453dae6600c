"""Settings pages: profile, e-mail change with re-verification, the audit log, and who may see what."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from financeapp.auth import audit
from financeapp.auth.models import User
from financeapp.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.mail.smtp import link_path


def reload(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.mark.parametrize("url", ["/settings/", "/settings/security", "/settings/tokens"])
def test_settings_need_a_sign_in(client, url):
    assert client.get(url).status_code == 302


def test_profile_saves_name_locale_week_start_and_theme(client, auth, ctx):
    make_user("p@example.com")
    auth.login("p@example.com")
    page = client.get("/settings/").get_data(as_text=True)
    assert "German (Germany) (de_DE)" in page
    response = client.post("/settings/", data={"display_name": "  Pat  Lee ", "locale": "de_DE",
                                               "first_day_of_week": "6", "theme": "dark"})
    assert response.status_code == 302
    user = reload("p@example.com")
    assert (user.display_name, user.locale, user.first_day_of_week, user.theme) == ("Pat Lee", "de_DE", 6, "dark")
    assert 'data-saved-theme="dark"' in client.get("/settings/").get_data(as_text=True)


@pytest.mark.parametrize(("field", "value"), [("locale", "xx_YY"), ("first_day_of_week", "9"),
                                              ("theme", "neon"), ("display_name", "")])
def test_bad_profile_input_is_refused_and_nothing_changes(client, auth, ctx, field, value):
    make_user("p@example.com", name="Pat")
    auth.login("p@example.com")
    data = {"display_name": "New", "locale": "en_GB", "first_day_of_week": "0", "theme": "light", field: value}
    assert client.post("/settings/", data=data).status_code == 422
    assert reload("p@example.com").display_name == "Pat"


def test_changing_the_email_waits_for_the_link_sent_to_the_new_address(client, auth, ctx, smtp_server):
    make_user("old@example.com")
    make_user("taken@example.com")
    auth.login("old@example.com")
    taken = client.post("/settings/email", data={"email": "taken@example.com", "password": DEFAULT_PASSWORD})
    assert taken.status_code == 409
    wrong = client.post("/settings/email", data={"email": "new@example.com", "password": "wrong-password-1"})
    assert wrong.status_code == 422
    assert client.post("/settings/email", data={"email": "New@example.com",
                                                "password": DEFAULT_PASSWORD}).status_code == 302
    assert reload("old@example.com").pending_email == "new@example.com"
    path = link_path(smtp_server.last("new@example.com"), "/auth/email/")
    assert client.get(path).status_code == 302
    user = reload("new@example.com")
    assert user is not None and user.email_verified and user.pending_email is None
    again = client.get(path)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    auth.logout()
    assert auth.login("new@example.com").status_code == 302


def test_resending_the_verification_link(client, auth, ctx, smtp_server):
    make_user("v@example.com")
    auth.login("v@example.com")
    assert "not verified" in client.get("/settings/").get_data(as_text=True)
    client.post("/auth/verify/resend")
    path = link_path(smtp_server.last("v@example.com"), "/auth/verify/")
    client.get(path)
    assert "verified</span>" in client.get("/settings/").get_data(as_text=True)


def test_the_security_page_lists_events_newest_first_with_pages(client, auth, ctx):
    user = make_user("log@example.com")
    for i in range(30):
        audit.record_event(user, "token_created", detail=f"token {i:02d}")
    db.session.commit()
    auth.login("log@example.com")
    first = client.get("/settings/security").get_data(as_text=True)
    assert "Signed in" in first and "token 29" in first and "token 05" not in first
    assert "Page 1 of 2" in first
    second = client.get("/settings/security?page=2").get_data(as_text=True)
    assert "token 04" in second and "token 29" not in second
    assert client.get("/settings/security?page=99999999999999999999").status_code == 200
    assert client.get("/settings/security?page=junk").status_code == 200


def test_another_users_events_never_show(client, auth, ctx):
    other = make_user()
    audit.record_event(other, "token_created", detail="secret-looking detail")
    db.session.commit()
    make_user("me@example.com")
    auth.login("me@example.com")
    assert "secret-looking detail" not in client.get("/settings/security").get_data(as_text=True)


def test_the_user_menu_links_to_the_settings(client, auth, ctx):
    make_user("menu@example.com")
    auth.login("menu@example.com")
    page = client.get("/settings/").get_data(as_text=True)
    for href in ('href="/settings/"', 'href="/settings/security"', 'href="/settings/tokens"', 'href="/members/"'):
        assert href in page
