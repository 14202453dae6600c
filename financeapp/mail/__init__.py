"""Sending e-mail: SMTP when MAIL_SERVER is set, otherwise a folder of .eml files (development).

Settings (read from app.config, falling back to the environment, with Flask-Mail's names):
MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS (STARTTLS), MAIL_USE_SSL (implicit TLS), MAIL_USERNAME,
MAIL_PASSWORD, MAIL_DEFAULT_SENDER, MAIL_TIMEOUT (seconds), MAIL_FOLDER (where development mail
goes; default instance/mail/) and BASE_URL (the site's address: every link in a message is built
from it, in a request or from cron, never from the request's Host). Under TESTING without
MAIL_SERVER or MAIL_FOLDER, messages are kept in
memory (`outbox()`) instead of being written into the source tree.

Every message has a plain-text and an HTML part, rendered from templates/mail/<name>.txt and .html.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, request

log = logging.getLogger("financeapp.mail")

DEFAULT_SENDER = "financeapp <noreply@localhost>"


class MailError(Exception):
    """The message could not be handed to the mail server."""


def setting(key: str, default: Any = None) -> Any:
    """A mail setting from the app's config, else the environment, else `default`."""
    value = current_app.config.get(key)
    if value is None or value == "":
        value = os.environ.get(key)
    return default if value is None or value == "" else value


def _flag(key: str) -> bool:
    value = setting(key, False)
    return value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "yes", "on"}


def base_url() -> str:
    """The site's configured address (core/hosts.py); never the request's Host."""
    return str(setting("BASE_URL", "http://localhost:5000")).rstrip("/")


@contextmanager
def link_context():
    """A request context whose links point at BASE_URL, for rendering messages (in a request or not)."""
    if has_request_context() and request.host_url.rstrip("/") == base_url():
        yield
        return
    with current_app.test_request_context("/", base_url=base_url()):
        yield


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for a message, on BASE_URL whatever Host the request named."""
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def build_message(to: str, subject: str, template: str, **context: Any) -> EmailMessage:
    """A multipart/alternative message from templates/mail/<template>.txt and .html."""
    subject = " ".join(subject.split())  # no header injection through line breaks
    with link_context():
        text = render_template(f"mail/{template}.txt", subject=subject, **context)
        html = render_template(f"mail/{template}.html", subject=subject, **context)
    message = EmailMessage()
    sender = setting("MAIL_DEFAULT_SENDER", DEFAULT_SENDER)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send_mail(to: str, subject: str, template: str, **context: Any) -> EmailMessage:
    """Render and send one message; raises MailError when the server refuses or cannot be reached."""
    message = build_message(to, subject, template, **context)
    deliver(message)
    return message


def deliver(message: EmailMessage) -> None:
    if setting("MAIL_SERVER"):
        _send_smtp(message)
    elif current_app.testing and not setting("MAIL_FOLDER"):
        outbox().append(message)
        log.info("mail kept in memory (testing) to=%s subject=%r", message["To"], message["Subject"])
    else:
        path = _write_eml(message)
        log.info("mail written to %s (no MAIL_SERVER) to=%s subject=%r", path, message["To"], message["Subject"])


def outbox() -> list[EmailMessage]:
    """Messages kept in memory under TESTING without MAIL_SERVER."""
    return current_app.extensions.setdefault("mail_outbox", [])


def _send_smtp(message: EmailMessage) -> None:
    host = setting("MAIL_SERVER")
    use_ssl, use_tls = _flag("MAIL_USE_SSL"), _flag("MAIL_USE_TLS")
    port = int(setting("MAIL_PORT", 465 if use_ssl else 587 if use_tls else 25))
    timeout = float(setting("MAIL_TIMEOUT", 10))  # float ok: seconds
    username, password = setting("MAIL_USERNAME"), setting("MAIL_PASSWORD")
    try:
        if use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if use_tls and not use_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if username:
                smtp.login(username, password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as err:
        log.warning("mail to=%s failed: %s", message["To"], err)
        raise MailError(str(err)) from err
    log.info("mail sent via %s:%s to=%s subject=%r", host, port, message["To"], message["Subject"])


def _write_eml(message: EmailMessage) -> Path:
    folder = Path(setting("MAIL_FOLDER", str(Path(current_app.instance_path) / "mail")))
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", str(message["Subject"]).lower()).strip("-")[:40] or "message"
    stamp = re.sub(r"[^0-9A-Za-z]", "", str(message["Message-ID"]))[:24]
    path = folder / f"{stamp}-{slug}.eml"
    path.write_bytes(message.as_bytes())
    return path


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a message (for tests and logs)."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""
