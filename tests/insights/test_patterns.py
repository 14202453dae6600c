"""Seasonal patterns and trends: the STL-based rules on hand-made series, and the acceptance on a generated
ten-year history (December flagged on total spending; rent and subscriptions not)."""

from __future__ import annotations

import math
import random
from datetime import date
from decimal import Decimal

import pytest

from financeapp.demo.generator import generate_history
from financeapp.extensions import db
from financeapp.insights import patterns, services
from tests.api.fixtures import ledger, owner  # noqa: F401 (fixtures)
from tests.factories import make_user, personal_workspace

TODAY = date(2026, 12, 3)


def _series(months: int, value, *, first_month: int = 1) -> list[Decimal]:
    return [Decimal(f"{value(i, (i + first_month - 1) % 12 + 1):.2f}") for i in range(months)]


def test_a_december_peak_is_a_season_and_named_in_words():
    noise = random.Random(3)
    values = _series(60, lambda i, m: 1000 * (1.4 if m == 12 else 1.0) * noise.uniform(0.95, 1.05))
    season, _trends = patterns.analyse(values, 1)
    assert season is not None and season.shown and season.strength > 0.5
    december = next(e for e in season.effects if e.month == 12)
    assert Decimal(25) < december.percent < Decimal(40)
    assert december.text == f"December is {december.percent:.0f} % above your average"
    assert season.effects[0].month == 12


def test_a_yearly_rent_step_is_not_a_season():
    values = _series(120, lambda i, m: 1850 * 1.03 ** (i // 12))
    season, _trends = patterns.analyse(values, 1)
    assert season is not None and not season.shown and season.amplitude < patterns.MIN_EFFECT


def test_a_constant_subscription_is_not_a_season_nor_a_trend():
    season, trends = patterns.analyse([Decimal("15.49")] * 48, 3)
    assert season is not None and season.strength == 0 and not season.shown and trends == []


def test_noise_without_a_season_is_not_one():
    noise = random.Random(5)
    season, _ = patterns.analyse(_series(72, lambda i, m: 500 * noise.lognormvariate(0, 0.3)), 1)
    assert season is not None and not season.shown


def test_too_short_a_history_has_no_season():
    assert patterns.analyse([Decimal(100)] * 23, 1) == (None, [])


def test_a_steady_rise_is_a_trend_and_flat_noise_is_not():
    noise = random.Random(7)
    rising = _series(48, lambda i, m: 800 * (1.0 if i < 30 else 1 + 0.06 * (i - 29)) * noise.uniform(0.97, 1.03))
    _, trends = patterns.analyse(rising, 1)
    assert {t.window: t.direction for t in trends} == {6: "up", 12: "up"}
    twelve = next(t for t in trends if t.window == 12)
    assert twelve.change > 30 and twelve.text == f"trending up {twelve.change:.0f} % over the last 12 months"
    flat = _series(48, lambda i, m: 800 * noise.uniform(0.9, 1.1))
    assert patterns.analyse(flat, 1)[1] == []


@pytest.fixture(scope="module")
def history_patterns(app):
    """A generated ten-year history of 26,000 transactions (a quarter of the bench's, so it builds in seconds;
    at the generator's sparsest, 13,000, the total's season is too weak to show: strength 0.49); its patterns
    as JSON (the tables are emptied after the first test that uses it, as after every test)."""
    with app.app_context():
        ws = personal_workspace(make_user("pat@example.com", name="Pat"))
        generate_history(ws.id, 26_000, seed=4, end=date(2026, 11, 30))
        db.session.commit()
        data = services.compute_patterns(ws, TODAY).to_json()
        db.session.rollback()
    return data


def test_on_a_generated_ten_year_history_december_is_flagged_on_total_spending(history_patterns):
    assert history_patterns["months"] == 120 and history_patterns["through"] == "2026-11"
    seasonal = {item["series"]: item for item in history_patterns["seasonal"]}
    december = next(m for m in seasonal["Total spending"]["months"] if m["month"] == 12)
    assert Decimal(december["percent"]) >= 10
    assert december["text"].startswith("December is ") and december["text"].endswith(" % above your average")


def test_rent_and_subscriptions_are_not_seasons(history_patterns):
    seasonal = {item["series"] for item in history_patterns["seasonal"]}
    assert "Home: Rent or mortgage" not in seasonal and "Leisure: Subscriptions" not in seasonal
    assert "Leisure: Gifts" in seasonal  # the generator's strongest season is found


def test_the_history_has_no_trend_in_rent(history_patterns):
    assert all("Rent" not in t["series"] for t in history_patterns["trends"])
    for trend in history_patterns["trends"]:
        assert abs(Decimal(trend["change"])) >= 15 and trend["window"] in (6, 12)
        assert math.isfinite(float(trend["recent"]))
