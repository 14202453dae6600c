"""Acceptance 1: verification, password reset and e-mail change through a real SMTP server.

Each test reads the delivered mail, follows its link, and shows that a used or expired link is refused.
"""

from __future__ import annotations

import sqlalchemy as sa

from financeapp.auth import signing
from financeapp.auth.models import SecurityEvent, User
from financeapp.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.mail.smtp import link_path


def register(client, email="nia@example.com"):
    return client.post("/auth/register", data={"email": email, "display_name": "Nia", "password": "a-good-pass-1",
                                               "confirm": "a-good-pass-1", "currency": "EUR"})


def user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def age_links(monkeypatch, seconds: float) -> None:
    real = signing.clock
    monkeypatch.setattr(signing, "clock", lambda: real() + seconds)


def test_registration_mails_a_verification_link_that_works_once(client, ctx, smtp_server):
    assert register(client).status_code == 302
    message = smtp_server.last("nia@example.com")
    assert message["Subject"] == "Verify your e-mail address"
    path = link_path(message, "/auth/verify/")
    assert user("nia@example.com").email_verified_at is None
    page = client.get(path, follow_redirects=True)
    assert "is verified" in page.get_data(as_text=True)
    assert user("nia@example.com").email_verified_at is not None
    again = client.get(path)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_an_expired_verification_link_is_refused(client, ctx, smtp_server, monkeypatch):
    register(client)
    path = link_path(smtp_server.last("nia@example.com"), "/auth/verify/")
    age_links(monkeypatch, 4 * 86400)
    response = client.get(path)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert user("nia@example.com").email_verified_at is None


def test_a_tampered_link_is_refused(client, ctx, smtp_server):
    register(client)
    path = link_path(smtp_server.last("nia@example.com"), "/auth/verify/")
    assert client.get(path[:-3] + "abc").status_code == 400


def test_password_reset_by_mail_works_once_and_signs_out_everywhere(app, client, auth, ctx, smtp_server):
    make_user("tess@example.com")
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": "tess@example.com", "password": DEFAULT_PASSWORD})
    response = client.post("/auth/forgot", data={"email": "Tess@example.com"}, follow_redirects=True)
    assert "If tess@example.com has an account" in response.get_data(as_text=True)
    path = link_path(smtp_server.last("tess@example.com"), "/auth/reset/")
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    response = client.post(path, data={"password": "brand-new-pass-9", "confirm": "brand-new-pass-9"})
    assert response.status_code == 302
    assert other_device.get("/dashboard").status_code == 302, "other sessions are signed out"
    assert auth.login("tess@example.com").status_code == 422
    assert auth.login("tess@example.com", "brand-new-pass-9").status_code == 302
    auth.logout()
    reused = client.post(path, data={"password": "another-pass-77", "confirm": "another-pass-77"})
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)
    kinds = set(db.session.scalars(sa.select(SecurityEvent.kind)))
    assert {"password_reset_requested", "password_reset"} <= kinds


def test_an_expired_reset_link_is_refused(client, ctx, smtp_server, monkeypatch):
    make_user("tess@example.com")
    client.post("/auth/forgot", data={"email": "tess@example.com"})
    path = link_path(smtp_server.last("tess@example.com"), "/auth/reset/")
    age_links(monkeypatch, 3601)
    response = client.post(path, data={"password": "brand-new-pass-9", "confirm": "brand-new-pass-9"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_reset_answers_the_same_whether_or_not_the_address_has_an_account(client, ctx, smtp_server):
    make_user("tess@example.com")
    known = client.post("/auth/forgot", data={"email": "tess@example.com"}, follow_redirects=True)
    unknown = client.post("/auth/forgot", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    normalise = lambda page, email: page.get_data(as_text=True).replace(email, "X")  # noqa: E731
    assert normalise(known, "tess@example.com") == normalise(unknown, "nobody@example.com")
    assert smtp_server.to("nobody@example.com") == []
    assert len(smtp_server.to("tess@example.com")) == 1


def test_a_reset_link_is_not_a_verification_link(client, ctx, smtp_server):
    make_user("tess@example.com")
    client.post("/auth/forgot", data={"email": "tess@example.com"})
    path = link_path(smtp_server.last("tess@example.com"), "/auth/reset/")
    token = path.rsplit("/", 1)[-1]
    assert client.get(f"/auth/verify/{token}").status_code == 400


def test_the_same_link_mail_is_sent_when_the_server_is_down_without_a_500(client, ctx, monkeypatch):
    from tests.mail.smtp import free_port

    monkeypatch.setitem(ctx.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(ctx.config, "MAIL_PORT", free_port())
    response = register(client, "down@example.com")
    assert response.status_code == 302
    assert "could not send" in client.get(response.headers["Location"]).get_data(as_text=True)
