"""The report filter from a query string: a date-range preset or custom dates, an account, a label.

A GET form, so it is read by hand rather than with Flask-WTF (no CSRF on a read). Bad
values never cause a 500: `read_filter` collects a message per field, and the caller
either shows them (the HTML page falls back to the default range) or raises `Invalid`
(the API answers 422).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from financeapp.core.errors import Invalid
from financeapp.core.scoping import as_id
from financeapp.core.validation import gather, parse_day
from financeapp.reports.queries import ReportFilter

PRESETS = {
    "this-month": "This month",
    "last-month": "Last month",
    "this-year": "This year",
    "last-12-months": "Last 12 months",
    "custom": "Custom dates",
}
MAX_DAYS = 366 * 25  # a quarter-century is plenty; it keeps monthly tables bounded


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The inclusive dates a preset stands for, relative to `today`."""
    first = today.replace(day=1)
    if preset == "this-month":
        return first, _month_last_day(first)
    if preset == "last-month":
        last = first - timedelta(days=1)
        return last.replace(day=1), last
    if preset == "this-year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    # last-12-months: this month and the eleven before it, whole months.
    year, month = (first.year, first.month - 11) if first.month > 11 else (first.year - 1, first.month + 1)
    return date(year, month, 1), _month_last_day(first)


def _month_last_day(first: date) -> date:
    following = first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(
        month=first.month + 1)
    return following - timedelta(days=1)


@dataclass
class FilterForm:
    """What the picker shows and what the report uses."""

    preset: str
    start: date
    end: date
    account_id: int | None
    label_id: int | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def filter(self) -> ReportFilter:
        return ReportFilter(self.start, self.end, self.account_id, self.label_id)

    def args(self, **changes: object) -> dict[str, object]:
        """Query-string arguments that reproduce this filter (for links and the CSV download)."""
        args: dict[str, object] = {"preset": self.preset}
        if self.preset == "custom":
            args.update(start=self.start.isoformat(), end=self.end.isoformat())
        if self.account_id:
            args["account"] = self.account_id
        if self.label_id:
            args["label"] = self.label_id
        args.update(changes)
        return args


def _day(args: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        errors[name] = "Enter a date (YYYY-MM-DD)."
        return None
    return gather(errors, lambda: parse_day(raw, field=name))


def _id(args: Mapping[str, str], name: str, errors: dict[str, str]) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    value = as_id(raw)
    if value is None:
        errors[name] = f"“{raw[:20]}” is not a valid {name}."
    return value


def _one_sided(args: Mapping[str, str], today: date, errors: dict[str, str]) -> tuple[date | None, date | None]:
    """A custom range's dates; either may be left out: `end` alone is the twelve whole months up to it,
    `start` alone runs to today (or to itself, if it is later). A missing date is never an error."""
    given_start, given_end = (args.get("start") or "").strip(), (args.get("end") or "").strip()
    start = _day(args, "start", errors) if given_start else None
    end = _day(args, "end", errors) if given_end else None
    if given_start and not given_end and start is not None:
        end = max(start, today)
    elif given_end and not given_start and end is not None:
        start, _ = preset_range("last-12-months", end)
    return start, end


def read_filter(args: Mapping[str, str], today: date, default: str = "last-12-months") -> FilterForm:
    """Read the picker; on a bad field its message is kept and a safe default is used instead."""
    errors: dict[str, str] = {}
    preset = (args.get("preset") or "").strip()
    if not preset:
        preset = "custom" if args.get("start") or args.get("end") else default
    if preset not in PRESETS:
        errors["preset"] = f"Choose one of: {', '.join(PRESETS)}."
        preset = default
    account_id, label_id = _id(args, "account", errors), _id(args, "label", errors)
    if preset != "custom":
        start, end = preset_range(preset, today)
        return FilterForm(preset, start, end, account_id, label_id, errors)
    start, end = _one_sided(args, today, errors)
    if start and end and start > end:
        errors["end"] = "The end date must be on or after the start date."
    elif start and end and (end - start).days > MAX_DAYS:
        errors["end"] = "Choose a range of at most 25 years."
    if start is None or end is None or "end" in errors:
        fallback_start, fallback_end = preset_range(default, today)
        return FilterForm(default, fallback_start, fallback_end, account_id, label_id, errors)
    return FilterForm("custom", start, end, account_id, label_id, errors)


def require_valid(form: FilterForm) -> FilterForm:
    """For the API: bad input is a 422 with a message per field."""
    if form.errors:
        raise Invalid("Some report filters are invalid.", fields=form.errors)
    return form
