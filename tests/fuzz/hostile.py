"""Hostile values for the fuzz tests: what a careless client or an attacker might send.

Each family is one of the classes of bad input DESIGN section 8 names: numbers past what a
database column holds, dates outside the supported range, control characters, oversize
text, bytes that are not UTF-8, and values of the wrong kind altogether.
"""

from __future__ import annotations

import os
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: ``FUZZ_SCALE=3`` runs three times as many examples (a longer hunt, outside CI).
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
#: ``FUZZ_MEASURE=1`` counts server errors instead of failing on the first (for the issue's
#: before/after figures); the counts are printed at the end of the run.
MEASURE = os.environ.get("FUZZ_MEASURE") == "1"

HUGE_NUMBERS = [
    "2147483647", "2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
    "99999999999999999999", "-9223372036854775809", "-1", "0", "1e308", "1e9999", "NaN",
    "inf", "-0", "0x1F", "1_000", " 12 ", "١٢",
]  # fmt: skip
BAD_DATES = [
    "0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01", "0000-00-00", "2026-02-30",
    "2026-13-01", "10000-01-01", "-2026-01-01", "2026-1-1", "20260101",
    "0001-01-01T00:00", "9999-12-31T23:59", "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-12:00", "2026-11-23T25:00", "2026-11-23T08:00:00+99:00",
]  # fmt: skip
BAD_TEXT = [
    "\x00", "a\x00b", "\x1b[2J", "\x7f", "\x08", "\x0b", "\x0c", "\t", "\r\n", "\u2028",
    "\ufeff", "\U0001f600", "x" * 5000, "é" * 300, "' OR '1'='1", "<script>x</script>",
    "{{7*7}}", "%s%n", "../../etc/passwd", " ", "",
]  # fmt: skip
#: Raw bytes for bodies and query strings: not UTF-8 at all.
BAD_BYTES = [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"a\x00b", b"\x80" * 10]

#: Sent to every parameter and every field on every run, before the random examples: one
#: value of each class the issue lists (ids past 2^31 and 2^63, dates at year 1 and 9999,
#: NUL and escape characters, oversize text, bytes that are not UTF-8).
CANONICAL = [
    "99999999999999999999", "2147483648", "0001-01-01", "9999-12-31", "9999-12-31T23:59",
    "a\x00b", "\x1b[2J", "x" * 3000, b"\xff\xfe",
]  # fmt: skip

_control = st.characters(min_codepoint=0, max_codepoint=0x9F, exclude_categories=("Cs",))

hostile_text = st.one_of(
    st.sampled_from(BAD_TEXT),
    st.text(alphabet=_control, min_size=1, max_size=8),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
)
hostile_number = st.one_of(
    st.sampled_from(HUGE_NUMBERS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
hostile_date = st.one_of(
    st.sampled_from(BAD_DATES),
    st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
)
#: A value for any field or parameter: text, bytes, a number or a date of the wrong sort.
hostile_value = st.one_of(
    st.sampled_from(HUGE_NUMBERS + BAD_DATES + BAD_TEXT),
    hostile_text,
    hostile_number,
    hostile_date,
    st.sampled_from(BAD_BYTES),
)


def explore(strategy, check, examples: int) -> None:
    """Run ``check`` on ``examples`` values drawn from ``strategy`` (Hypothesis, shrinking on
    failure, the same values on every run so CI is repeatable)."""
    examples = max(1, round(examples * SCALE))

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(value):
        check(value)

    run()


class Tally:
    """Per fuzz family: how many were tried and how many went wrong (printed at the end)."""

    def __init__(self):
        self.counts: dict[str, list] = {}

    def add(self, family: str, bad: bool, words=("requests", "server errors")) -> None:
        tried, wrong, _ = self.counts.get(family, (0, 0, words))
        self.counts[family] = [tried + 1, wrong + int(bad), words]

    def lines(self) -> list[str]:
        return [
            f"fuzz {family}: {tried} {words[0]}, {wrong} {words[1]}"
            for family, (tried, wrong, words) in sorted(self.counts.items())
        ]


TALLY = Tally()
