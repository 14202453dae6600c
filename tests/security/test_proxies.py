"""TRUSTED_PROXIES: forwarded headers count only when configured (issue 11, acceptance 3)."""

from __future__ import annotations

import pytest
from flask import Flask

from financeapp import create_app
from financeapp.core.proxies import parse_trusted_proxies


def limited_app(app: Flask, **extra) -> Flask:
    return create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute", **extra,
    })


def sign_in_statuses(client, forwarded_for: list[str]) -> list[int]:
    """One failed sign-in per entry, each to its own address (the per-account delay never starts)."""
    return [client.post("/auth/login", data={"email": f"x{n}@example.com", "password": "nope-nope-1"},
                        headers={"X-Forwarded-For": hop}).status_code
            for n, hop in enumerate(forwarded_for)]


def test_by_default_a_spoofed_forwarded_for_does_not_dodge_the_limit(app):
    client = limited_app(app).test_client()
    statuses = sign_in_statuses(client, [f"203.0.113.{n}" for n in range(1, 6)])
    assert statuses[:3] == [422, 422, 422]
    assert statuses[3:] == [429, 429], "every spoofed address was counted as the one real client"


def test_with_one_trusted_hop_the_last_forwarded_address_is_the_client(app):
    client = limited_app(app, TRUSTED_PROXIES="1").test_client()
    statuses = sign_in_statuses(client, [f"10.9.9.1, 203.0.113.{n}" for n in range(1, 6)])
    assert statuses == [422] * 5, "each last hop is a different client, none over its limit"
    same = sign_in_statuses(client, ["192.0.2.1, 198.51.100.9"] * 4)
    assert same[:3] == [422, 422, 422] and same[3] == 429


def _client_address_through(app: Flask, remote: str, forwarded: str) -> str:
    """What the app sees as the client address behind its middleware."""
    seen: dict[str, str] = {}

    @app.get("/__whoami")
    def whoami():
        from flask import request
        seen["addr"] = request.remote_addr or ""
        return ""

    app.test_client().get("/__whoami", headers={"X-Forwarded-For": forwarded},
                          environ_base={"REMOTE_ADDR": remote})
    return seen["addr"]


@pytest.mark.parametrize(("setting", "remote", "forwarded", "client"), [
    ("", "127.0.0.1", "198.51.100.7", "127.0.0.1"),
    ("1", "127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
    ("2", "127.0.0.1", "198.51.100.7, 10.0.0.5", "198.51.100.7"),
    ("127.0.0.1, 10.0.0.0/8", "127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.5", "198.51.100.7"),
    ("10.0.0.0/8", "127.0.0.1", "198.51.100.7", "127.0.0.1"),  # the peer itself is not trusted
])
def test_the_client_address_follows_trusted_proxies(setting, remote, forwarded, client):
    assert _client_address_through(create_app("testing", {"TRUSTED_PROXIES": setting}),
                                   remote, forwarded) == client


def test_a_bad_trusted_proxies_value_stops_the_start():
    assert parse_trusted_proxies("") == 0
    assert parse_trusted_proxies("3") == 3
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES"):
        create_app("testing", {"TRUSTED_PROXIES": "my proxy"})
