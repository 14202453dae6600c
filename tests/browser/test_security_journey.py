"""Acceptance 5: in chromium, turn on two-factor with a code from the shown key, sign out, sign in with a code."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_enable_two_factor_then_sign_in_with_a_code(app, page):
    with app.app_context():
        make_user("otp-walker@example.com", name="Otto", password="walking-pass-77")

    page.goto("/auth/login")
    page.get_by_label("Email").fill("otp-walker@example.com")
    page.get_by_label("Password").fill("walking-pass-77")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Otto.")).to_be_visible()

    page.locator("#user-menu").click()
    page.get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", name=re.compile("Two-factor authentication"))).to_be_visible()
    page.get_by_role("button", name="Set up two-factor authentication").click()

    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.get_by_label("Key", exact=True).input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    screenshot(page, "security-2fa-setup")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and turn on").click()

    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "security-2fa-recovery-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("Two-factor authentication turned on")).to_be_visible()
    screenshot(page, "security-page")

    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have been signed out.")).to_be_visible()

    page.get_by_label("Email").fill("otp-walker@example.com")
    page.get_by_label("Password").fill("walking-pass-77")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    screenshot(page, "security-2fa-login-wrong-code")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_text("Signed in as Otto.")).to_be_visible()
    unexpected = [e for e in page.console_errors if "status of 422" not in e]  # the wrong code's page is a 422
    assert unexpected == [], "the CSP or a script error broke something"


def test_create_a_token_invite_a_member_and_choose_notifications(app, page):
    with app.app_context():
        make_user("tok-walker@example.com", name="Tia", password="walking-pass-77")
    page.goto("/auth/login")
    page.get_by_label("Email").fill("tok-walker@example.com")
    page.get_by_label("Password").fill("walking-pass-77")
    page.get_by_role("button", name="Sign in").click()

    page.goto("/settings/tokens")
    page.get_by_label("Name").fill("budget script")
    page.get_by_label("Access").select_option("read-write")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label("Token").input_value()
    assert token.startswith("fa_")
    screenshot(page, "security-token-created")
    page.goto("/settings/tokens")
    expect(page.get_by_role("cell", name="budget script")).to_be_visible()
    assert token not in page.content()

    page.goto("/members/")
    page.get_by_label("E-mail address").fill("friend@example.com")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to friend@example.com.")).to_be_visible()
    screenshot(page, "security-members")

    page.goto("/settings/notifications")
    page.get_by_label("Budget alerts by E-mail").check()
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.get_by_text("Notification settings saved.")).to_be_visible()
    expect(page.get_by_label("Budget alerts by E-mail")).to_be_checked()
    screenshot(page, "security-notifications")
    page.goto("/settings/privacy")
    screenshot(page, "security-privacy")
    page.goto("/settings/")
    screenshot(page, "security-profile")
    assert page.console_errors == []
