"""Facts kept between requests while the fact stamp is unchanged.

A decision reads a dozen small tables; loading them is most of what the self-check page
costs, and an assistant asking about several tasks in a row reads the same rows each
time. The fact stamp (``tracker.decision.models``) changes in the same transaction as any
change to those tables, so facts loaded under one stamp stay true while the stamp reads
the same. Each app keeps one ``FactCache``; every use starts by reading the stamp (one
query), so a change made by another worker, the CLI or raw SQL is seen at once.

Kept values are shared between requests and threads: they must never be changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app
from sqlalchemy import select

from tracker.decision.models import STAMPED_DIALECTS, FactStamp
from tracker.extensions import db

T = TypeVar("T")

#: How many loaded values one worker keeps (the least recently used go first).
MAX_ENTRIES = 512


class FactCache:
    """Values loaded under one stamp; a new stamp drops them all."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._stamp: str | None = None
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, stamp: str | None, key: Hashable, load: Callable[[], T]) -> T:
        """The value kept for ``key`` under ``stamp``, loading it when there is none.

        With no stamp (a database without the triggers) nothing is kept.
        """
        if stamp is None:
            return load()
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                self._entries.clear()
            elif key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]  # type: ignore[return-value]
            self.misses += 1
        value = load()
        with self._lock:
            if stamp == self._stamp:
                self._entries[key] = value
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._stamp = None
            self._entries.clear()


def read_stamp() -> str | None:
    """The current fact stamp, as this transaction sees it (pending changes flushed first).

    None on a database without the stamp's triggers, or when the row is missing.
    """
    db.session.flush()  # pending changes fire their triggers before the stamp is read
    connection = db.session.connection()
    if connection.dialect.name not in STAMPED_DIALECTS:
        return None
    return connection.execute(_STAMP_QUERY).scalar()


_STAMP_QUERY = select(FactStamp.__table__.c.stamp).where(FactStamp.__table__.c.id == 1)


def fact_cache() -> FactCache:
    """This app's cache (one per app, so each test's app starts empty)."""
    cache = current_app.extensions.get("tracker.fact_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("tracker.fact_cache", FactCache())
    return cache


class Snapshot:
    """One reading of the stamp, for the several values a request needs.

    Take it after the request's own changes are made (or flushed), and use it before any
    more: a change made after the reading is not seen through it.
    """

    def __init__(self, cache: FactCache | None = None):
        self.cache = cache if cache is not None else fact_cache()
        self.stamp = read_stamp()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        return self.cache.get(self.stamp, key, load)
