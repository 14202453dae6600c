"""Acceptance 3 and the digest: webhooks signed and retried with back-off, e-mail delivery, the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from financeapp.core.db import utcnow
from financeapp.core.errors import Invalid
from financeapp.extensions import db
from financeapp.notifications import delivery, services
from financeapp.notifications.models import Delivery, Notification
from financeapp.notifications.services import notify
from tests.factories import make_account, make_transaction, make_user, personal_workspace
from tests.mail.smtp import body_text, free_port, link_path


class Receiver:
    """A webhook receiver on loopback that answers with the queued status codes (then 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture(autouse=True)
def _lan_receiver(app):
    """These tests' receiver listens on loopback: the operator's WEBHOOK_ALLOW_PRIVATE=1 lets webhooks reach
    it (tests/security/test_webhook_guard.py shows what happens without it)."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    yield
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def webhook_user(url: str, kinds=("budget_alert",)):
    user = make_user()
    endpoint = delivery.set_webhook(user, url)
    services.save_preferences(user, {(kind, "webhook") for kind in kinds} | {(kind, "in_app") for kind in kinds})
    db.session.commit()
    return user, endpoint


def alert(user, key="alert-1"):
    [row] = notify(personal_workspace(user), "budget_alert", "Groceries at 90%", key, body="Spent 450 of 500",
                   url="/budgets/", user_ids=[user.id])
    db.session.commit()
    return row


def test_a_webhook_is_signed_with_hmac_sha256_of_timestamp_and_body(ctx, receiver):
    user, endpoint = webhook_user(receiver.url)
    notification = alert(user)
    [queued] = db.session.scalars(sa.select(Delivery)).all()
    assert (queued.channel, queued.status, queued.attempts) == ("webhook", "pending", 0)
    assert delivery.deliver_due() == 1
    [(headers, body)] = receiver.requests
    expected = hmac.new(endpoint.secret.encode(), headers["X-Financeapp-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Financeapp-Signature"], f"sha256={expected}")
    assert abs(int(headers["X-Financeapp-Timestamp"]) - utcnow().timestamp()) < 3600 * 24
    payload = json.loads(body)
    assert payload["event"] == "budget_alert"
    assert payload["data"]["id"] == notification.id and payload["data"]["title"] == "Groceries at 90%"
    assert queued.status == "delivered" and queued.response_code == 200
    wrong = hmac.new(b"another secret", headers["X-Financeapp-Timestamp"].encode() + b"." + body,
                     hashlib.sha256).hexdigest()
    assert headers["X-Financeapp-Signature"] != f"sha256={wrong}"


def test_a_failed_webhook_is_retried_with_back_off_and_logged(ctx, receiver):
    user, _ = webhook_user(receiver.url)
    alert(user)
    receiver.answers = [500, 503]
    now = utcnow().replace(microsecond=0) + timedelta(seconds=1)  # MySQL DATETIME keeps whole seconds
    delivery.deliver_due(now=now)
    [row] = db.session.scalars(sa.select(Delivery)).all()
    assert (row.status, row.attempts, row.response_code, row.last_error) == ("pending", 1, 500, "HTTP 500")
    assert row.next_attempt_at == now + timedelta(seconds=60)
    assert delivery.deliver_due(now=now + timedelta(seconds=30)) == 0, "not before its time"
    delivery.deliver_due(now=now + timedelta(seconds=61))
    assert (row.attempts, row.next_attempt_at) == (2, now + timedelta(seconds=61 + 300))
    delivery.deliver_due(now=now + timedelta(seconds=400))
    assert (row.status, row.attempts, row.last_error) == ("delivered", 3, "")
    assert len(receiver.requests) == 3
    bodies = {body for _, body in receiver.requests}
    assert len(bodies) == 1, "every retry sends the same event"


def test_an_unreachable_webhook_gives_up_after_six_attempts(ctx):
    user, _ = webhook_user(f"http://127.0.0.1:{free_port()}/nothing-listens")
    alert(user)
    now = utcnow()
    for step in range(10):
        delivery.deliver_due(now=now + timedelta(days=step))
    [row] = db.session.scalars(sa.select(Delivery)).all()
    assert (row.status, row.attempts) == ("failed", delivery.MAX_ATTEMPTS)
    assert "Connection refused" in row.last_error or "URLError" in row.last_error


def test_each_notification_is_queued_once_per_channel(ctx, receiver):
    user, _ = webhook_user(receiver.url)
    notification = alert(user)
    delivery.queue_notification(notification)
    notify(personal_workspace(user), "budget_alert", "again", "alert-1", user_ids=[user.id])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 1


def test_notifications_go_only_to_the_chosen_channels(ctx, smtp_server):
    user = make_user("mail@example.com")
    services.save_preferences(user, {("bill_due", "email")})  # not in the app, no webhook
    db.session.commit()
    [bill] = notify(personal_workspace(user), "bill_due", "Rent due tomorrow", "bill-1", user_ids=[user.id])
    [budget] = notify(personal_workspace(user), "budget_alert", "Over budget", "budget-1", user_ids=[user.id])
    db.session.commit()
    assert bill.read_at is not None, "in-app is off for bills: it does not badge"
    assert budget.read_at is not None
    delivery.deliver_due()
    [mail] = smtp_server.to("mail@example.com")
    assert mail["Subject"] == "Rent due tomorrow"
    assert "Rent due tomorrow" in body_text(mail)
    assert [d.channel for d in db.session.scalars(sa.select(Delivery))] == ["email"]


def test_the_weekly_digest_mail_sums_the_week_once_per_week(app, client, auth, ctx, runner, smtp_server):
    user = make_user("digest@example.com", name="Dee")
    account = make_account(personal_workspace(user))
    today = date.today()
    make_transaction(account, "-12.50", on=today - timedelta(days=2))
    make_transaction(account, "-7.25", on=today - timedelta(days=3))
    make_transaction(account, "1000.00", on=today - timedelta(days=1))
    make_transaction(account, "-999.00", on=today - timedelta(days=30))
    result = runner.invoke(args=["notify", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "Raised 1 digest" in result.output
    [mail] = smtp_server.to("digest@example.com")
    text = body_text(mail)
    assert "USD: 3 transactions, $1,000.00 in, $19.75 out" in text
    assert mail.get_body(preferencelist=("html",)) is not None
    again = runner.invoke(args=["jobs", "send-digests"])  # the name the jobs group gives it: once a week all the same
    assert again.exit_code == 0 and "Raised 0 digests" in again.output
    assert len(smtp_server.to("digest@example.com")) == 1
    path = link_path(mail, "/dashboard")
    auth.login("digest@example.com")
    assert client.get(path).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.kind == "weekly_digest")) == 1


def test_the_deliver_command_retries_what_is_due(ctx, runner, receiver):
    user, _ = webhook_user(receiver.url)
    alert(user)
    result = runner.invoke(args=["notify", "deliver"])
    assert result.exit_code == 0 and "Attempted 1 delivery" in result.output
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("url", ["ftp://example.com/x", "example.com", "http://", "http://a b", "x" * 600])
def test_webhook_addresses_must_be_http_urls(ctx, url):
    with pytest.raises(Invalid):
        delivery.set_webhook(make_user(), url)


def test_the_notifications_page_saves_choices_and_shows_the_log(client, auth, ctx, receiver):
    user = make_user("page@example.com")
    auth.login("page@example.com")
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert 'value="weekly_digest:email" id="pref-weekly_digest-email" checked' in page
    response = client.post("/settings/notifications", data={"pref": ["budget_alert:webhook", "junk:thing"]})
    assert response.status_code == 422
    client.post("/settings/notifications", data={"pref": ["budget_alert:webhook", "budget_alert:in_app"]})
    assert services.channel_choices(user)["email"] == set()
    assert client.post("/settings/webhook", data={"url": "not a url"}).status_code == 422
    assert client.post("/settings/webhook", data={"url": receiver.url}).status_code == 302
    receiver.answers = [500]
    alert(user)
    delivery.deliver_due()
    db.session.commit()
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "HTTP 500" in page and "retry at" in page and "Groceries at 90%" in page
    assert 'id="webhook-secret"' in page
