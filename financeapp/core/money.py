"""Money: parsing user input exactly, currency minor units, allocation, formatting."""

from __future__ import annotations

import functools
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.core import Locale, UnknownLocaleError, get_global
from babel.numbers import format_currency, get_currency_precision, get_territory_currencies, list_currencies

from financeapp.core.errors import Invalid

_CURRENCIES = frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in _CURRENCIES


@functools.cache
def currency_choices() -> list[str]:
    """Currencies in use somewhere today (no DEM or ADP), for select boxes; validation accepts all."""
    today = date.today()
    active: set[str] = set()
    for territory in get_global("territory_currencies"):
        active.update(get_territory_currencies(territory, today))
    return sorted(active & _CURRENCIES)


def minor_units(currency: str) -> int:
    """Decimal places of a currency (JPY 0, USD 2, KWD 3)."""
    return get_currency_precision(currency)


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)


def parse_money(text: str | Decimal | int, currency: str = "USD", locale: str = "en_US") -> Decimal:
    """Parse `1,234.56` (or `1.234,56` where the locale writes it so) into a Decimal.

    Rejects NaN, infinity, garbage and more decimals than the currency has.
    """
    if isinstance(text, bool):
        raise Invalid("Enter an amount such as 1234.56.")
    value = Decimal(text) if isinstance(text, Decimal | int) else parse_decimal(str(text).strip(), locale)
    if not value.is_finite():
        raise Invalid("Enter a finite amount.")
    places = minor_units(currency)
    if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):
        raise Invalid(f"{currency} amounts have at most {places} decimal places.")
    if abs(value) >= Decimal("1e15"):
        raise Invalid("That amount is too large.")
    return quantize(value, currency)


def parse_decimal(text: str, locale: str = "en_US") -> Decimal:
    """A number as people type it in `locale`, without currency rules."""
    if not text:
        raise Invalid("Enter an amount.")
    try:
        symbols = Locale.parse(locale).number_symbols.get("latn", {})
    except (UnknownLocaleError, ValueError, TypeError):
        symbols = {}
    decimal_sep = symbols.get("decimal", ".")
    group_sep = symbols.get("group", ",")
    cleaned = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if decimal_sep == "," and "." in cleaned and "," not in cleaned and cleaned.count(".") == 1:
        # "12.50" typed in a comma locale is still unambiguous enough to accept.
        pass
    elif decimal_sep == ",":
        cleaned = cleaned.replace(group_sep, "").replace(",", ".")
    else:
        cleaned = cleaned.replace(group_sep, "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise Invalid(f"“{text[:40]}” is not an amount. Enter a number such as 1234.56.") from None


def allocate(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split `total` by weights so the parts add up exactly (largest remainder)."""
    if not weights or sum(weights) == 0:
        raise ValueError("allocate needs at least one non-zero weight")
    unit = Decimal(1).scaleb(-minor_units(currency))
    units_total = int((total / unit).to_integral_value())
    weight_sum = sum(weights)
    raw = [Decimal(units_total) * w / weight_sum for w in weights]
    parts = [int(r.to_integral_value(rounding="ROUND_FLOOR")) for r in raw]
    remainder = units_total - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: abs(remainder)]:
        parts[i] += 1 if remainder > 0 else -1
    return [Decimal(p) * unit for p in parts]


def format_money(amount: Decimal | None, currency: str, locale: str = "en_US") -> str:
    if amount is None:
        return ""
    return format_currency(quantize(Decimal(amount), currency), currency, locale=locale)
