"""Drill-down in the browser: every segment and bar of the dashboard's charts, and every linked figure of
each report's first table row, opens the transactions list whose total is the figure clicked.

The workspace is the demo's year of history (one account in another currency included). The net worth
chart is a balance at each month's end, not a sum of transactions, so it has no drill-down."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from financeapp.demo.services import seed_demo, seed_demo_history, seed_demo_planning
from financeapp.extensions import db

pytestmark = pytest.mark.browser
EMAIL, PASSWORD = "drill-browser@example.com", "drill-pass-2026"
REPORTS = ("categories", "trends", "monthly", "budget", "payees", "cash-flow")

POINTS = """(id) => {
  const chart = document.getElementById(id).chart;
  const box = chart.canvas.getBoundingClientRect();
  const points = [];
  chart.data.datasets.forEach((set, d) => {
    chart.getDatasetMeta(d).data.forEach((element, i) => {
      const value = Number(set.data[i]);
      if (!set.links || !set.links[i] || !value) return;
      const at = element.base !== undefined ? {x: element.x, y: (element.y + element.base) / 2}
                                            : element.tooltipPosition();
      points.push({x: box.left + at.x, y: box.top + at.y, value: set.data[i], link: set.links[i],
                   label: set.label + ' ' + chart.data.labels[i]});
    });
  });
  return points;
}"""


def amount_of(text: str) -> Decimal:
    """An amount as the en locale shows it ($1,234.50, -$3.10) as a Decimal."""
    return Decimal(re.sub(r"[^\d.\-]", "", text))


@pytest.fixture
def signed_in(page, app):
    with app.app_context():
        seed_demo(EMAIL, PASSWORD)
        seed_demo_history(EMAIL)
        seed_demo_planning(EMAIL)
        db.session.commit()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/auth/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    return page


def chart_points(page, chart_id: str) -> list[dict]:
    page.goto("/dashboard")
    page.wait_for_selector(f"#{chart_id}[data-chart-ready='true']")
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    return page.evaluate(POINTS, chart_id)


@pytest.mark.parametrize("chart_id", ["chart-monthly", "chart-categories"])
def test_every_segment_of_a_dashboard_chart_opens_the_transactions_it_sums(signed_in, chart_id):
    page = signed_in
    count = len(chart_points(page, chart_id))
    assert count >= 5, f"{chart_id} has only {count} linked points"
    for index in range(count):
        point = chart_points(page, chart_id)[index]  # positions again: the page was left and reloaded
        page.mouse.click(point["x"], point["y"])
        page.wait_for_url(re.compile(r"/transactions/\?"))
        assert "flow=" in page.url
        total = page.locator("#match-flow").inner_text()
        assert amount_of(total) == Decimal(str(point["value"])), (point["label"], total, page.url)
    assert not [e for e in page.console_errors if "favicon" not in e]


@pytest.mark.parametrize("slug", REPORTS)
def test_every_figure_of_a_reports_first_row_opens_the_transactions_it_sums(signed_in, slug):
    page = signed_in
    report = f"/reports/{slug}?preset=last-12-months"
    page.goto(report)
    figures = page.locator(".report-table tbody tr").first.locator("a.drill")
    count = figures.count()
    assert count >= 1, f"{slug}'s first row links nothing"
    for index in range(count):
        page.goto(report)
        cell = page.locator(".report-table tbody tr").first.locator("a.drill").nth(index)
        figure = cell.inner_text().strip()
        header = page.locator(".report-table thead th").nth(
            cell.evaluate("a => a.closest('td').cellIndex")).inner_text()
        cell.click()
        page.wait_for_url(re.compile(r"/transactions/\?"))
        if header == "Transactions":
            shown = [page.locator("#match-count").inner_text()]
        elif "flow=" in page.url:
            parts = page.locator("#match-flow-parts")
            shown = [page.locator("#match-flow").inner_text(),
                     *(re.findall(r"[^(+,]+?\d", parts.inner_text()) if parts.count() else [])]
        else:
            shown = [page.locator("#match-sum").inner_text()]
        assert figure in [s.strip() for s in shown], (slug, header, figure, shown, page.url)
