"""Pages of a list: the arithmetic every paginated list shares, and one `Page` the `pager` macro reads.

A service returns `paginate(query, number, per_page)` (a count and one LIMIT/OFFSET query, in SQL)
or `page_of_list(rows, ...)` for a list it already computed; the view names where the pager links go
with `.linked("goals.index", **args)`, so services never build URLs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import url_for

from financeapp.extensions import db

T = TypeVar("T")

# Page numbers beyond this are someone typing into the address bar; clamp rather than compute OFFSETs.
MAX_PAGE = 1_000_000


class Paged:
    """Mixin for a page of results with `total`, `number` (1-based) and `per_page` attributes."""

    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class Page(Paged, Generic[T]):
    """One page of `rows` out of `total`, and (once `linked`) the endpoint its pager links to."""

    rows: list[T]
    total: int
    number: int
    per_page: int
    endpoint: str = ""
    args: dict[str, Any] = field(default_factory=dict)

    def linked(self, endpoint: str, **args: Any) -> Page[T]:
        """This page with its pager's links going to `endpoint` (with `args` kept on every link)."""
        return replace(self, endpoint=endpoint, args=args)

    def url_for(self, number: int) -> str:
        return url_for(self.endpoint, page=number, **self.args)


def page_number(value: Any) -> int:
    """A page number from a query string: 1 for anything that is not a positive integer."""
    text = str(value or "").strip()
    # isascii: "³" and "٣" are digits to str.isdigit but not to int() (a 500 before).
    return min(int(text), MAX_PAGE) if text.isascii() and text.isdigit() and 0 < len(text) <= 7 \
        and int(text) > 0 else 1


def clamp(number: int, total: int, per_page: int) -> int:
    """`number` moved into 1..pages (a page past the end shows the last one)."""
    return min(max(1, number), max(1, math.ceil(total / per_page)))


def paginate(query: sa.Select, number: int, per_page: int, *, count: sa.Select | None = None,
             rows: bool = False) -> Page:
    """One page of a select's ORM objects (its result rows with `rows=True`): the count and the page,
    each one SQL query. `count` is the query to count when the page's own has joins that only add columns.

    The query must be ordered (a stable order makes pages that do not overlap)."""
    counted = (count if count is not None else query).order_by(None).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    number = clamp(number, total, per_page)
    window = query.limit(per_page).offset((number - 1) * per_page)
    found = db.session.execute(window).all() if rows else db.session.scalars(window).all()
    return Page(rows=list(found), total=total, number=number, per_page=per_page)


def page_of_list(rows: Sequence[T], number: int, per_page: int) -> Page[T]:
    """One page of a list computed in Python (a payoff plan's months, for instance)."""
    number = clamp(number, len(rows), per_page)
    return Page(rows=list(rows[(number - 1) * per_page:number * per_page]), total=len(rows), number=number,
                per_page=per_page)
