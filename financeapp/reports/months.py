"""Months as 'YYYY-MM' keys: the SQL expression for a DATE column, and the arithmetic on keys.

Shared by the reports' queries and the monthly totals, which group by the same key.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class month_of(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """'YYYY-MM' of a DATE column: strftime on SQLite, DATE_FORMAT on MySQL/MariaDB."""

    type = sa.String()
    name = "month_of"
    inherit_cache = True


def _month_format(compiler: Any) -> str:
    # Drivers with %-style parameters (PyMySQL) need the percent signs doubled; SQLite's ? style does not.
    return "'%%Y-%%m'" if compiler.dialect.paramstyle in ("format", "pyformat") else "'%Y-%m'"


@compiles(month_of)
def _month_of_default(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"strftime({_month_format(compiler)}, {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "mysql")
def _month_of_mysql(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"DATE_FORMAT({compiler.process(element.clauses, **kw)}, {_month_format(compiler)})"


def month_key(on: date) -> str:
    return f"{on.year:04d}-{on.month:02d}"


def month_end(key: str) -> date:
    year, month = int(key[:4]), int(key[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])


def months_between(start: date, end: date) -> list[str]:
    """Every 'YYYY-MM' from start's month to end's month, inclusive."""
    keys = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def first_day(key: str) -> date:
    return date(int(key[:4]), int(key[5:7]), 1)


def previous_month(key: str) -> str:
    year, month = int(key[:4]), int(key[5:7])
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def next_month(key: str) -> str:
    year, month = int(key[:4]), int(key[5:7])
    return f"{year + 1:04d}-01" if month == 12 else f"{year:04d}-{month + 1:02d}"
