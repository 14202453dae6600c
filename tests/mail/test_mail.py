"""Sending mail: SMTP to a real server, the development folder, and failures reported, not crashed."""

from __future__ import annotations

import logging

import pytest

from financeapp.mail import MailError, outbox, send_mail
from tests.mail.smtp import body_html, body_text, free_port


def test_a_message_reaches_a_real_smtp_server_with_text_and_html_parts(ctx, smtp_server):
    send_mail("sam@example.com", "Verify your e-mail address", "verify_email", name="Sam",
              email="sam@example.com", days=3, link="http://localhost/auth/verify/abc")
    message = smtp_server.last("sam@example.com")
    assert message["From"] == "financeapp <noreply@finance.test>"
    assert message["Subject"] == "Verify your e-mail address"
    assert "http://localhost/auth/verify/abc" in body_text(message)
    assert 'href="http://localhost/auth/verify/abc"' in body_html(message)
    assert message["Message-ID"] and message["Date"]


def test_without_a_mail_server_messages_are_written_to_the_mail_folder_and_logged(ctx, tmp_path, monkeypatch,
                                                                                  caplog):
    monkeypatch.setitem(ctx.config, "MAIL_FOLDER", str(tmp_path))
    caplog.set_level(logging.INFO, logger="financeapp.mail")
    send_mail("sam@example.com", "Hello\nBcc: evil@example.com", "verify_email", name="Sam",
              email="sam@example.com", days=3, link="http://localhost/x")
    [eml] = list(tmp_path.glob("*.eml"))
    text = eml.read_text()
    assert "To: sam@example.com" in text
    assert "\nBcc:" not in text, "line breaks in a subject cannot add headers"
    assert "multipart/alternative" in text
    assert str(eml) in caplog.text


def test_in_tests_without_a_server_or_folder_mail_stays_in_memory(ctx):
    outbox().clear()
    send_mail("a@example.com", "Hi", "verify_email", name="A", email="a@example.com", days=3, link="x")
    assert [m["To"] for m in outbox()] == ["a@example.com"]


def test_an_unreachable_server_raises_mail_error(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(ctx.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(ctx.config, "MAIL_TIMEOUT", 2)
    with pytest.raises(MailError):
        send_mail("a@example.com", "Hi", "verify_email", name="A", email="a@example.com", days=3, link="x")


def test_settings_fall_back_to_the_environment(ctx, monkeypatch):
    from financeapp.mail import setting

    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Books <books@example.org>")
    monkeypatch.setitem(ctx.config, "MAIL_DEFAULT_SENDER", None)
    assert setting("MAIL_DEFAULT_SENDER") == "Books <books@example.org>"
