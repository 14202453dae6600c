"""At 390 x 844 no reachable page scrolls sideways, and every transactions row shows its amount.

The crawl starts on the dashboard of a workspace with the demo's year of history and planning,
follows every same-site link it finds (breadth first, each path once, at most MAX_PAGES), and
leaves out what is not a page: downloads, the API, sign-out, and pages of a list beyond the first;
one page of each kind (ids and query values do not make a new layout).
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from financeapp.demo.services import seed_demo, seed_demo_history, seed_demo_planning
from financeapp.extensions import db
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
EMAIL, PASSWORD = "phone@example.com", "phone-pass-2026"
PHONE = {"width": 390, "height": 844}
MAX_PAGES = 160
SKIP = re.compile(r"^/(api/|static/|auth/logout|metrics|healthz|readyz)|\.(csv|json|ofx|qif|pdf|png|jpg|zip)$"
                  r"|/download|/export|/file|/raw|/image")

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = document.documentElement.scrollWidth;
  if (wide <= width + 1) return null;
  const culprits = [...document.querySelectorAll('body *')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.right > width + 1 && !el.closest('.table-responsive, .modal, .dropdown-menu, [hidden]');
  }).slice(0, 3).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                         + (typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''));
  return {wide, width, culprits};
}"""

LINKS = """() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"""


def same_site_paths(hrefs: list[str]) -> list[str]:
    """Paths of this site worth visiting: no fragments, downloads or later pages of a list."""
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if (parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path)
                or "format=" in parts.query):
            continue
        query = "&".join(p for p in parts.query.split("&") if p and not p.startswith(("page=", "next=")))
        found.append(parts.path + (f"?{query}" if query else ""))
    return found


def page_kind(path: str) -> str:
    """One visit per kind of page: ids and query values do not make a new layout."""
    return re.sub(r"=[^&]*", "=", re.sub(r"/\d+(?=/|$|\?)", "/N", path))


@pytest.fixture
def demo_workspace(app):
    with app.app_context():
        seed_demo(EMAIL, PASSWORD)
        seed_demo_history(EMAIL)
        seed_demo_planning(EMAIL)
        db.session.commit()


def test_no_page_scrolls_sideways_on_a_phone_and_every_row_shows_its_amount(browser, live_server, demo_workspace):
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto("/auth/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    queue, seen, problems, visited = deque(["/dashboard"]), {page_kind("/dashboard")}, [], 0
    while queue and visited < MAX_PAGES:
        path = queue.popleft()
        response = page.goto(path)
        visited += 1
        if response is None or response.status >= 400 or not response.headers.get("content-type", "").startswith(
                "text/html"):
            if response is not None and response.status >= 500:
                problems.append(f"{path}: {response.status}")
            continue
        wide = page.evaluate(OVERFLOW)
        if wide:
            problems.append(f"{path}: {wide['wide']} px wide in a {wide['width']} px screen ({wide['culprits']})")
            screenshot(page, "phone-overflow-" + re.sub(r"\W+", "-", path).strip("-"))
        if urlsplit(path).path.rstrip("/").endswith("/transactions"):
            rows = page.locator("table tbody tr[data-id]")
            for index in range(rows.count()):
                amount = rows.nth(index).locator("td.num")
                if not amount.is_visible() or not amount.inner_text().strip():
                    problems.append(f"{path}: row {index + 1} shows no amount")
                    break
        for link in same_site_paths(page.evaluate(LINKS)):
            kind = page_kind(link)
            if kind not in seen:
                seen.add(kind)
                queue.append(link)
    context.close()
    print(f"phone crawl: {visited} pages, {len(seen)} kinds of page")
    assert visited >= 40, f"the crawl reached only {visited} pages"
    assert not problems, "\n".join(problems)
