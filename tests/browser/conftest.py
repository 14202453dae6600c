"""A live server on loopback and Debian's chromium driven by Playwright.

Outside CI the browser tests skip with one line when /usr/bin/chromium is absent;
with CI=true (or FINANCEAPP_REQUIRE_BROWSER=1) a missing browser is a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from financeapp import create_app

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
REQUIRED = os.environ.get("CI") == "true" or os.environ.get("FINANCEAPP_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() or REQUIRED:
        return
    skip = pytest.mark.skip(reason=f"browser tests need chromium at {CHROMIUM} (apt install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The app with CSRF on, as in production, served on a free loopback port."""
    served = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "WTF_CSRF_ENABLED": True,
        "RAISE_UNEXPECTED": False,
    })
    server = make_server("127.0.0.1", 0, _buffered(served), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _buffered(wsgi_app):
    """Read each response whole and close it before werkzeug writes it.

    When chromium drops a connection mid-response (a font it no longer needs), werkzeug's
    dev server raises in its clean-up before closing the response, leaving the static file
    open; pytest turns that ResourceWarning into a failure in whichever test is running.
    """
    def app(environ, start_response):
        iterable = wsgi_app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
    return app


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(f"chromium is required here but missing at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def finish_sign_up(page, password: str) -> None:
    """A sign-up answers "check your inbox" on the sign-in page, signing nobody in (issue 11): sign in there."""
    import re

    from playwright.sync_api import expect

    expect(page.get_by_text("Check your inbox")).to_be_visible()
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
