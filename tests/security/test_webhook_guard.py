"""Webhooks cannot reach inside: refused at save and at delivery unless WEBHOOK_ALLOW_PRIVATE=1 (acceptance 4)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from financeapp.core import outbound
from financeapp.core.errors import Invalid
from financeapp.extensions import db
from financeapp.notifications import delivery, services
from financeapp.notifications.models import Delivery, WebhookEndpoint
from financeapp.notifications.services import notify
from tests.factories import make_user, personal_workspace

INSIDE = ["http://127.0.0.1:{port}/hook", "http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data/",
          "http://[::1]:{port}/hook", "http://localhost:{port}/hook", "http://[::ffff:127.0.0.1]:{port}/hook",
          "http://0.0.0.0:{port}/hook", "http://100.64.0.1/hook", "http://rebound.example.test:{port}/hook"]


class Receiver:
    """A loopback receiver that records each request (and answers `status`)."""

    def __init__(self, family: int = socket.AF_INET, host: str = "127.0.0.1") -> None:
        self.requests: list[dict[str, str]] = []
        self.status = 200
        receiver = self

        class Server(ThreadingHTTPServer):
            address_family = family

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(dict(self.headers))
                self.send_response(receiver.status)
                self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = Server((host, 0), Handler)
        self.port = self.server.server_port


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def allow_private(app) -> Iterator[None]:
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    yield
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False


@pytest.fixture(autouse=True)
def rebound_name(monkeypatch) -> None:
    """rebound.example.test resolves to 127.0.0.1 (as a hostile DNS record would); other names as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "rebound.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", getaddrinfo)


def webhook_user(url: str):
    user = make_user()
    services.save_preferences(user, {("budget_alert", "webhook"), ("budget_alert", "in_app")})
    db.session.add(WebhookEndpoint(user_id=user.id, url=url, secret="s" * 64))  # saved before the guard existed
    db.session.commit()
    return user


def deliver_one(user) -> Delivery:
    notify(personal_workspace(user), "budget_alert", "Groceries at 90%", "alert-1", user_ids=[user.id])
    db.session.commit()
    delivery.deliver_due()
    db.session.commit()
    return db.session.scalar(sa.select(Delivery).where(Delivery.user_id == user.id, Delivery.channel == "webhook"))


@pytest.mark.parametrize("url", INSIDE)
def test_an_inside_address_is_refused_when_saved(ctx, receiver, url):
    user = make_user()
    with pytest.raises(Invalid, match="public addresses only") as refused:
        delivery.set_webhook(user, url.format(port=receiver.port))
    assert "url" in refused.value.fields
    assert delivery.webhook_of(user) is None


@pytest.mark.parametrize("url", INSIDE)
def test_an_inside_address_is_refused_at_delivery(ctx, receiver, url):
    user = webhook_user(url.format(port=receiver.port))
    row = deliver_one(user)
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error.startswith("refused:")
    assert receiver.requests == [], "nothing reached the receiver"


def test_a_name_that_resolved_outside_at_save_is_checked_again_at_delivery(ctx, receiver, monkeypatch):
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1"])  # public when saved, loopback at delivery (DNS rebinding)

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "flip.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", getaddrinfo)
    user = make_user()
    services.save_preferences(user, {("budget_alert", "webhook")})
    delivery.set_webhook(user, f"http://flip.example.test:{receiver.port}/hook")
    db.session.commit()
    row = deliver_one(user)
    assert row.last_error.startswith("refused:") and receiver.requests == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/hook", "http://localhost:{port}/hook",
                                 "http://rebound.example.test:{port}/hook"])
def test_with_webhook_allow_private_a_lan_receiver_gets_its_deliveries(ctx, receiver, allow_private, url):
    user = make_user()
    services.save_preferences(user, {("budget_alert", "webhook")})
    delivery.set_webhook(user, url.format(port=receiver.port))
    db.session.commit()
    row = deliver_one(user)
    assert row.status == "delivered"
    [headers] = receiver.requests
    host = url.split("/")[2].format(port=receiver.port)
    assert headers["Host"] == host, "the request names the URL's host while going to the checked address"


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]:8080/hook"])
def test_with_webhook_allow_private_other_inside_addresses_can_be_saved(ctx, allow_private, url):
    assert delivery.set_webhook(make_user(), url).url == url


def test_ipv6_loopback_is_refused_at_delivery_and_reached_when_allowed(ctx, app):
    try:
        receiver = Receiver(socket.AF_INET6, "::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        user = webhook_user(f"http://[::1]:{receiver.port}/hook")
        assert deliver_one(user).last_error.startswith("refused:") and receiver.requests == []
        app.config["WEBHOOK_ALLOW_PRIVATE"] = True
        row = db.session.scalar(sa.select(Delivery).where(Delivery.user_id == user.id))
        assert delivery.attempt(row) and len(receiver.requests) == 1
    finally:
        app.config["WEBHOOK_ALLOW_PRIVATE"] = False
        receiver.server.shutdown()
        receiver.server.server_close()


def test_a_redirect_is_not_followed(ctx, receiver, allow_private):
    receiver.status = 302
    user = make_user()
    services.save_preferences(user, {("budget_alert", "webhook")})
    delivery.set_webhook(user, f"http://127.0.0.1:{receiver.port}/hook")
    db.session.commit()
    row = deliver_one(user)
    assert row.status == "pending" and row.response_code == 302
    assert "redirects are not followed" in row.last_error
    assert len(receiver.requests) == 1, "the Location was not requested"


def test_a_public_address_passes_the_check():
    target = outbound.check("https://93.184.216.34:8443/hook?x=1", allow_private=False)
    assert (target.address, target.port, target.path) == ("93.184.216.34", 8443, "/hook?x=1")


def test_the_form_refuses_an_inside_address_and_says_why(client, auth, ctx):
    make_user("page@example.com")
    auth.login("page@example.com")
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "WEBHOOK_ALLOW_PRIVATE=1" in page, "the help text says who can allow a LAN receiver"
    response = client.post("/settings/webhook", data={"url": "http://169.254.169.254/latest/meta-data/"})
    assert response.status_code == 422
    assert "public addresses only" in response.get_data(as_text=True)
