"""BASE_URL and ALLOWED_HOSTS: mailed links never follow the request's Host (issue 11, acceptance 2)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from financeapp import create_app
from financeapp.extensions import db
from financeapp.mail import outbox, text_of
from tests.factories import DEFAULT_PASSWORD, make_user

BASE = "https://money.example.org"
HOSTILE = [{"Host": "evil.example"}, {"Host": "evil.example", "X-Forwarded-Host": "evil2.example"},
           {"X-Forwarded-Host": "evil.example"}, {"Host": "localhost:5071", "X-Forwarded-Host": "evil.example"}]


@pytest.fixture
def site(app: Flask) -> Iterator[Flask]:
    """The test database behind a site at BASE, which also answers for evil.example (as a misconfigured
    proxy would pass it through) and trusts one proxy hop: still no link may point there."""
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                   "BASE_URL": BASE + "/", "ALLOWED_HOSTS": "localhost,evil.example",
                                   "TRUSTED_PROXIES": "1"})
    yield other
    with other.app_context():
        db.session.remove()


def links_in_last_mail(site: Flask, to: str) -> list[str]:
    with site.app_context():
        message = [m for m in outbox() if m["To"] == to][-1]
        return re.findall(r"https?://\S+", text_of(message))


@pytest.mark.parametrize("headers", HOSTILE)
def test_a_reset_link_points_at_base_url_whatever_host_was_sent(site, ctx, headers):
    make_user("tess@example.com")
    response = site.test_client().post("/auth/forgot", data={"email": "tess@example.com"}, headers=headers)
    assert response.status_code == 302
    links = links_in_last_mail(site, "tess@example.com")
    assert any(link.startswith(f"{BASE}/auth/reset/") for link in links)
    assert all(link.startswith(BASE + "/") for link in links), links


@pytest.mark.parametrize("headers", HOSTILE)
def test_a_verification_link_points_at_base_url(site, headers):
    response = site.test_client().post("/auth/register", headers=headers, data={
        "email": "nia@example.com", "display_name": "Nia", "password": "a-good-pass-1",
        "confirm": "a-good-pass-1", "currency": "EUR"})
    assert response.status_code == 302
    links = links_in_last_mail(site, "nia@example.com")
    assert any(link.startswith(f"{BASE}/auth/verify/") for link in links)
    assert all(link.startswith(BASE + "/") for link in links), links


@pytest.mark.parametrize("headers", HOSTILE)
def test_an_invitation_link_points_at_base_url(site, ctx, headers):
    make_user("owner@example.com")
    client = site.test_client()
    # Signed in under the same Host, so the browser sends its cookie along.
    client.post("/auth/login", data={"email": "owner@example.com", "password": DEFAULT_PASSWORD}, headers=headers)
    response = client.post("/members/invite", data={"email": "sam@example.com", "role": "viewer"}, headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/members/")
    links = links_in_last_mail(site, "sam@example.com")
    assert any(link.startswith(f"{BASE}/members/join/") for link in links)
    assert all(link.startswith(BASE + "/") for link in links), links


@pytest.mark.parametrize("host", ["evil.example", "money.example.org.evil.example", "127.0.0.2", "[::2]:80"])
def test_an_unknown_host_gets_400(app, host):
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                   "BASE_URL": BASE})
    client = other.test_client()
    assert client.get("/auth/login", headers={"Host": host}).status_code == 400
    assert client.post("/auth/forgot", data={"email": "tess@example.com"}, headers={"Host": host}).status_code == 400
    assert client.get("/api/v1/me", headers={"Host": host}).status_code == 400
    with other.app_context():
        assert outbox() == []


@pytest.mark.parametrize("host", ["money.example.org", "MONEY.example.org:443", "localhost", "127.0.0.1:5071",
                                  "[::1]:5071"])
def test_base_urls_host_and_loopback_are_answered_outside_production(app, host):
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                   "BASE_URL": BASE})
    assert other.test_client().get("/auth/login", headers={"Host": host}).status_code == 200


def test_production_answers_only_base_urls_host_and_refuses_to_start_without_it():
    settings = {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", "ENCRYPTION_KEY": "A" * 43 + "="}
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app("production", {**settings, "BASE_URL": ""})
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app("production", {**settings, "BASE_URL": "money.example.org"})
    production = create_app("production", {**settings, "BASE_URL": BASE})
    assert production.config["ALLOWED_HOSTS"] == ["money.example.org"]
    client = production.test_client()
    assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200, "probes come by IP"
    assert client.get("/auth/login", headers={"Host": "localhost"}).status_code == 400
