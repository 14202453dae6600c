"""After repeated failed sign-ins to one account: a growing delay, an audit line, and an e-mail to its owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from financeapp.auth import services
from financeapp.auth.models import SecurityEvent
from financeapp.core.db import utcnow
from financeapp.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.mail.smtp import body_text


def test_the_delay_starts_after_five_failures_and_doubles_up_to_an_hour():
    assert [services.delay_for(n) for n in range(0, 9)] == [0, 0, 0, 0, 0, 15, 30, 60, 120]
    assert services.delay_for(40) == 3600


def test_during_the_delay_even_the_right_password_waits(ctx):
    make_user("tess@example.com")
    now = utcnow()
    for _ in range(5):
        with pytest.raises(services.BadCredentials):
            services.authenticate("tess@example.com", "wrong-password-1", now=now)
    with pytest.raises(services.LoginDelayed) as err:
        services.authenticate("tess@example.com", DEFAULT_PASSWORD, now=now + timedelta(seconds=5))
    assert err.value.seconds == 10
    user = services.authenticate("tess@example.com", DEFAULT_PASSWORD, now=now + timedelta(seconds=16))
    services.complete_login(user)
    assert user.failed_logins == 0


def test_each_further_failure_waits_longer(ctx):
    make_user("tess@example.com")
    now = utcnow()
    for _ in range(5):
        with pytest.raises(services.BadCredentials):
            services.authenticate("tess@example.com", "wrong-password-1", now=now)
    later = now + timedelta(seconds=16)
    with pytest.raises(services.BadCredentials):
        services.authenticate("tess@example.com", "wrong-password-1", now=later)
    with pytest.raises(services.LoginDelayed) as err:
        services.authenticate("tess@example.com", DEFAULT_PASSWORD, now=later + timedelta(seconds=20))
    assert err.value.seconds == 10  # 30 seconds after the sixth failure


def test_the_owner_is_warned_once_when_the_delay_starts(client, auth, ctx, smtp_server):
    make_user("tess@example.com", name="Tess")
    statuses = [auth.login("tess@example.com", "wrong-password-1").status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    page = auth.login("tess@example.com").get_data(as_text=True)
    assert "Too many failed sign-ins for this account" in page
    [warning] = smtp_server.to("tess@example.com")
    assert warning["Subject"] == "Failed sign-ins to your financeapp account"
    assert "5 failed attempts" in body_text(warning)
    assert "/auth/forgot" in body_text(warning)
    kinds = db.session.scalars(sa.select(SecurityEvent.kind).order_by(SecurityEvent.id)).all()
    assert kinds.count("login_failed") == 5 and "login_delayed" in kinds


def test_unknown_addresses_are_never_delayed_nor_mailed(auth, ctx, smtp_server):
    statuses = [auth.login("nobody@example.com", "wrong-password-1").status_code for _ in range(7)]
    assert statuses == [422] * 7
    assert smtp_server.messages == []
