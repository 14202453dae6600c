"""The arithmetic every paginated list shares."""

from __future__ import annotations

import math


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
