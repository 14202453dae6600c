"""After repeated failed sign-ins to one account: a growing delay, an audit line, and an e-mail to its owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from financeapp.auth import services
from financeapp.auth.models import FailedLoginAddress, SecurityEvent
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


def test_an_unknown_address_is_delayed_exactly_like_an_account_so_nothing_tells_them_apart(auth, ctx, smtp_server):
    make_user("tess@example.com")

    def attempts(email: str) -> list[tuple[int, str]]:
        seen = []
        for _ in range(7):
            response = auth.login(email, "wrong-password-1")
            page = response.get_data(as_text=True)
            message = "delay" if "Too many failed sign-ins for this account" in page else (
                "bad" if services.BAD_CREDENTIALS in page else "other")
            seen.append((response.status_code, message))
        return seen

    known, unknown = attempts("tess@example.com"), attempts("Nobody@Example.com ")
    assert known == unknown == [(422, "bad")] * 5 + [(429, "delay")] * 2
    assert smtp_server.to("nobody@example.com") == []  # nobody to warn
    stored = db.session.execute(sa.select(FailedLoginAddress.email_digest, FailedLoginAddress.failed_logins)).all()
    assert [count for _digest, count in stored] == [5]
    assert "nobody" not in stored[0][0]  # a digest, not the address


def test_an_unknown_address_waits_as_long_as_an_account_would(ctx):
    make_user("tess@example.com")
    now = utcnow()
    waits = {}
    for email in ("tess@example.com", "ghost@example.com"):
        for _ in range(6):
            with pytest.raises(services.BadCredentials):
                services.authenticate(email, "wrong-password-1", now=now)
            now += timedelta(seconds=16)
        with pytest.raises(services.LoginDelayed) as err:
            services.authenticate(email, DEFAULT_PASSWORD, now=now)
        waits[email] = (err.value.seconds, err.value.message)
    assert waits["tess@example.com"] == waits["ghost@example.com"] == (
        14, "Too many failed sign-ins for this account. Try again in 14 seconds.")


def test_failures_are_forgotten_after_thirty_quiet_days(ctx):
    user = make_user("tess@example.com")
    now = utcnow()
    for email in ("tess@example.com", "ghost@example.com"):
        for _ in range(5):
            with pytest.raises(services.BadCredentials):
                services.authenticate(email, "wrong-password-1", now=now)
    later = now + timedelta(days=31)
    for email in ("tess@example.com", "ghost@example.com"):
        with pytest.raises(services.BadCredentials):  # not LoginDelayed: the count starts again
            services.authenticate(email, "wrong-password-1", now=later)
    assert user.failed_logins == 1
    assert db.session.scalars(sa.select(FailedLoginAddress.failed_logins)).all() == [1]
