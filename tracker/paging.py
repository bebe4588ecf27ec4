"""Pages of a list worked out in Python (Flask-SQLAlchemy's paginate is for queries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ListPage:
    """One page of a list, with the attributes the ``pager`` macro reads."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_of(items: list, page: int | None, per_page: int) -> ListPage:
    """The page-th page (from 1; out of range gives the nearest page) of ``items``."""
    total = len(items)
    last = max(1, -(-total // per_page))
    page = min(max(page or 1, 1), last)
    start = (page - 1) * per_page
    return ListPage(items[start : start + per_page], page, per_page, total)
