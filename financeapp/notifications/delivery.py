"""Delivering notifications to e-mail and webhooks, with retries, back-off and a delivery log.

A new notification (the `notification_created` signal) becomes one pending `Delivery` per
channel its user chose; nothing slow happens inside the caller's transaction. `deliver_due()`
(run by `flask notify deliver`, meant for cron every minute, and at the end of
`flask notify send-digests`) sends what is due. A failure is retried after 1, 5, 30 minutes,
2 and 6 hours, then marked failed; every attempt's outcome stays in the log shown in settings.

Webhooks POST JSON with `X-Financeapp-Timestamp` (Unix seconds) and
`X-Financeapp-Signature: sha256=<hex>` = HMAC-SHA256(secret, f"{timestamp}.{body}"). A receiver
recomputes it and rejects old timestamps (replays). Webhooks reach public addresses only, checked
at save and at each delivery, redirects not followed (core/outbound.py; WEBHOOK_ALLOW_PRIVATE=1 for
a LAN receiver).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from financeapp.accounts.models import Account
from financeapp.auth.models import User
from financeapp.core import outbound
from financeapp.core.db import Money, utcnow
from financeapp.core.errors import Invalid
from financeapp.core.money import format_money
from financeapp.extensions import db
from financeapp.mail import MailError, external_url, send_mail
from financeapp.notifications.models import Delivery, Notification, WebhookEndpoint
from financeapp.notifications.services import wants
from financeapp.reports import spending as spending_rules
from financeapp.transactions.models import Transaction, TransactionLine
from financeapp.workspaces.models import Membership, Workspace

log = logging.getLogger("financeapp.delivery")

RETRY_AFTER = (60, 300, 1800, 7200, 21600)  # seconds after the 1st, 2nd, ... failed attempt
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
WEBHOOK_TIMEOUT = 5
BATCH = 200
SIGNATURE_HEADER = "X-Financeapp-Signature"
TIMESTAMP_HEADER = "X-Financeapp-Timestamp"


# Webhook endpoints ----------------------------------------------------------------------------------

def webhook_of(user: User) -> WebhookEndpoint | None:
    return db.session.scalar(sa.select(WebhookEndpoint).where(WebhookEndpoint.user_id == user.id))


def set_webhook(user: User, url: str) -> WebhookEndpoint:
    """Point the user's webhook at `url` (http or https); a new endpoint gets a new secret."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500 or any(c.isspace() for c in url):
        message = "Enter a full http:// or https:// address, at most 500 characters."
        raise Invalid(message, fields={"url": message})
    try:
        outbound.check(url, allow_private=_allow_private())
    except outbound.Refused as err:
        raise Invalid(str(err), fields={"url": str(err)}) from None
    endpoint = webhook_of(user)
    if endpoint is None:
        endpoint = WebhookEndpoint(user_id=user.id, url=url, secret=secrets.token_hex(32))
        db.session.add(endpoint)
    endpoint.url = url
    db.session.flush()
    return endpoint


def rotate_webhook_secret(user: User) -> WebhookEndpoint | None:
    endpoint = webhook_of(user)
    if endpoint is not None:
        endpoint.secret = secrets.token_hex(32)
        db.session.flush()
    return endpoint


def remove_webhook(user: User) -> None:
    db.session.execute(sa.delete(WebhookEndpoint).where(WebhookEndpoint.user_id == user.id))
    db.session.flush()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


# From notification to pending deliveries ------------------------------------------------------------------

def queue_notification(notification: Notification) -> list[Delivery]:
    """Pending deliveries for the channels the notification's user chose (once per notification)."""
    user = db.session.get(User, notification.user_id)
    if user is None or not user.active:
        return []
    if not wants(user.id, notification.kind, "in_app"):
        notification.read_at = utcnow()  # the row exists for the other channels; it does not badge
    key = f"notification:{notification.id}"
    created = []
    if wants(user.id, notification.kind, "email"):
        created.append(_queue(user, "email", notification.kind, user.email, notification.title,
                              json.dumps(_notification_json(notification)), key))
    endpoint = webhook_of(user)
    if endpoint is not None and wants(user.id, notification.kind, "webhook"):
        created.append(_queue(user, "webhook", notification.kind, endpoint.url, notification.title,
                              json.dumps(_notification_json(notification)), key))
    return [d for d in created if d is not None]


def on_notification_created(notification: Notification, **_: object) -> None:
    """Listener for services.notification_created (connected by the package's init_app)."""
    queue_notification(notification)


def _notification_json(notification: Notification) -> dict:
    return {"id": notification.id, "kind": notification.kind, "workspace_id": notification.workspace_id,
            "title": notification.title, "body": notification.body, "url": notification.url,
            "created_at": notification.created_at.isoformat() + "Z" if notification.created_at else None}


def _queue(user: User, channel: str, kind: str, target: str, subject: str, payload: str,
           key: str) -> Delivery | None:
    exists = db.session.scalar(sa.select(Delivery.id).where(
        Delivery.user_id == user.id, Delivery.channel == channel, Delivery.dedupe_key == key))
    if exists is not None:
        return None
    delivery = Delivery(user_id=user.id, channel=channel, kind=kind, target=target[:500], subject=subject[:200],
                        payload=payload, dedupe_key=key[:160], status="pending", next_attempt_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(delivery)
    except sa.exc.IntegrityError:
        return None  # queued concurrently by another process
    return delivery


# Sending --------------------------------------------------------------------------------------------------

def deliver_due(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Attempt every pending delivery whose time has come; returns how many were attempted."""
    now = now or utcnow()
    due = list(db.session.scalars(
        sa.select(Delivery).where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
    ))
    for delivery in due:
        attempt(delivery, now=now)
    return len(due)


def attempt(delivery: Delivery, *, now: datetime | None = None) -> bool:
    """Try one delivery once; on failure schedule the next try, or give up after MAX_ATTEMPTS."""
    now = now or utcnow()
    delivery.attempts += 1
    try:
        if delivery.channel == "email":
            _send_email(delivery)
        else:
            delivery.response_code = _post_webhook(delivery)
    except DeliveryFailed as err:
        delivery.last_error = str(err)[:255]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delivery.next_attempt_at = now + timedelta(seconds=RETRY_AFTER[delivery.attempts - 1])
        log.warning("delivery id=%s %s attempt %s failed: %s", delivery.id, delivery.channel, delivery.attempts,
                    delivery.last_error)
        db.session.flush()
        return False
    delivery.status, delivery.delivered_at, delivery.next_attempt_at, delivery.last_error = (
        "delivered", now, None, "")
    db.session.flush()
    return True


class DeliveryFailed(Exception):
    pass


def _send_email(delivery: Delivery) -> None:
    data = json.loads(delivery.payload or "{}")
    template = "digest" if delivery.kind == "weekly_digest" else "notification"
    home = external_url("dashboard.index")
    path = data.get("url") or ""
    link = home.split("/", 3)[0] + "//" + home.split("/", 3)[2] + path if path.startswith("/") else home
    try:
        send_mail(delivery.target, delivery.subject, template, title=data.get("title", delivery.subject),
                  body=data.get("body", ""), lines=[line for line in data.get("body", "").splitlines() if line],
                  link=link, settings_link=external_url("settings.notifications"))
    except MailError as err:
        raise DeliveryFailed(f"mail: {err}") from err


def _post_webhook(delivery: Delivery) -> int:
    endpoint = db.session.scalar(sa.select(WebhookEndpoint).where(WebhookEndpoint.user_id == delivery.user_id))
    if endpoint is None:
        raise DeliveryFailed("the webhook was removed")
    body = json.dumps({"event": delivery.kind, "delivery_id": delivery.id,
                       "data": json.loads(delivery.payload or "{}")}, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json", "User-Agent": "financeapp-webhooks/1",
        TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(endpoint.secret, timestamp, body),
        "X-Financeapp-Delivery": str(delivery.id),
    }
    try:
        # Checked again now: the name may resolve elsewhere than when it was saved.
        target = outbound.check(endpoint.url, allow_private=_allow_private())
        status = outbound.post(target, body, headers, timeout=WEBHOOK_TIMEOUT)
    except outbound.Refused as err:
        raise DeliveryFailed(f"refused: {err}") from err
    except (OSError, ValueError, http.client.HTTPException) as err:
        raise DeliveryFailed(f"{type(err).__name__}: {err}") from err
    if status >= 300:
        delivery.response_code = status
        raise DeliveryFailed(f"HTTP {status}" + (" (redirects are not followed)" if status < 400 else ""))
    return status


def _allow_private() -> bool:
    """WEBHOOK_ALLOW_PRIVATE=1: the operator lets webhooks reach private addresses (a LAN receiver)."""
    value = current_app.config.get("WEBHOOK_ALLOW_PRIVATE")
    return value is True or str(value).strip().lower() in {"1", "true", "yes", "on"}


def deliveries_of(user: User, limit: int = 50) -> list[Delivery]:
    """The user's most recent deliveries, newest first."""
    return list(db.session.scalars(sa.select(Delivery).where(Delivery.user_id == user.id)
                                   .order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit)))


# The weekly digest -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CurrencyWeek:
    currency: str
    income: Decimal
    spending: Decimal
    count: int


def week_summary(workspace: Workspace, start: date, end: date) -> list[CurrencyWeek]:
    """Income and spending (as financeapp.reports.spending defines them: refunds lower spending, transfers
    left out) per account currency over [start, end): one GROUP BY."""
    kinds = spending_rules.category_kinds()
    amount = sa.func.coalesce(TransactionLine.amount, Transaction.amount, type_=Money)
    rows = db.session.execute(
        sa.select(Account.currency,
                  spending_rules.sum_money(spending_rules.line_income(amount, kinds.kind)),
                  spending_rules.sum_money(spending_rules.line_spending(amount, kinds.kind)),
                  sa.func.count(sa.distinct(Transaction.id)))
        .select_from(Transaction)
        .join(Account, Account.id == Transaction.account_id)
        .outerjoin(TransactionLine, TransactionLine.transaction_id == Transaction.id)
        .outerjoin(kinds, kinds.id == TransactionLine.category_id)
        .where(Transaction.workspace_id == workspace.id, Account.workspace_id == workspace.id,
               Transaction.transfer_key.is_(None), Transaction.on >= start, Transaction.on < end)
        .group_by(Account.currency).order_by(Account.currency)
    ).all()
    return [CurrencyWeek(currency, Decimal(income or 0), Decimal(spent or 0), count)
            for currency, income, spent, count in rows]


def send_digests(*, today: date | None = None) -> int:
    """Raise this week's digest for every member who wants it (once per ISO week); returns how many.

    The digest covers the seven days before `today`. It is a `weekly_digest` notification, so
    it reaches each member on the channels they chose, through the same queue as any other.
    """
    from financeapp.notifications.services import notify

    today = today or date.today()
    start = today - timedelta(days=7)
    year, week, _ = today.isocalendar()
    raised = 0
    for workspace in db.session.scalars(sa.select(Workspace).order_by(Workspace.id)):
        user_ids = [user_id for user_id in db.session.scalars(
            sa.select(Membership.user_id).join(User, User.id == Membership.user_id)
            .where(Membership.workspace_id == workspace.id, User.active.is_(True)))
            if any(wants(user_id, "weekly_digest", channel) for channel in ("in_app", "email", "webhook"))]
        if not user_ids:
            continue
        summary = week_summary(workspace, start, today)
        lines = [f"{w.currency}: {w.count} transactions, {format_money(w.income, w.currency)} in, "
                 f"{format_money(w.spending, w.currency)} out"
                 for w in summary] or ["No transactions this week."]
        created = notify(workspace, "weekly_digest", f"Your week in {workspace.name}",
                         f"digest:{year}-W{week:02d}", body="\n".join(lines), url="/dashboard",
                         user_ids=user_ids)
        raised += len(created)
    return raised
