"""The period grammar of Ask, against hand-written ranges for a fixed today (Thursday 3 Dec 2026).

Definitions checked here (and stated on the Ask page): weeks start on Monday; quarters are calendar
quarters; "last N units" is the N whole units before the current one.
"""

from __future__ import annotations

from datetime import date

import pytest

from financeapp.insights.ask.periods import Period, find_periods, parse_period

TODAY = date(2026, 12, 3)  # a Thursday


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("today", "2026-12-03", "2026-12-03"),
    ("yesterday", "2026-12-02", "2026-12-02"),
    ("this week", "2026-11-30", "2026-12-06"),
    ("last week", "2026-11-23", "2026-11-29"),
    ("next week", "2026-12-07", "2026-12-13"),
    ("this month", "2026-12-01", "2026-12-31"),
    ("last month", "2026-11-01", "2026-11-30"),
    ("previous month", "2026-11-01", "2026-11-30"),
    ("next month", "2027-01-01", "2027-01-31"),
    ("this quarter", "2026-10-01", "2026-12-31"),
    ("last quarter", "2026-07-01", "2026-09-30"),
    ("next quarter", "2027-01-01", "2027-03-31"),
    ("this year", "2026-01-01", "2026-12-31"),
    ("last year", "2025-01-01", "2025-12-31"),
    ("next year", "2027-01-01", "2027-12-31"),
    ("last 6 months", "2026-06-01", "2026-11-30"),
    ("past 12 months", "2025-12-01", "2026-11-30"),
    ("the last three months", "2026-09-01", "2026-11-30"),
    ("last 2 weeks", "2026-11-16", "2026-11-29"),
    ("last 7 days", "2026-11-26", "2026-12-02"),
    ("last 2 quarters", "2026-04-01", "2026-09-30"),
    ("last 3 years", "2023-01-01", "2025-12-31"),
    ("in March 2026", "2026-03-01", "2026-03-31"),
    ("march 2025", "2025-03-01", "2025-03-31"),
    ("in March", "2026-03-01", "2026-03-31"),
    ("in December", "2026-12-01", "2026-12-31"),
    ("2026-02", "2026-02-01", "2026-02-28"),
    ("in 2024", "2024-01-01", "2024-12-31"),
    ("2025", "2025-01-01", "2025-12-31"),
    ("Q1 2026", "2026-01-01", "2026-03-31"),
    ("q2", "2026-04-01", "2026-06-30"),
    ("since 1 May", "2026-05-01", "2026-12-03"),
    ("since May", "2026-05-01", "2026-12-03"),
    ("since 15 March 2025", "2025-03-15", "2026-12-03"),
    ("between 1 March and 15 April 2026", "2026-03-01", "2026-04-15"),
    ("between March 2026 and May 2026", "2026-03-01", "2026-05-31"),
    ("from 2 Feb 2026 to 9 Feb 2026", "2026-02-02", "2026-02-09"),
    ("between 2024 and 2025", "2024-01-01", "2025-12-31"),
    ("on 3 March 2026", "2026-03-03", "2026-03-03"),
    ("March 3 2026", "2026-03-03", "2026-03-03"),
    ("march 3rd, 2026", "2026-03-03", "2026-03-03"),
    ("2026-03-05", "2026-03-05", "2026-03-05"),
    ("year to date", "2026-01-01", "2026-12-03"),
    ("ytd", "2026-01-01", "2026-12-03"),
    ("month to date", "2026-12-01", "2026-12-03"),
    ("so far this year", "2026-01-01", "2026-12-03"),
])
def test_a_period_reads_as_its_hand_written_range(text, start, end):
    assert parse_period(text, TODAY) == Period(d(start), d(end))


def test_a_leap_february_and_a_week_across_the_new_year():
    assert parse_period("last month", date(2028, 3, 10)) == Period(d("2028-02-01"), d("2028-02-29"))
    assert parse_period("this week", date(2027, 1, 1)) == Period(d("2026-12-28"), d("2027-01-03"))
    assert parse_period("last quarter", date(2026, 2, 1)) == Period(d("2025-10-01"), d("2025-12-31"))
    assert parse_period("last 6 months", date(2026, 3, 31)) == Period(d("2025-09-01"), d("2026-02-28"))


def test_a_month_without_a_year_is_the_latest_one_begun():
    assert parse_period("in April", date(2026, 3, 15)) == Period(d("2025-04-01"), d("2025-04-30"))
    assert parse_period("since 1 May", date(2026, 3, 15)) == Period(d("2025-05-01"), d("2026-03-15"))


def test_two_periods_are_found_in_order_with_their_places():
    text = "groceries this month vs last month"
    found = find_periods(text, TODAY)
    assert [f.period for f in found] == [Period(d("2026-12-01"), d("2026-12-31")),
                                         Period(d("2026-11-01"), d("2026-11-30"))]
    assert text[found[0].begin:found[0].end] == "this month"
    assert text[found[1].begin:found[1].end] == "last month"


@pytest.mark.parametrize("text", ["top 5 payees", "may I ask", "the weather", "spent over 2000", "last 500 years",
                                  "31 February 2026", "last 0 months"])
def test_words_that_are_no_period_give_none(text):
    assert parse_period(text, TODAY) is None


def test_labels_read_as_the_answer_states_them():
    assert Period(d("2026-11-01"), d("2026-11-30")).label == "1–30 Nov 2026"
    assert Period(d("2026-11-03"), d("2026-11-03")).label == "3 Nov 2026"
    assert Period(d("2026-10-01"), d("2026-11-30")).label == "1 Oct – 30 Nov 2026"
    assert Period(d("2025-12-01"), d("2026-01-31")).label == "1 Dec 2025 – 31 Jan 2026"
