"""The period grammar of "Ask": words for a span of days, read against a given `today`.

dateparser turns an absolute date ("1 May", "March 3 2026") into a point; it has no notion of
"last quarter" or "between X and Y", so ranges are this module's own small grammar:

- relative units: ``this|last|next|previous week|month|quarter|year``; weeks start on Monday,
  quarters are calendar quarters; ``today``, ``yesterday``; ``year to date``, ``month to date``.
- ``last N days|weeks|months|quarters|years`` (also ``past N``): the N *whole* units before the
  current one. So on 3 Dec 2026 "last 6 months" is 1 Jun - 30 Nov 2026 and "last 7 days" is
  26 Nov - 2 Dec 2026: the running unit is left out, as a month not yet over would read low.
- a month: ``March 2026``, ``in March`` (without a year: the latest March that has begun), ``2026-03``;
  a quarter ``Q1 2026`` / ``Q3``; a year ``2025`` / ``in 2025``.
- a day: ``on 3 March 2026``, ``2026-03-03`` and the like, read by dateparser.
- ``since X``: from X (a day or the first of a month) to today.
- ``between X and Y`` / ``from X to Y`` / ``X to Y``: from the start of X to the end of Y, where each is
  a day, a month or a year.

`find_periods` returns every period found with its place in the text, so the parser can tell
"groceries this month vs last month" (two periods) from one, and knows which words are used up.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name} | {
    name: number for number, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
MONTHS = {name.lower(): number for name, number in MONTHS.items()}
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UNITS = {"day": "day", "days": "day", "week": "week", "weeks": "week", "wk": "week", "month": "month",
         "months": "month", "mo": "month", "quarter": "quarter", "quarters": "quarter", "year": "year",
         "years": "year", "yr": "year"}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "a": 1}
MAX_COUNT = 120  # "last 5000 months" is not a question anyone asks; refuse rather than reach year 1600
MIN_YEAR, MAX_YEAR = 1900, 2199


@dataclass(frozen=True)
class Period:
    """An inclusive range of days."""

    start: date
    end: date

    @property
    def label(self) -> str:
        """Days as the answer states them, with an en dash: '1-30 Nov 2026', '3 Nov 2026' (see the tests)."""
        s, e = self.start, self.end
        if s == e:
            return f"{s.day} {SHORT_MONTHS[s.month - 1]} {s.year}"
        if (s.year, s.month) == (e.year, e.month):
            return f"{s.day}–{e.day} {SHORT_MONTHS[s.month - 1]} {s.year}"
        if s.year == e.year:
            return f"{s.day} {SHORT_MONTHS[s.month - 1]} – {e.day} {SHORT_MONTHS[e.month - 1]} {s.year}"
        return f"{s.day} {SHORT_MONTHS[s.month - 1]} {s.year} – {e.day} {SHORT_MONTHS[e.month - 1]} {e.year}"

    @property
    def months(self) -> int:
        """How many calendar months the range touches."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


@dataclass(frozen=True)
class Found:
    """A period and the characters [begin, end) of the text it was read from."""

    period: Period
    begin: int
    end: int


# Unit arithmetic --------------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + count
    return index // 12, index % 12 + 1


def unit_containing(unit: str, day: date) -> Period:
    """The calendar week (Monday first), month, quarter or year holding `day`."""
    if unit == "day":
        return Period(day, day)
    if unit == "week":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6))
    if unit == "month":
        return Period(day.replace(day=1), _month_end(day.year, day.month))
    if unit == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        return Period(date(day.year, first, 1), _month_end(day.year, first + 2))
    return Period(date(day.year, 1, 1), date(day.year, 12, 31))


def shift(unit: str, period: Period, count: int) -> Period:
    """The unit `count` steps after (negative: before) the unit `period` is."""
    if unit == "day":
        return unit_containing(unit, period.start + timedelta(days=count))
    if unit == "week":
        return unit_containing(unit, period.start + timedelta(weeks=count))
    step = {"month": 1, "quarter": 3, "year": 12}[unit]
    year, month = _add_months(period.start.year, period.start.month, step * count)
    return unit_containing(unit, date(year, month, 1))


def _checked(period: Period) -> Period:
    if not (period.start.year >= MIN_YEAR and period.end.year <= MAX_YEAR) or period.start > period.end:
        raise ValueError("out of range")
    return period


# Absolute dates -----------------------------------------------------------------------------------------

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20|21)\d\d"
# A day with its month (and maybe year), in the shapes people type; read by dateparser.
_DAY = (rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|\d{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH}\.?"
        rf"(?:,?\s+{_YEAR})?|{_MONTH}\.?\s+\d{{1,2}}{_ORD}(?![\d:])(?:,?\s+{_YEAR})?)")
_MONTH_YEAR = rf"(?:{_MONTH}\.?(?:\s+|\s*,\s*|\s+of\s+){_YEAR}|{_YEAR}-\d{{1,2}}(?!-?\d))"
# Something that is a point or a span: a day, a month with or without year, a year.
_POINT = rf"(?:{_DAY}|{_MONTH_YEAR}|{_MONTH}|{_YEAR})"


@lru_cache(maxsize=512)
def _dateparser(text: str, today: date) -> date | None:
    import dateparser  # slow to import: only when a question has an absolute date

    settings = {"PREFER_DATES_FROM": "past", "RELATIVE_BASE": datetime(today.year, today.month, today.day),
                "DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month"]}
    found = dateparser.parse(text, languages=["en"], settings=settings)  # type: ignore[arg-type]
    return found.date() if found is not None else None


def _latest_month(month: int, today: date) -> int:
    """The year of the latest `month` that has begun by `today`."""
    return today.year if month <= today.month else today.year - 1


def read_point(text: str, today: date) -> Period:
    """A day, a month or a year as the period it names ("March" → the latest March begun)."""
    text = re.sub(r"\s+", " ", text.strip().lower().rstrip("."))
    if re.fullmatch(_YEAR, text):
        return _checked(unit_containing("year", date(int(text), 1, 1)))
    if re.fullmatch(_MONTH, text):
        month = MONTHS[text]
        return _checked(unit_containing("month", date(_latest_month(month, today), month, 1)))
    match = re.fullmatch(rf"({_MONTH})\.?(?:\s*,\s*|\s+of\s+|\s+)({_YEAR})", text)
    if match:
        return _checked(unit_containing("month", date(int(match[2]), MONTHS[match[1]], 1)))
    match = re.fullmatch(rf"({_YEAR})-(\d{{1,2}})", text)
    if match and 1 <= int(match[2]) <= 12:
        return _checked(unit_containing("month", date(int(match[1]), int(match[2]), 1)))
    if re.fullmatch(_DAY, text):
        day = _dateparser(re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text).replace(" of ", " "), today)
        if day is not None:
            return _checked(Period(day, day))
    raise ValueError(f"not a date: {text}")


# The grammar --------------------------------------------------------------------------------------------

_COUNT = r"(\d{1,3}|" + "|".join(n for n in NUMBERS if n != "a") + ")"
_UNIT = r"(days?|weeks?|wk|months?|mo|quarters?|years?|yr)"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(pattern, re.I)) for name, pattern in (
    ("between", rf"\b(?:between|from)\s+(?P<a>{_POINT})\s+(?:and|to|until|till|-|–)\s+(?P<b>{_POINT})\b"),
    ("range", rf"\b(?P<a>{_POINT})\s+(?:to|until|till|–)\s+(?P<b>{_POINT})\b"),
    ("since", rf"\b(?:since|from|after)\s+(?P<a>{_POINT})\b"),
    ("last_n", rf"\b(?:(?:in|over|during|for)\s+)?(?:the\s+)?(?:last|past|previous)\s+{_COUNT}\s+{_UNIT}\b"),
    ("to_date", r"\b(?P<unit>year|month|quarter|week)[\s-]+to[\s-]+date\b|\b(?P<abbr>ytd|mtd|qtd)\b"),
    ("so_far", r"\bso\s+far\s+this\s+(?P<unit>week|month|quarter|year)\b|\bthis\s+(?P<unit2>week|month|"
               r"quarter|year)\s+so\s+far\b"),
    ("relative", rf"\b(?:(?:in|for|during|over)\s+)?(?:the\s+)?(?P<which>this|last|next|previous|past|current)"
                 rf"\s+{_UNIT}\b"),
    ("quarter", rf"\b(?:in\s+)?q(?P<q>[1-4])(?:\s+(?P<y>{_YEAR}))?\b"),
    ("day_word", r"\b(?P<w>today|yesterday)\b"),
    ("point", rf"\b(?:(?:in|on|for|during)\s+)?(?P<a>{_POINT})\b"),
)]


def _read(name: str, match: re.Match[str], today: date) -> Period:
    if name in ("between", "range"):
        first, last = read_point(match["a"], today), read_point(match["b"], today)
        if name == "range" and not re.search(r"\d", match["a"] + match["b"]) and first.start > last.start:
            raise ValueError("ambiguous month range")
        return _checked(Period(first.start, last.end))
    if name == "since":
        return _checked(Period(read_point(match["a"], today).start, today))
    if name == "last_n":
        count = int(match[1]) if match[1].isdigit() else NUMBERS[match[1].lower()]
        unit = UNITS[match[2].lower()]
        if not 1 <= count <= MAX_COUNT:
            raise ValueError("count out of range")
        current = unit_containing(unit, today)
        return _checked(Period(shift(unit, current, -count).start, shift(unit, current, -1).end))
    if name in ("to_date", "so_far"):
        unit = match["unit"] or match.groupdict().get("unit2") or {"ytd": "year", "mtd": "month", "qtd": "quarter"}[
            (match.groupdict().get("abbr") or "").lower()]
        return _checked(Period(unit_containing(unit.lower(), today).start, today))
    if name == "relative":
        unit = UNITS[match[2].lower()]
        step = {"this": 0, "current": 0, "last": -1, "previous": -1, "past": -1, "next": 1}[match["which"].lower()]
        return _checked(shift(unit, unit_containing(unit, today), step))
    if name == "quarter":
        quarter = int(match["q"])
        year = int(match["y"]) if match["y"] else today.year
        if not match["y"] and date(year, quarter * 3 - 2, 1) > today:
            year -= 1
        return _checked(unit_containing("quarter", date(year, quarter * 3 - 2, 1)))
    if name == "day_word":
        return Period(today, today) if match["w"].lower() == "today" else Period(today - timedelta(days=1),
                                                                                today - timedelta(days=1))
    return read_point(match["a"], today)


def find_periods(text: str, today: date) -> list[Found]:
    """Every period in `text`, in order, without overlaps (the earlier, more specific pattern wins)."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for name, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            begin, end = match.span()
            if any(begin < t_end and t_begin < end for t_begin, t_end in taken):
                continue
            if name == "point" and _bare_number(match):
                continue
            try:
                period = _read(name, match, today)
            except ValueError:
                continue
            found.append(Found(period, begin, end))
            taken.append((begin, end))
    return sorted(found, key=lambda f: f.begin)


def _bare_number(match: re.Match[str]) -> bool:
    """A lone four-digit number right after 'top' or before a unit is a count, not a year; 'may' alone is a verb."""
    text = match["a"].lower()
    before = match.string[:match.start()].lower()
    if text == "may" and not match.group(0).lower().startswith(("in ", "for ", "during ")):
        return True
    return bool(re.fullmatch(r"\d{4}", text)) and bool(re.search(r"(top|largest|biggest|over|above|under|"
                                                                   r"below|than|\$)\s*$", before))


def parse_period(text: str, today: date) -> Period | None:
    """The one period `text` is, all of it (None when it is not exactly one period)."""
    found = find_periods(text, today)
    if len(found) != 1:
        return None
    rest = (text[:found[0].begin] + text[found[0].end:]).strip(" ,.?")
    return found[0].period if not rest else None
