"""The batch reads plainly well-formed checks without a schema load per item
(``tracker.api.schemas.read_plain_checks``); what it reads must be exactly what the schema
reads, and anything else must go to the schema, which names each fault."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, fields, validate
from sqlalchemy.dialects import postgresql, sqlite

from tracker.api.schemas import (
    BatchRequestSchema,
    DecisionRequestSchema,
    Strict,
    read_plain_checks,
)
from tracker.db_types import UTCDateTime

SHIFT = "2026-11-23T10:00:00-08:00"
PLAIN = {"assistant": "ana@example.org", "task": "injection", "site": "main"}


class ReferenceBatch(Strict):
    """The batch as the schema alone reads it."""

    checks = fields.Nested(
        DecisionRequestSchema, many=True, required=True, validate=validate.Length(max=1000)
    )


def canonical(value) -> str:
    """``value`` as text in which types count (``1`` is not ``True``) and key order not."""
    if isinstance(value, dict):
        return "{" + ", ".join(sorted(f"{k!r}: {canonical(v)}" for k, v in value.items())) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(canonical(v) for v in value) + "]"
    return repr(value)


def outcome(schema, data) -> str:
    """What the schema made of ``data``."""
    try:
        return "read " + canonical(schema.load(data))
    except ValidationError as error:
        return "refused " + canonical(error.messages)


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1, 2),
    st.floats(allow_nan=False),
    st.text(max_size=4),
    st.sampled_from(
        [
            "ana@example.org",
            "a" * 254,
            "a" * 255,
            "t" * 64,
            "t" * 65,
            "a\x00b",
            SHIFT,
            "2026-11-23T10:00:00",  # no offset
            "2026-11-23T10:00:00+00:00",
            "2026-13-40T00:00:00Z",
            "9999-12-31T23:00:00-05:00",
            "0001-01-01T00:30:00+01:00",
            "true",
            "1",
        ]
    ),
    st.lists(st.integers(), max_size=1),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
KEYS = st.sampled_from(["assistant", "task", "site", "at", "delegated_by", "in_room", "x"])
#: Mostly well-formed items (so the plain reading is taken often), with any key changed,
#: dropped or added, and sometimes not an object at all.
ITEMS = st.one_of(
    st.fixed_dictionaries(
        {key: st.just(value) for key, value in PLAIN.items()},
        optional={
            "at": st.one_of(st.none(), st.sampled_from([SHIFT, "2027-02-11T10:00:00Z"])),
            "delegated_by": st.one_of(st.none(), st.just("dr.lee@example.org")),
            "in_room": st.booleans(),
        },
    ),
    st.builds(lambda key, value: {**PLAIN, key: value}, KEYS, VALUES),
    st.builds(lambda key: {k: v for k, v in PLAIN.items() if k != key}, KEYS),
    st.dictionaries(KEYS, VALUES, max_size=7),
    VALUES,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(ITEMS, max_size=6))
@example([PLAIN, {**PLAIN, "at": SHIFT}, {**PLAIN, "at": SHIFT, "in_room": True}])
@example([{**PLAIN, "assistant": "a" * 255}])
@example([{**PLAIN, "task": "t" * 65}])
@example([{**PLAIN, "delegated_by": "a\x00b"}])
@example([{**PLAIN, "in_room": 1}])
@example([{**PLAIN, "at": "9999-12-31T23:00:00-05:00"}])
def test_the_plain_reading_is_the_schemas_reading(items):
    reference = outcome(ReferenceBatch(), {"checks": items})
    plain = read_plain_checks(items, DecisionRequestSchema())
    if plain is not None:
        assert reference == "read " + canonical({"checks": plain})
    assert outcome(BatchRequestSchema(), {"checks": items}) == reference


def test_a_plain_batch_is_read_plainly_and_a_moment_once():
    items = [{**PLAIN, "at": SHIFT}, {**PLAIN, "at": SHIFT, "delegated_by": None}, PLAIN]
    read = read_plain_checks(items, DecisionRequestSchema())
    assert read is not None
    assert read[0]["at"] is read[1]["at"]  # one reading of one moment
    assert read[0]["at"] == datetime(2026, 11, 23, 18, tzinfo=UTC)
    assert read[2] == {**PLAIN, "at": None, "delegated_by": None, "in_room": False}
    assert read_plain_checks([{**PLAIN, "in_room": "yes"}], DecisionRequestSchema()) is None


def test_a_utc_column_binds_each_moment_as_its_own():
    """The bound value is remembered for the same datetime object only."""
    for dialect in (sqlite.dialect(), postgresql.psycopg.dialect()):
        bind = UTCDateTime().bind_processor(dialect) or (lambda v: v)
        first = datetime(2026, 11, 23, 18, tzinfo=UTC)
        later = first + timedelta(hours=1)
        pacific = first.astimezone(timezone(timedelta(hours=-8)))
        assert bind(first) == bind(first)
        assert bind(later) != bind(first)
        assert bind(first) != bind(later)
        assert bind(pacific) == bind(first)  # the same moment, whatever its offset
        assert bind(None) is None
        for _ in range(2):  # a naive moment is refused every time, never remembered
            try:
                bind(datetime(2026, 11, 23, 18))
            except ValueError:
                pass
            else:
                raise AssertionError("a naive datetime was bound")
