"""Fixtures shared by the security tests: a real SMTP server on loopback."""

from tests.mail.smtp import smtp_server  # noqa: F401 (a fixture)
