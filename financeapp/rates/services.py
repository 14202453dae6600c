"""Exchange-rate rules: entering, importing, looking up and converting with rates.

A stored rate says "1 `base` costs `rate` `quote` on `on`". Look-ups take the
latest rate on or before a date, fall back to the reverse pair (1 / rate), and
never invent a rate: a missing one raises `MissingRate`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import IO, TYPE_CHECKING

import sqlalchemy as sa
from babel.numbers import format_decimal

from financeapp.core.errors import FinanceError, Invalid, NotFound
from financeapp.core.locale import current_locale
from financeapp.core.money import is_currency
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import scoped
from financeapp.core.validation import checked_day, parse_amount
from financeapp.core.validation import convert as convert_amount
from financeapp.extensions import db
from financeapp.rates.models import ExchangeRate

if TYPE_CHECKING:
    from financeapp.workspaces.models import Workspace

PLACES = 10
_UNIT = Decimal(1).scaleb(-PLACES)
# The Rate column is a BIGINT of 10^-10 units (max about 9.2e8); stay well inside it.
MAX_RATE = Decimal(100_000_000)
MAX_IMPORT_ROWS = 100_000

_PLAIN_NUMBER = re.compile(r"(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_PAIR = re.compile(r"([A-Za-z]{3})\s*[-/→>]\s*([A-Za-z]{3})")

HEADER_ALIASES = {
    "date": "on",
    "base": "base",
    "from": "base",
    "quote": "quote",
    "to": "quote",
    "rate": "rate",
}
REQUIRED_COLUMNS = ("on", "base", "quote", "rate")
COLUMN_NAMES = {"on": "date", "base": "base", "quote": "quote", "rate": "rate"}


class MissingRate(FinanceError):
    """No rate (direct or reverse) exists on or before the date: never a silent 1.0."""

    status = 422
    title = "Missing exchange rate"

    def __init__(self, base: str, quote: str, on: date):
        super().__init__(
            f"No {base}→{quote} rate on or before {on.isoformat()}. Add one on the Exchange rates page."
        )
        self.base, self.quote, self.on = base, quote, on


@dataclass(frozen=True)
class RateInput:
    """What the rate form sends: the rate stays text so one parser reads it exactly."""

    on: date
    base: str
    quote: str
    rate: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int

    @property
    def total(self) -> int:
        return self.created + self.updated


# Parsing ---------------------------------------------------------------------------------------


def parse_rate(text: str | Decimal | int, locale: str | None = None) -> Decimal:
    """Read a rate exactly: positive, finite, below MAX_RATE, rounded half-even to 10 places.

    Text is read as the person typed it, in `locale` (the user's by default): 1,0856 in de_DE.
    A rate has more than three decimals often, so a decimal mark before three digits is one."""
    if isinstance(text, bool):
        raise Invalid("Enter a rate such as 1.0856.")
    if isinstance(text, Decimal | int):
        value = Decimal(text)
        if not value.is_finite():
            raise Invalid("A rate must be a finite number.")
    else:
        if not str(text).strip():
            raise Invalid("Enter a rate such as 1.0856.")
        try:
            value = parse_amount(str(text), locale, places=PLACES)
        except Invalid:
            raise Invalid(f"“{str(text).strip()[:40]}” is not a rate. Enter a positive number such as "
                          f"{format_rate(Decimal('1.0856'), locale)}.") from None
    return _checked_rate(value)


def _checked_rate(value: Decimal) -> Decimal:
    if value <= 0:
        raise Invalid("A rate must be greater than zero.")
    if value >= MAX_RATE:
        raise Invalid("That rate is too large; rates must be below 100,000,000.")
    rounded = value.quantize(_UNIT, rounding=ROUND_HALF_EVEN)
    if rounded == 0:
        raise Invalid("That rate is too small; rates have at most 10 decimal places.")
    return rounded


def _file_rate(text: str) -> Decimal:
    """A rate as a file writes it, whoever uploads it: a point or a comma before the decimals.

    Not the user's locale: a file comes from a bank or a script, not from the user's typing, so a
    text that reads differently with a point and a comma (1,450) is refused rather than guessed."""
    return _checked_rate(Decimal(_normalise_number(text)))


def _normalise_number(text: str) -> str:
    shown = text.strip()
    cleaned = shown.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if not cleaned:
        raise Invalid("Enter a rate such as 1.0856.")
    if cleaned.startswith("-") and _PLAIN_NUMBER.fullmatch(cleaned[1:].replace(",", "")):
        raise Invalid("A rate must be greater than zero.")
    if "," in cleaned:
        grouped = bool(_GROUPED.fullmatch(cleaned))
        decimal_comma = bool(_DECIMAL_COMMA.fullmatch(cleaned))
        if grouped and decimal_comma:
            # "1,450" is 1450 in English and 1.450 in German; guessing could be off by 1000x.
            digits = cleaned.replace(",", "")
            raise Invalid(
                f"“{shown[:40]}” is ambiguous. Write {digits} or {cleaned.replace(',', '.')}."
            )
        if grouped:
            cleaned = cleaned.replace(",", "")
        elif decimal_comma:
            cleaned = cleaned.replace(",", ".")
    if not _PLAIN_NUMBER.fullmatch(cleaned):
        raise Invalid(f"“{shown[:40]}” is not a rate. Enter a positive number such as 1.0856.")
    return cleaned


def parse_date(text: str) -> date:
    """Read YYYY-MM-DD or DD.MM.YYYY."""
    shown = text.strip()
    match = _ISO_DATE.fullmatch(shown)
    if match:
        year, month, day = (int(part) for part in match.groups())
    elif match := _DOTTED_DATE.fullmatch(shown):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise Invalid(f"“{shown[:40]}” is not a date. Use YYYY-MM-DD or DD.MM.YYYY.")
    try:
        on = date(year, month, day)
    except ValueError:
        raise Invalid(f"“{shown[:40]}” is not a date on the calendar.") from None
    return checked_day(on, field=None)


def parse_pair(text: str | None) -> tuple[str, str] | None:
    """Read a pair filter such as "EUR-USD" or "eur/usd"; blank means no filter."""
    if text is None or not text.strip():
        return None
    match = _PAIR.fullmatch(text.strip())
    if not match:
        raise Invalid(f"“{text.strip()[:40]}” is not a currency pair. Use the form EUR-USD.")
    base, quote = (code.upper() for code in match.groups())
    for code in (base, quote):
        if not is_currency(code):
            raise Invalid(f"{code} is not an ISO 4217 currency code.")
    return base, quote


def _currency(code: str, field: str) -> str:
    clean = (code or "").strip().upper()
    if not is_currency(clean):
        message = f"“{(code or '').strip()[:40]}” is not a currency code. Use an ISO 4217 code such as EUR or USD."
        raise Invalid(message, fields={field: message})
    return clean


def _pair(base: str, quote: str) -> tuple[str, str]:
    clean_base, clean_quote = _currency(base, "base"), _currency(quote, "quote")
    if clean_base == clean_quote:
        message = f"Base and quote are both {clean_base}; a rate needs two different currencies."
        raise Invalid(message, fields={"quote": message})
    return clean_base, clean_quote


def format_rate(value: Decimal, locale: str | None = None) -> str:
    """A rate as people read it, in `locale` (the user's by default): "1.0856", "25,000" (no trailing zeros)."""
    return format_decimal(value, format="#,##0.##########", locale=locale or current_locale())


def describe(rate: ExchangeRate, locale: str | None = None) -> str:
    """The rate as a sentence: 1 EUR = 1.0856 USD."""
    return f"1 {rate.base} = {format_rate(rate.rate, locale)} {rate.quote}"


# Writing ---------------------------------------------------------------------------------------


def _find(workspace: Workspace, base: str, quote: str, on: date) -> ExchangeRate | None:
    return db.session.scalar(
        scoped(ExchangeRate, workspace).where(
            ExchangeRate.base == base, ExchangeRate.quote == quote, ExchangeRate.on == on
        )
    )


def set_rate(workspace: Workspace, base: str, quote: str, on: date, rate: str | Decimal) -> ExchangeRate:
    """Record what 1 `base` cost in `quote` on a day, replacing that day's rate if there is one."""
    clean_base, clean_quote = _pair(base, quote)
    try:
        value = parse_rate(rate)
    except Invalid as err:
        raise Invalid(err.message, fields={"rate": err.message}) from None
    day = checked_day(on, field="on")
    row = _find(workspace, clean_base, clean_quote, day)
    if row is None:
        row = ExchangeRate(workspace_id=workspace.id, base=clean_base, quote=clean_quote, on=day, rate=value)
        try:
            with db.session.begin_nested():  # a concurrent save of the same day may win the unique key
                db.session.add(row)
        except sa.exc.IntegrityError:
            row = _find(workspace, clean_base, clean_quote, day)
            if row is None:
                raise
            row.rate = value
    else:
        row.rate = value
    db.session.flush()
    return row


def delete_rate(workspace: Workspace, rate: ExchangeRate) -> None:
    """Remove one of the workspace's rates."""
    if rate.workspace_id != workspace.id:
        raise NotFound("No such exchange rate.")
    db.session.delete(rate)
    db.session.flush()


def _read_text(source: str | bytes | IO[str] | IO[bytes]) -> str:
    data = source.read() if hasattr(source, "read") else source
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.") from None
    return data.removeprefix("\ufeff")


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = HEADER_ALIASES.get(name.strip().lower())
        if key and key not in columns:
            columns[key] = index
    missing = [COLUMN_NAMES[key] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise Invalid(
            f"The header row needs the columns date, base, quote and rate (or from and to); "
            f"missing: {', '.join(missing)}."
        )
    return columns


@dataclass(frozen=True)
class _Parsed:
    row: int
    base: str
    quote: str
    on: date
    rate: Decimal


def _parse_rows(text: str) -> list[_Parsed]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise Invalid("The file is empty. Upload a CSV whose first row is: date,base,quote,rate.")
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(first))
    columns: dict[str, int] | None = None
    parsed: list[_Parsed] = []
    seen: dict[tuple[str, str, date], _Parsed] = {}
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _columns(cells)
                continue
            number = reader.line_num
            if len(parsed) >= MAX_IMPORT_ROWS:
                limit = f"{MAX_IMPORT_ROWS:,}"
                raise Invalid(f"The file has more than {limit} rates; split it into smaller files.")
            item = _parse_row(number, cells, columns)
            key = (item.base, item.quote, item.on)
            earlier = seen.get(key)
            if earlier is not None:
                if earlier.rate != item.rate:
                    raise Invalid(
                        f"Row {number}: {item.base}→{item.quote} on {item.on.isoformat()} "
                        f"is already on row {earlier.row} with a different rate."
                    )
                continue
            seen[key] = item
            parsed.append(item)
    except csv.Error as err:
        raise Invalid(f"Row {reader.line_num}: the file is not valid CSV ({err}).") from None
    if not parsed:
        raise Invalid("The file has a header row but no rates under it.")
    return parsed


def _parse_row(number: int, cells: list[str], columns: dict[str, int]) -> _Parsed:
    def cell(key: str) -> str:
        index = columns[key]
        return cells[index].strip() if index < len(cells) else ""

    try:
        if not cell("on"):
            raise Invalid("the date is missing.")
        on = parse_date(cell("on"))
        base, quote = _pair(cell("base"), cell("quote"))
        if not cell("rate"):
            raise Invalid("the rate is missing.")
        rate = _file_rate(cell("rate"))
    except Invalid as err:
        raise Invalid(f"Row {number}: {err.message}") from None
    return _Parsed(row=number, base=base, quote=quote, on=on, rate=rate)


def import_rates_csv(workspace: Workspace, source: str | bytes | IO[str] | IO[bytes]) -> ImportResult:
    """Add or replace rates from a CSV (date, base, quote, rate); any bad row rejects the whole file."""
    items = _parse_rows(_read_text(source))
    existing = _existing_rates(workspace, items)
    created = updated = 0
    for item in items:
        row = existing.get((item.base, item.quote, item.on))
        if row is None:
            db.session.add(
                ExchangeRate(workspace_id=workspace.id, base=item.base, quote=item.quote, on=item.on,
                             rate=item.rate)
            )
            created += 1
        else:
            row.rate = item.rate
            updated += 1
    db.session.flush()
    return ImportResult(created=created, updated=updated)


def _existing_rates(
    workspace: Workspace, items: Iterable[_Parsed]
) -> dict[tuple[str, str, date], ExchangeRate]:
    """The stored rows the import would replace: one indexed range query per pair in the file."""
    spans: dict[tuple[str, str], tuple[date, date]] = {}
    for item in items:
        low, high = spans.get((item.base, item.quote), (item.on, item.on))
        spans[(item.base, item.quote)] = (min(low, item.on), max(high, item.on))
    found: dict[tuple[str, str, date], ExchangeRate] = {}
    for (base, quote), (low, high) in spans.items():
        rows = db.session.scalars(
            scoped(ExchangeRate, workspace).where(
                ExchangeRate.base == base, ExchangeRate.quote == quote, ExchangeRate.on.between(low, high)
            )
        )
        for row in rows:
            found[(row.base, row.quote, row.on)] = row
    return found


# Reading ---------------------------------------------------------------------------------------


def _latest(workspace: Workspace, base: str, quote: str, on: date) -> sa.ScalarSelect[Decimal]:
    """The newest rate on or before `on`; the unique index (workspace, base, quote, date) serves it."""
    return (
        sa.select(ExchangeRate.rate)
        .where(
            ExchangeRate.workspace_id == workspace.id,
            ExchangeRate.base == base,
            ExchangeRate.quote == quote,
            ExchangeRate.on <= on,
        )
        .order_by(ExchangeRate.on.desc())
        .limit(1)
        .scalar_subquery()
    )


def invert(rate: Decimal) -> Decimal:
    """1 / rate, rounded half-even to the 10 places rates are stored with."""
    with localcontext() as context:
        context.prec = 50
        return (Decimal(1) / rate).quantize(_UNIT, rounding=ROUND_HALF_EVEN)


def _lookup(workspace: Workspace, pairs: list[tuple[str, str]], on: date) -> list[Decimal | None]:
    """Rates for several pairs in one round trip: a direct and a reverse sub-select per pair."""
    columns = []
    for index, (base, quote) in enumerate(pairs):
        columns.append(_latest(workspace, base, quote, on).label(f"direct_{index}"))
        columns.append(_latest(workspace, quote, base, on).label(f"reverse_{index}"))
    values = db.session.execute(sa.select(*columns)).one()
    rates: list[Decimal | None] = []
    for index in range(len(pairs)):
        direct, reverse = values[2 * index], values[2 * index + 1]
        if direct is not None:
            rates.append(direct)
        elif reverse is not None:
            rates.append(invert(reverse))
        else:
            rates.append(None)
    return rates


def rate_on(workspace: Workspace, base: str, quote: str, on: date) -> Decimal | None:
    """What 1 `base` cost in `quote` on `on`: the latest rate on or before, else the reverse pair's."""
    base, quote = base.strip().upper(), quote.strip().upper()
    if base == quote:
        return Decimal(1)
    return _lookup(workspace, [(base, quote)], on)[0]


def convert(workspace: Workspace, amount: Decimal, from_currency: str, to_currency: str, on: date) -> Decimal:
    """`amount` in `to_currency` at the rate of `on`, rounded to its minor units; MissingRate if none."""
    from_currency, to_currency = from_currency.strip().upper(), to_currency.strip().upper()
    rate = rate_on(workspace, from_currency, to_currency, on)
    if rate is None:
        raise MissingRate(from_currency, to_currency, on)
    return convert_amount(Decimal(amount), rate, to_currency)


def rates_to(workspace: Workspace, currencies: set[str], target: str, on: date) -> dict[str, Decimal | None]:
    """The rate from each currency into `target` on `on` (None where missing), in one query."""
    target = target.strip().upper()
    result: dict[str, Decimal | None] = {}
    wanted: list[str] = []
    for code in sorted({c.strip().upper() for c in currencies}):
        if code == target:
            result[code] = Decimal(1)
        else:
            wanted.append(code)
    if wanted:
        found = _lookup(workspace, [(code, target) for code in wanted], on)
        result.update(zip(wanted, found, strict=True))
    return result


def list_rates(
    workspace: Workspace, page: int = 1, per_page: int = 50, pair: tuple[str, str] | None = None
) -> Page[ExchangeRate]:
    """A page of the workspace's rates, newest first, optionally for one pair (that direction only)."""
    query = scoped(ExchangeRate, workspace)
    if pair is not None:
        query = query.where(ExchangeRate.base == pair[0], ExchangeRate.quote == pair[1])
    return paginate(query.order_by(ExchangeRate.on.desc(), ExchangeRate.base, ExchangeRate.quote, ExchangeRate.id),
                    page, per_page)


def pairs_in_use(workspace: Workspace) -> list[tuple[str, str]]:
    """The distinct (base, quote) pairs the workspace has rates for, for the filter menu."""
    rows = db.session.execute(
        sa.select(ExchangeRate.base, ExchangeRate.quote)
        .where(ExchangeRate.workspace_id == workspace.id)
        .distinct()
        .order_by(ExchangeRate.base, ExchangeRate.quote)
    )
    return [(base, quote) for base, quote in rows]
