"""Acceptance 2: TOTP with a frozen clock, recovery codes once each, and the second sign-in step."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from financeapp.auth import twofactor
from financeapp.auth.models import RecoveryCode, SecurityEvent, User
from financeapp.core.errors import Conflict, Invalid
from financeapp.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

FROZEN = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC, on a step boundary


def code_at(user: User, at: float) -> str:
    return pyotp.TOTP(user.totp_secret).at(int(at))


def enabled_user(email: str = "two@example.com", at: float = FROZEN) -> tuple[User, list[str]]:
    user = make_user(email)
    twofactor.start_setup(user)
    codes = twofactor.confirm_setup(user, code_at(user, at), at=at)
    db.session.commit()
    return user, codes


# Services with a frozen clock --------------------------------------------------------------------------

def test_setup_needs_the_current_code_and_gives_ten_hashed_recovery_codes(ctx):
    user = make_user()
    secret = twofactor.start_setup(user)
    with pytest.raises(Invalid):
        twofactor.confirm_setup(user, code_at(user, FROZEN - 300), at=FROZEN)
    assert not user.two_factor_enabled
    codes = twofactor.confirm_setup(user, pyotp.TOTP(secret).at(int(FROZEN)), at=FROZEN)
    assert user.two_factor_enabled
    assert len(codes) == len(set(codes)) == 10
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10
    assert not any(code in stored or code.replace("-", "") in stored for code in codes)


def test_a_code_is_accepted_within_one_step_either_side_only(ctx):
    user, _ = enabled_user()
    assert twofactor.verify_totp(user, code_at(user, FROZEN + 60), at=FROZEN + 60)
    assert twofactor.verify_totp(user, code_at(user, FROZEN + 90), at=FROZEN + 120)  # the previous step
    assert not twofactor.verify_totp(user, code_at(user, FROZEN + 300), at=FROZEN + 400)
    assert not twofactor.verify_totp(user, code_at(user, FROZEN + 1000), at=FROZEN + 900)


def test_the_same_code_is_never_accepted_twice(ctx):
    user, _ = enabled_user()
    code = code_at(user, FROZEN + 30)
    assert twofactor.verify_totp(user, code, at=FROZEN + 30)
    assert not twofactor.verify_totp(user, code, at=FROZEN + 31), "a replayed code is refused"
    assert not twofactor.verify_totp(user, code_at(user, FROZEN), at=FROZEN + 31), "so is an older one"


@pytest.mark.parametrize("junk", ["", "12345", "1234567", "abcdef", "１２３４５６", "x" * 500])
def test_junk_codes_are_refused(ctx, junk):
    user, _ = enabled_user()
    assert twofactor.check_second_factor(user, junk, at=FROZEN + 30) is None


def test_each_recovery_code_works_once(ctx):
    user, codes = enabled_user()
    for code in codes:
        assert twofactor.check_second_factor(user, code.upper(), at=FROZEN + 30) == "recovery"
        assert twofactor.check_second_factor(user, code, at=FROZEN + 30) is None
    assert twofactor.recovery_codes_left(user) == 0


def test_new_recovery_codes_replace_the_old_ones(ctx):
    user, old = enabled_user()
    new = twofactor.replace_recovery_codes(user)
    assert not twofactor.use_recovery_code(user, old[0])
    assert twofactor.use_recovery_code(user, new[0])


def test_disable_needs_the_password_and_a_code(ctx):
    user, _ = enabled_user()
    with pytest.raises(Invalid) as err:
        twofactor.disable(user, "wrong-password-1", code_at(user, FROZEN + 30), at=FROZEN + 30)
    assert "password" in err.value.fields
    with pytest.raises(Invalid) as err:
        twofactor.disable(user, DEFAULT_PASSWORD, "000000", at=FROZEN + 30)
    assert "code" in err.value.fields
    twofactor.disable(user, DEFAULT_PASSWORD, code_at(user, FROZEN + 30), at=FROZEN + 30)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0


def test_setting_up_twice_is_refused(ctx):
    user, _ = enabled_user()
    with pytest.raises(Conflict):
        twofactor.start_setup(user)


# Over HTTP ---------------------------------------------------------------------------------------------

def test_enabling_from_settings_shows_a_qr_code_then_the_recovery_codes_once(client, auth, ctx):
    make_user("web@example.com")
    auth.login("web@example.com")
    page = client.post("/settings/two-factor/setup").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'id="totp-secret" value="([A-Z2-7]+)"', page).group(1)
    wrong = client.post("/settings/two-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 422
    response = client.post("/settings/two-factor/confirm", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li class=\"col\">([a-z2-9]{5}-[a-z2-9]{5})</li>", response.get_data(as_text=True))
    assert len(codes) == 10
    security = client.get("/settings/security").get_data(as_text=True)
    assert "Two-factor authentication turned on" in security
    assert not any(code in security for code in codes)


def test_sign_in_asks_for_the_code_and_is_not_signed_in_before(client, auth, ctx):
    user, _ = enabled_user("two@example.com", at=time.time())
    response = auth.login("two@example.com")
    assert response.headers["Location"].endswith("/auth/two-factor")
    assert client.get("/dashboard").status_code == 302, "not signed in before the code"
    assert client.post("/auth/two-factor", data={"code": "000000"}).status_code == 422
    assert client.get("/dashboard").status_code == 302
    response = client.post("/auth/two-factor", data={"code": pyotp.TOTP(user.totp_secret).now()})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_a_recovery_code_signs_in_once(client, auth, ctx):
    _, codes = enabled_user("two@example.com")
    auth.login("two@example.com")
    assert client.post("/auth/two-factor", data={"code": codes[3]}).status_code == 302
    auth.logout()
    auth.login("two@example.com")
    assert client.post("/auth/two-factor", data={"code": codes[3]}).status_code == 422
    kinds = db.session.scalars(sa.select(SecurityEvent.kind)).all()
    assert "recovery_code_used" in kinds and "two_factor_failed" in kinds


def test_five_wrong_codes_send_back_to_the_password_step(client, auth, ctx):
    enabled_user("two@example.com")
    auth.login("two@example.com")
    statuses = [client.post("/auth/two-factor", data={"code": "000000"}).status_code for _ in range(5)]
    assert statuses[-1] == 302
    assert client.get("/auth/two-factor").headers["Location"].endswith("/auth/login")


def test_the_two_factor_step_times_out(client, auth, ctx, monkeypatch):
    user, _ = enabled_user("two@example.com", at=time.time())
    auth.login("two@example.com")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 600)
    response = client.post("/auth/two-factor", data={"code": pyotp.TOTP(user.totp_secret).at(int(real()))})
    assert response.headers["Location"].endswith("/auth/login")


def test_without_the_password_step_the_code_page_sends_to_login(client):
    assert client.get("/auth/two-factor").headers["Location"].endswith("/auth/login")


def test_disabling_from_settings(client, auth, ctx):
    user, codes = enabled_user("two@example.com")
    auth.login("two@example.com")
    client.post("/auth/two-factor", data={"code": codes[0]})
    page = client.post("/settings/two-factor/disable", data={"password": DEFAULT_PASSWORD, "code": "000000"},
                       follow_redirects=True).get_data(as_text=True)
    assert "not right" in page
    client.post("/settings/two-factor/disable", data={"password": DEFAULT_PASSWORD, "code": codes[1]})
    db.session.expire_all()
    assert not db.session.get(User, user.id).two_factor_enabled
