"""Money: currency minor units, allocation, formatting (reading typed amounts is core/validation.py)."""

from __future__ import annotations

import functools
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from babel.core import get_global
from babel.numbers import (
    format_currency,
    get_currency_name,
    get_currency_precision,
    get_territory_currencies,
    list_currencies,
)

from financeapp.core.locale import current_locale

_CURRENCIES = frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in _CURRENCIES


@functools.cache
def active_currencies() -> tuple[str, ...]:
    """Currencies in use somewhere today (no DEM or ADP); validation still accepts all."""
    today = date.today()
    active: set[str] = set()
    for territory in get_global("territory_currencies"):
        active.update(get_territory_currencies(territory, today))
    return tuple(sorted(active & _CURRENCIES))


@functools.cache
def _named_currencies(locale: str) -> list[tuple[str, str]]:
    return [(code, f"{code} — {get_currency_name(code, locale=locale)}") for code in active_currencies()]


def currency_choices() -> list[tuple[str, str]]:
    """Select options like ("EUR", "EUR — Euro"), the names in the user's language."""
    return _named_currencies(current_locale())


def minor_units(currency: str) -> int:
    """Decimal places of a currency (JPY 0, USD 2, KWD 3)."""
    return get_currency_precision(currency)


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)


def amount_text(amount: Decimal, currency: str) -> str:
    """An amount as every JSON output (the API, the CLI's --json, report series) writes it: a string
    with the currency's minor units ("-75.20", "1000" for JPY), never the stored scale ("-75.200")."""
    value = quantize(Decimal(amount), currency)
    return f"{value + 0:f}"  # + 0 turns a negative zero into "0.00"


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


def format_money(amount: Decimal | None, currency: str, locale: str | None = None) -> str:
    """The one money formatter: `$1,234.50`, `1.234,50 €` — in the current user's locale unless given."""
    if amount is None:
        return ""
    return format_currency(quantize(Decimal(amount), currency), currency, locale=locale or current_locale())
