"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import DateTime, Enum, TypeDecorator

from tracker import dates


def json_text(value) -> str:
    """``value`` as JSON text, for JSON columns (the engine's ``json_serializer``).

    orjson is an order of magnitude quicker than ``json.dumps``; keys that are not strings
    are written as strings, as ``json.dumps`` does.
    """
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


class UTCDateTime(TypeDecorator):
    """A moment stored as naive UTC and read back as an aware UTC datetime.

    SQLite keeps no offset, so the one representation both databases agree on is naive UTC.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def bind_processor(self, dialect):
        """The usual processing (``process_bind_param``, then the dialect's own), with the
        last value's result remembered: a batch of rows binds the same moment object in
        every row (one ``made_at``, one ``at`` per distinct time asked about), and a
        datetime never changes, so the same object gives the same bound value."""
        process = super().bind_processor(dialect)
        if process is None:
            return None
        last = (None, None)

        def remembering(value):
            nonlocal last
            seen, bound = last
            if value is seen and value is not None:
                return bound
            bound = process(value)
            last = (value, bound)
            return bound

        return remembering

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The clock's now (a column default must be a callable, read at each insert)."""
    return dates.now()


def enum_column(enum_cls, name: str):
    """An Enum column stored as text with a named CHECK constraint (portable, migratable)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
    )
