"""Parsing, allocation and the exact Money column."""

from __future__ import annotations

from decimal import Decimal

import pytest

from financeapp.core.db import Money
from financeapp.core.errors import Invalid
from financeapp.core.money import allocate, format_money
from financeapp.core.validation import parse_money


@pytest.mark.parametrize(("text", "currency", "locale", "expected"), [
    ("1,234.56", "USD", "en_US", Decimal("1234.56")),
    ("1.234,56", "EUR", "de_DE", Decimal("1234.56")),
    ("12.50", "EUR", "de_DE", Decimal("12.50")),
    ("-7", "USD", "en_US", Decimal("-7.00")),
    ("1000", "JPY", "ja_JP", Decimal("1000")),
    ("1.234", "KWD", "en_US", Decimal("1.234")),
])
def test_parse_money_accepts_what_people_type(text, currency, locale, expected):
    assert parse_money(text, currency, locale) == expected


@pytest.mark.parametrize(("text", "currency", "message"), [
    ("NaN", "USD", "finite"),
    ("Infinity", "USD", "finite"),
    ("abc", "USD", "not an amount"),
    ("", "USD", "Enter an amount"),
    ("1.234", "USD", "could mean 1,234 or 1.234"),
    ("10.5", "JPY", "at most 0 decimal places"),
    ("1e20", "USD", "not an amount"),
    ("100000000000000000000", "USD", "too large"),
])
def test_parse_money_rejects_bad_input_with_a_message(text, currency, message):
    with pytest.raises(Invalid) as err:
        parse_money(text, currency)
    assert message in err.value.message


def test_allocate_keeps_every_cent():
    parts = allocate(Decimal("100.00"), [Decimal(1), Decimal(1), Decimal(1)], "USD")
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(parts) == Decimal("100.00")
    negative = allocate(Decimal("-0.05"), [Decimal(1), Decimal(1)], "USD")
    assert sum(negative) == Decimal("-0.05")


def test_format_money_uses_minor_units():
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("1234"), "JPY") == "¥1,234"


def test_money_column_refuses_floats_and_excess_precision():
    column = Money()
    with pytest.raises(TypeError):
        column.process_bind_param(1.5, None)
    with pytest.raises(ValueError):
        column.process_bind_param(Decimal("1.0001"), None)
    assert column.process_bind_param(Decimal("-12.345"), None) == -12345
    assert column.process_result_value(-12345, None) == Decimal("-12.345")
