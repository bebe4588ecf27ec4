"""Facts kept between requests while the fact stamp is unchanged.

A decision reads a dozen small tables; loading them is most of what the self-check page
costs, and an assistant asking about several tasks in a row reads the same rows each
time. The fact stamp (``tracker.decision.models``) changes in the same transaction as any
change to those tables, so facts loaded under one stamp stay true while the stamp reads
the same. Each app keeps one ``FactCache``; every use starts by reading the stamp (one
query), so a change made by another worker, the CLI or raw SQL is seen at once.

A value is kept only when the stamp reads the same after loading it as before: nothing
changed the facts while they were read (another transaction's commit, or this one's own
writes), so what is kept is exactly the facts of that stamp.

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

#: How many loaded values one worker keeps (the least recently used go first). A
#: decision's facts for one assistant, site and day are some tens of kilobytes.
MAX_ENTRIES = 128

#: What ``FactCache.lookup`` returns when nothing is kept for a key.
MISSING = object()


class FactCache:
    """Values loaded under one stamp; a new stamp drops them all."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._stamp: str | None = None
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def lookup(self, stamp: str, key: Hashable) -> object:
        """The value kept for ``key`` under ``stamp``, or ``MISSING``."""
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                self._entries.clear()
            elif key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
            return MISSING

    def store(self, stamp: str, key: Hashable, value: object) -> None:
        """Keep ``value``, unless a newer stamp has been seen meanwhile."""
        with self._lock:
            if stamp != self._stamp:
                return
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._stamp = None
            self._entries.clear()


def read_stamp() -> str | None:
    """The current fact stamp, as this transaction sees it (pending changes flushed first).

    None on a database the triggers are not written for, or when the row is missing.
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

    Take it before the values are needed; a value loaded after the facts changed (by this
    transaction or a commit elsewhere) is returned but not kept.
    """

    def __init__(
        self,
        cache: FactCache | None = None,
        read: Callable[[], str | None] = read_stamp,
    ):
        self.cache = cache if cache is not None else fact_cache()
        self._read = read
        self.stamp = read()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        if self.stamp is None:
            return load()
        value = self.cache.lookup(self.stamp, key)
        if value is not MISSING:
            return value  # type: ignore[return-value]
        value = load()
        if self._read() == self.stamp:
            self.cache.store(self.stamp, key, value)
        return value
