"""The clock and the date helpers every module shares.

``now()`` is the one place the application reads the time: services, pages, the CLI and the
demo ask it, never ``datetime.now()`` or ``date.today()`` on their own. Tests move it with
time-machine (which moves every clock in the process); ``set_now`` pins it explicitly (the
demo and scripts). Pure: no Flask, no database, so the decision rule may import it.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

#: A moment pinned by ``set_now`` (None: the real clock).
_pinned: datetime | None = None


def now() -> datetime:
    """The current moment, aware, in UTC."""
    if _pinned is not None:
        return _pinned
    return datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Pin the clock at an aware moment, or give it back to the real clock with None."""
    global _pinned
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _pinned = None if moment is None else moment.astimezone(UTC)


def now_to_the_second() -> datetime:
    return now().replace(microsecond=0)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def today(timezone: str | None = None) -> date:
    """Today's date in a time zone (a site's, the practice's); UTC when none is given."""
    return local_day(now(), timezone or "UTC")


@lru_cache(maxsize=1024)
def local_day(moment: datetime, timezone: str) -> date:
    """The date of a moment in a site's time zone ("the day" of a decision)."""
    return moment.astimezone(zone(timezone)).date()


def format_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=4096)
def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))
