"""Schedule math: month-end clamping, nth weekdays, last days, every N weeks, counts, end dates, leap years."""

from __future__ import annotations

from datetime import date

import pytest

from financeapp.recurring.schedule import Schedule, ScheduleError


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months():
    schedule = Schedule(start=d("2026-01-31"), frequency="monthly", month_day=31)
    assert schedule.between(d("2026-01-01"), d("2026-06-30")) == [
        d("2026-01-31"), d("2026-02-28"), d("2026-03-31"), d("2026-04-30"), d("2026-05-31"), d("2026-06-30")]


def test_monthly_on_the_30th_falls_on_29_february_in_a_leap_year():
    schedule = Schedule(start=d("2024-01-30"), frequency="monthly", month_day=30)
    assert schedule.between(d("2024-02-01"), d("2024-03-31")) == [d("2024-02-29"), d("2024-03-30")]


def test_monthly_day_defaults_to_the_start_date_day():
    schedule = Schedule(start=d("2026-03-15"), frequency="monthly")
    assert schedule.between(d("2026-03-01"), d("2026-05-31")) == [d("2026-03-15"), d("2026-04-15"), d("2026-05-15")]


def test_monthly_day_after_the_start_begins_that_month():
    schedule = Schedule(start=d("2026-03-10"), frequency="monthly", month_day=25)
    assert schedule.first() == d("2026-03-25")


def test_second_tuesday_of_each_month():
    schedule = Schedule(start=d("2026-01-01"), frequency="monthly", monthly_mode="nth_weekday", nth=2, nth_weekday=1)
    assert schedule.between(d("2026-01-01"), d("2026-03-31")) == [d("2026-01-13"), d("2026-02-10"), d("2026-03-10")]
    assert schedule.describe() == "Monthly on the 2nd Tuesday"


def test_last_friday_of_each_month():
    schedule = Schedule(start=d("2026-01-01"), frequency="monthly", monthly_mode="nth_weekday", nth=-1, nth_weekday=4)
    assert schedule.between(d("2026-01-01"), d("2026-02-28")) == [d("2026-01-30"), d("2026-02-27")]


def test_last_day_of_the_month_including_a_leap_february():
    schedule = Schedule(start=d("2028-01-01"), frequency="monthly", monthly_mode="last_day")
    assert schedule.between(d("2028-01-01"), d("2028-04-30")) == [
        d("2028-01-31"), d("2028-02-29"), d("2028-03-31"), d("2028-04-30")]


def test_every_two_weeks_on_monday_and_thursday():
    schedule = Schedule(start=d("2026-01-05"), frequency="weekly", interval=2, weekdays=(0, 3))
    assert schedule.between(d("2026-01-01"), d("2026-02-05")) == [
        d("2026-01-05"), d("2026-01-08"), d("2026-01-19"), d("2026-01-22"), d("2026-02-02"), d("2026-02-05")]
    assert schedule.describe() == "Every 2 weeks on Monday and Thursday"


def test_weekly_without_weekdays_uses_the_start_weekday():
    schedule = Schedule(start=d("2026-01-07"), frequency="weekly")  # a Wednesday
    assert schedule.between(d("2026-01-01"), d("2026-01-21")) == [d("2026-01-07"), d("2026-01-14"), d("2026-01-21")]


def test_daily_every_third_day():
    schedule = Schedule(start=d("2026-01-01"), frequency="daily", interval=3)
    assert schedule.between(d("2026-01-01"), d("2026-01-10")) == [d("2026-01-01"), d("2026-01-04"),
                                                                  d("2026-01-07"), d("2026-01-10")]


def test_yearly_on_29_february_falls_on_the_28th_in_common_years():
    schedule = Schedule(start=d("2024-02-29"), frequency="yearly")
    assert schedule.between(d("2024-01-01"), d("2028-12-31")) == [
        d("2024-02-29"), d("2025-02-28"), d("2026-02-28"), d("2027-02-28"), d("2028-02-29")]


def test_a_count_ends_the_schedule_after_that_many_occurrences():
    schedule = Schedule(start=d("2026-01-31"), frequency="monthly", count=3)
    assert schedule.between(d("2026-01-01"), d("2027-01-01")) == [d("2026-01-31"), d("2026-02-28"), d("2026-03-31")]
    # The count is from the start, whatever window is asked for.
    assert schedule.between(d("2026-03-01"), d("2027-01-01")) == [d("2026-03-31")]


def test_an_end_date_is_included():
    schedule = Schedule(start=d("2026-01-15"), frequency="monthly", end=d("2026-03-15"))
    assert schedule.between(d("2026-01-01"), d("2026-12-31")) == [d("2026-01-15"), d("2026-02-15"), d("2026-03-15")]


def test_nothing_before_the_start_date():
    schedule = Schedule(start=d("2026-06-01"), frequency="daily")
    assert schedule.between(d("2026-05-01"), d("2026-06-02")) == [d("2026-06-01"), d("2026-06-02")]
    assert schedule.between(d("2026-06-03"), d("2026-06-02")) == []


@pytest.mark.parametrize(("fields", "field"), [
    ({"frequency": "hourly"}, "frequency"),
    ({"interval": 0}, "interval"),
    ({"interval": 100}, "interval"),
    ({"monthly_mode": "day", "month_day": 32}, "month_day"),
    ({"monthly_mode": "nth_weekday", "nth": 5, "nth_weekday": 1}, "nth"),
    ({"monthly_mode": "nth_weekday", "nth": 1, "nth_weekday": 7}, "nth_weekday"),
    ({"end": date(2025, 1, 1)}, "end_date"),
    ({"count": 0}, "count"),
    ({"count": 10_001}, "count"),
    ({"count": 2, "end": date(2027, 1, 1)}, "ends"),
    ({"start": date(1, 1, 1)}, "start_date"),
    ({"frequency": "weekly", "weekdays": (9,)}, "weekdays"),
])
def test_schedules_that_make_no_sense_are_refused_at_their_field(fields, field):
    base = {"start": date(2026, 1, 1), "frequency": "monthly"}
    with pytest.raises(ScheduleError) as err:
        Schedule(**{**base, **fields}).validate()
    assert err.value.field == field


def test_descriptions_read_as_sentences():
    assert Schedule(start=d("2026-01-31"), month_day=31).describe() == "Monthly on the 31st (or the month's last day)"
    assert Schedule(start=d("2026-01-01"), frequency="daily", count=5).describe() == "Daily, 5 times"
    assert Schedule(start=d("2026-03-02"), frequency="yearly").describe() == "Yearly on 2 March"
