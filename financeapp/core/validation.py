"""The one validator for what users type: amounts (in their locale), dates, and currency conversion.

Forms, the JSON API, imports and the CLI all end here, so a rule (the largest amount, the years a
date may have, how a converted amount rounds) is written once.

Amounts are read in the user's locale (`current_locale()`): de_DE `3,50` and `1.500,00`, fr_FR
`1 500,00`, en_IN `1,50,000.00`. Where a text has two readings — one separator followed by exactly
three digits, such as `1,500` in de_DE (one and a half, or fifteen hundred typed by habit) — it is
refused with both readings in the message, never guessed. A single separator followed by one or two
digits can only be a decimal point, so `12.50` is read as 12.50 in every locale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Literal, TypeVar, overload

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_decimal

from financeapp.core.errors import Invalid
from financeapp.core.locale import current_locale
from financeapp.core.money import minor_units, quantize

# One maximum for every amount: the Money column holds about ±9.2e15, and sums of many amounts must fit too.
MAX_AMOUNT = Decimal("1e13")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
FIRST_DAY, LAST_DAY = date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31)
DATE_RANGE_MESSAGE = f"Use a date between {EARLIEST_YEAR} and {LATEST_YEAR}."

T = TypeVar("T")

SIGNS = ("positive", "nonnegative", "nonzero", "any")
_SIGN_MESSAGES = {
    "positive": "Enter a positive amount (more than zero).",
    "nonnegative": "Enter zero or more.",
    "nonzero": "Enter an amount other than zero.",
}
# Characters that only ever group digits (spaces of every width, the Swiss apostrophes).
_GROUPING_ONLY = re.compile("[ \u00a0\u202f\u2009'\u2019]")
_MINUS = "-\u2212"


def _invalid(field: str | None, message: str) -> Invalid:
    return Invalid(message, fields={field: message} if field else None)


def _separators(locale: str) -> tuple[str, str]:
    """The locale's decimal and group symbols (en_US's when the locale is unknown)."""
    try:
        symbols = Locale.parse(locale).number_symbols.get("latn", {})
    except (UnknownLocaleError, ValueError, TypeError):
        symbols = {}
    return symbols.get("decimal", "."), symbols.get("group", ",")


def _grouped_digits(text: str) -> str | None:
    """Digits from `text` whose groups are marked by spaces: 1 500 000, or lakh style 1 50 000."""
    groups = text.split(" ")
    if not all(group.isdigit() for group in groups):
        return None
    if len(groups) == 1:
        return groups[0]
    head, middle, last = groups[0], groups[1:-1], groups[-1]
    thousands = all(len(group) == 3 for group in middle)
    lakhs = all(len(group) == 2 for group in middle)
    if not (1 <= len(head) <= 3 and len(last) == 3 and (thousands or lakhs)):
        return None
    return "".join(groups)


class _Ambiguous(Exception):
    def __init__(self, whole: str, tail: str):
        self.whole, self.tail = whole, tail


def _read(text: str, decimal_sep: str, group_sep: str, places: int | None) -> tuple[str, str] | None:
    """(integer digits, fraction digits) of an unsigned number, or None when it is not one."""
    marks = [c for c in text if c in ".,"]
    if len(set(marks)) == 2:
        point = text[max(text.rfind("."), text.rfind(","))]  # the last mark is the decimal point
        if text.count(point) != 1:
            return None
        head, tail = text.split(point)
        other = "," if point == "." else "."
        whole = _grouped_digits(head.replace(other, " "))
        return (whole, tail) if whole is not None and tail.isdigit() else None
    if not marks:
        whole = _grouped_digits(text)
        return (whole, "") if whole else None
    mark = marks[0]
    if len(marks) > 1:  # only a grouping mark repeats
        whole = _grouped_digits(text.replace(mark, " "))
        return (whole, "") if whole else None
    head, tail = text.split(mark)
    if not tail.isdigit() and tail:
        return None
    if len(tail) == 3 and head:
        if mark == group_sep:
            whole = _grouped_digits(f"{head} {tail}")
            return (whole, "") if whole else None
        if not (mark == decimal_sep and places is not None and places >= 3):
            raise _Ambiguous(head.replace(" ", ""), tail)
    whole = _grouped_digits(head) if head else "0"
    return (whole, tail) if whole is not None and (tail or head) else None


def parse_amount(text: str, locale: str | None = None, *, places: int | None = None,
                 field: str | None = None) -> Decimal:
    """A number as a person types it in `locale` (the current one by default), exactly.

    `places` (the currency's minor units, when known) settles `1,500`-like texts only where the
    number has three or more decimals (KWD, a rate); otherwise they are refused with both readings.
    """
    raw = str(text).strip()
    if not raw:
        raise _invalid(field, "Enter an amount.")
    locale = locale or current_locale()
    decimal_sep, group_sep = _separators(locale)
    body, negative = raw, False
    if body[0] in _MINUS + "+":
        negative, body = body[0] != "+", body[1:].lstrip()
    body = _GROUPING_ONLY.sub(" ", body)
    if decimal_sep not in ".,":  # e.g. the Arabic decimal separator
        body, decimal_sep = body.replace(decimal_sep, "."), "."
    if body.lower() in {"nan", "inf", "infinity"}:
        raise _invalid(field, "Enter a finite amount.")
    try:
        reading = _read(body, decimal_sep, group_sep, places) if re.fullmatch(r"[\d., ]+", body) else None
    except _Ambiguous as err:
        raise _invalid(field, _ambiguity_message(raw, err, locale)) from None
    if reading is None:
        raise _invalid(field, f"“{raw[:40]}” is not an amount. Enter a number such as "
                              f"{format_decimal(Decimal('1234.56'), locale=locale)}.")
    whole, fraction = reading
    return Decimal(f"{'-' if negative else ''}{whole}{'.' + fraction if fraction else ''}")


def _ambiguity_message(raw: str, err: _Ambiguous, locale: str) -> str:
    thousands = Decimal(f"{err.whole}{err.tail}")
    as_thousands = format_decimal(thousands, locale=locale)
    as_fraction = format_decimal(Decimal(f"{err.whole}.{err.tail}"), locale=locale)
    two_places = format_decimal(Decimal(f"{err.whole}.{err.tail[:2]}"), format="#,##0.00", locale=locale)
    return f"“{raw[:40]}” could mean {as_thousands} or {as_fraction}; type {thousands} or {two_places} to say which."


def checked_amount(value: Decimal | int | None, currency: str | None, *, field: str | None = "amount",
                   sign: str = "positive") -> Decimal:
    """`value` as a valid amount of `currency`: finite, within the one maximum, in its minor units.

    An int is whole units; a bool (an int to Python, `true` in JSON) is no amount and is refused.

    `sign` is one of SIGNS. The message is attached to `field` (None for a form-wide error).
    `currency` None checks all but the decimal places, for input read before its account is known
    (a form field, a JSON body); the service checks again with the currency.
    """
    if sign not in SIGNS:
        raise ValueError(f"unknown sign rule {sign}")
    if value is None or isinstance(value, bool) or not Decimal(value).is_finite():
        raise _invalid(field, "Enter an amount.")
    value = Decimal(value)
    if (sign == "positive" and value <= 0) or (sign == "nonnegative" and value < 0) or \
            (sign == "nonzero" and value == 0):
        raise _invalid(field, _SIGN_MESSAGES[sign])
    if abs(value) >= MAX_AMOUNT:
        raise _invalid(field, "That amount is too large: enter less than 10 trillion.")
    if currency is None:
        return value
    if value != quantize(value, currency):
        raise _invalid(field, f"{currency} amounts have at most {minor_units(currency)} decimal places.")
    return quantize(value, currency)


def parse_money(text: str | Decimal | int, currency: str, locale: str | None = None, *,
                field: str | None = "amount", sign: str = "any") -> Decimal:
    """Text typed by a person (or an exact number) as an amount of `currency`, checked."""
    if isinstance(text, bool):
        raise _invalid(field, "Enter an amount.")
    value = Decimal(text) if isinstance(text, Decimal | int) else parse_amount(
        text, locale, places=minor_units(currency), field=field)
    return checked_amount(value, currency, field=field, sign=sign)


def in_date_range(day: date) -> bool:
    """Whether `day` is within the one range of years every date field accepts."""
    return FIRST_DAY <= day <= LAST_DAY


@overload
def checked_day(value: date | None, *, field: str | None = ..., required: Literal[True] = ...) -> date: ...
@overload
def checked_day(value: date | None, *, field: str | None = ..., required: bool) -> date | None: ...
def checked_day(value: date | None, *, field: str | None = "date", required: bool = True) -> date | None:
    """`value` if it is a date from 1900 to 2199; None is allowed only when not required."""
    if value is None:
        if required:
            raise _invalid(field, "Enter a date.")
        return None
    if not in_date_range(value):
        raise _invalid(field, DATE_RANGE_MESSAGE)
    return value


def parse_day(text: str, *, field: str | None = "date") -> date:
    """A date written YYYY-MM-DD (a query string, a date box, a JSON field), within the one range."""
    raw = str(text).strip()
    try:
        day = date.fromisoformat(raw) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
    except ValueError:  # a day that is not on the calendar, such as 2026-02-30
        day = None
    if day is None:
        raise _invalid(field, f"“{raw[:20]}” is not a date (use YYYY-MM-DD).")
    return checked_day(day, field=field)


def gather(errors: dict[str, str], check: Callable[[], T]) -> T | None:
    """`check()`'s value; or None, with its messages added to `errors`, so that a service reports every
    bad field at once: `amount = gather(errors, lambda: checked_amount(...))`."""
    try:
        return check()
    except Invalid as err:
        errors.update(err.fields or {"": err.message})
        return None


def convert(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """`amount` times `rate`, rounded once (half to even) to `currency`'s minor units."""
    with localcontext() as context:
        context.prec = 60  # enough that nothing rounds before the one rounding to the currency
        return Decimal(amount * rate).quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)


def decimal_mark(locale: str | None = None) -> str:
    """The decimal separator people type in the locale (for scripts that add up what is typed)."""
    mark, _ = _separators(locale or current_locale())
    return mark if mark in ".," else "."


def amount_for_input(amount: Decimal, currency: str | None, locale: str | None = None) -> str:
    """An amount as a form's text box shows it: the locale's decimal mark, no grouping, so that
    reading it back (`parse_amount`) gives the same value. `currency` sets the places; None keeps
    the value's own, without trailing zeros (a filter's bound)."""
    decimal_sep, _ = _separators(locale or current_locale())
    value = quantize(Decimal(amount), currency) if currency else Decimal(amount).normalize()
    text = f"{value + 0:f}"
    return text.replace(".", decimal_sep if decimal_sep in ".," else ".")
