"""Pages of a list: numbered pages worked out in Python (Flask-SQLAlchemy's paginate is
for queries), and keyset pages read from a query, named by an opaque cursor (the API's)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from tracker.extensions import db


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


# --------------------------------------------------------------------------- keyset pages
#
# A list too long or too lively for numbered pages (the API's) is read by keyset: ordered by
# a moment then an id, each page starts after the last row of the one before, named by an
# opaque cursor. A row added or removed between pages moves no other row across a page's
# edge, so a reader never skips or repeats one.


class BadCursor(ValueError):
    """A cursor this app did not give out (or one altered since)."""


@dataclass(frozen=True)
class KeysetPage:
    """One page of a keyset-paged list; ``next_cursor`` None on the last page."""

    items: list[Any]
    next_cursor: str | None


def encode_cursor(moment: datetime, ident: int) -> str:
    """The opaque cursor naming the row ordered at (``moment``, ``ident``)."""
    raw = json.dumps([moment.isoformat(), ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (moment, id) an ``encode_cursor`` cursor names; BadCursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, ident = json.loads(raw)
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None or not isinstance(ident, int) or isinstance(ident, bool):
            raise ValueError
        return moment.astimezone(UTC), ident
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise BadCursor(cursor) from None


def keyset_page(
    query: Select,
    moment_column: InstrumentedAttribute,
    id_column: InstrumentedAttribute,
    limit: int,
    after: tuple[datetime, int] | None = None,
    keep: Callable[[Any], bool] | None = None,
) -> KeysetPage:
    """The first ``limit`` rows of ``query`` after the key ``after``, in key order.

    ``keep`` is a test SQL cannot make (a local date in each row's own time zone): rows it
    refuses are passed over, reading further chunks until the page is full or the list ends.
    """

    def key(row) -> tuple[datetime, int]:
        return getattr(row, moment_column.key), getattr(row, id_column.key)

    def beyond(query: Select, point: tuple[datetime, int]) -> Select:
        when, ident = point
        return query.where(
            or_(moment_column > when, and_(moment_column == when, id_column > ident))
        )

    if after is not None:
        query = beyond(query, after)
    query = query.order_by(moment_column, id_column)
    chunk = limit + 1
    items: list[Any] = []
    while True:
        rows = db.session.scalars(query.limit(chunk)).all()
        for row in rows:
            if keep is not None and not keep(row):
                continue
            if len(items) == limit:
                return KeysetPage(items, encode_cursor(*key(items[-1])))
            items.append(row)
        if len(rows) < chunk:
            return KeysetPage(items, None)
        query = beyond(query, key(rows[-1]))
