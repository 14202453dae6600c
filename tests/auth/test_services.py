"""Account rules without HTTP."""

from __future__ import annotations

import pytest

from financeapp.auth import services
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.security import check_password, safe_next_url
from tests.factories import DEFAULT_PASSWORD, make_user


def test_passwords_are_stored_as_bcrypt_hashes(ctx):
    user = make_user("hash@example.com")
    assert user.password_hash.startswith("$2b$04$")
    assert DEFAULT_PASSWORD not in user.password_hash
    assert check_password(DEFAULT_PASSWORD, user.password_hash)


def test_emails_are_compared_case_insensitively(ctx):
    make_user("Case@Example.com")
    with pytest.raises(Conflict):
        services.register_user(services.Registration("case@example.COM", "Dup", DEFAULT_PASSWORD))
    assert services.authenticate("CASE@example.com", DEFAULT_PASSWORD).email == "case@example.com"


def test_authenticate_gives_one_message_for_both_failures(ctx):
    make_user("tess@example.com")
    with pytest.raises(Invalid) as wrong:
        services.authenticate("tess@example.com", "wrong-password-1")
    with pytest.raises(Invalid) as unknown:
        services.authenticate("who@example.com", "wrong-password-1")
    assert wrong.value.message == unknown.value.message == services.BAD_CREDENTIALS


@pytest.mark.parametrize(("target", "expected"), [
    ("/dashboard", "/dashboard"),
    ("/transactions?page=2", "/transactions?page=2"),
    ("https://elsewhere.example/", None),
    ("//elsewhere.example/", None),
    ("/\\elsewhere.example", None),
    ("javascript:alert(1)", None),
    ("", None),
    (None, None),
])
def test_safe_next_url(target, expected):
    assert safe_next_url(target) == expected
