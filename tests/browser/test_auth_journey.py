"""A new user registers in a real browser, lands on the dashboard, signs out and in again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import finish_sign_up, screenshot

pytestmark = pytest.mark.browser


def test_register_logout_login(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page.get_by_role("link", name="Create an account").click()

    page.get_by_label("Email").fill("walker@example.com")
    page.get_by_label("Display name").fill("Walker")
    page.get_by_label("Password", exact=True).fill("walking-pass-77")
    page.get_by_label("Repeat password").fill("walking-pass-77")
    page.get_by_label("Main currency").select_option("EUR")
    page.get_by_role("button", name="Create account").click()

    finish_sign_up(page, "walking-pass-77")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Walker's money · amounts in EUR")).to_be_visible()
    shot = screenshot(page, "dashboard-after-register")
    assert shot.stat().st_size > 10_000

    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have been signed out.")).to_be_visible()

    page.get_by_label("Email").fill("walker@example.com")
    page.get_by_label("Password").fill("walking-pass-77")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Walker.")).to_be_visible()
    screenshot(page, "dashboard-after-login")
    assert page.console_errors == [], "the CSP or a script error broke something"


def test_wrong_password_shows_the_message(page):
    page.goto("/auth/login")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Email or password is incorrect.")).to_be_visible()


def test_dark_theme_toggle_persists(page):
    page.goto("/auth/login")
    page.get_by_role("button", name="Toggle dark mode").first.click()
    theme = page.evaluate("document.documentElement.getAttribute('data-bs-theme')")
    page.reload()
    assert page.evaluate("document.documentElement.getAttribute('data-bs-theme')") == theme
