"""A real SMTP server (aiosmtpd) on loopback for tests, and helpers to read what it received."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    def last(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail for {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def body_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def body_html(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_path(message: EmailMessage, marker: str) -> str:
    """The path of the first link in the plain-text part that contains `marker`."""
    match = re.search(rf"https?://[^/\s]+(\S*?{re.escape(marker)}\S*)", body_text(message))
    assert match, f"no link with {marker} in:\n{body_text(message)}"
    return match.group(1)


@pytest.fixture
def smtp_server(app, monkeypatch) -> Iterator[Inbox]:
    """Point the app's mail at a real SMTP server on 127.0.0.1 and a free port."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "financeapp <noreply@finance.test>")
    try:
        yield inbox
    finally:
        controller.stop()
