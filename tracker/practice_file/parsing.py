"""Read the practice file's values, collecting problems with where they are in the file."""

from __future__ import annotations

import math
import re
from datetime import datetime

from tracker.errors import Problem
from tracker.validation import CODE_RE, DATE_MAX, DATE_MIN, EMAIL_RE, bounded_date, timezones
from tracker.vocabulary import US_STATES

#: Control characters other than tab and line breaks: PostgreSQL refuses NUL in text.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: The entry does not have the key (an upsert leaves the stored value alone).
ABSENT = object()
#: The value was bad; a problem has been recorded.
INVALID = object()


def nothing(value) -> bool:
    return value is ABSENT or value is INVALID or value is None


class Reader:
    """Reads one entry of a section; each bad value becomes a problem naming its place."""

    def __init__(
        self,
        entry: dict,
        where: str,
        problems: list[Problem],
        not_null: frozenset[str] = frozenset(),
    ):
        self.entry = entry
        self.where = where
        self.problems = problems
        #: Keys whose column cannot be empty: null there is a problem, not "no value".
        self.not_null = not_null

    def loc(self, key: str) -> str:
        return f"{self.where}.{key}"

    def problem(self, key: str | None, message: str) -> None:
        self.problems.append(Problem(key, message, self.where))

    def has(self, key: str) -> bool:
        return key in self.entry

    def raw(self, key: str, required: bool, expected: str = "a value"):
        if key not in self.entry or self.entry[key] is None:
            if required:
                self.problem(key, "is required")
                return INVALID
            if key in self.entry and key in self.not_null:
                self.problem(key, f"must be {expected}, not null")
                return INVALID
            return ABSENT if key not in self.entry else None
        return self.entry[key]

    def text(self, key: str, required: bool = False, max_len: int = 200, pattern=None):
        value = self.raw(key, required, "text")
        if nothing(value):
            return value
        if not isinstance(value, str):
            self.problem(key, f"must be text, not {_json_type(value)}")
            return INVALID
        value = value.strip()
        unfit = _unfit_text(value)
        if unfit:
            self.problem(key, unfit)
            return INVALID
        if required and not value:
            self.problem(key, "must not be empty")
            return INVALID
        if len(value) > max_len:
            self.problem(key, f"is {len(value)} characters long; at most {max_len} are allowed")
            return INVALID
        if pattern is not None and value and not pattern.match(value):
            self.problem(key, f"{_short(value)} may hold only letters, digits, '-', '_' and '.'")
            return INVALID
        return value

    def code(self, key: str, required: bool = True):
        return self.text(key, required, max_len=64, pattern=CODE_RE)

    def email(self, key: str, required: bool = True):
        value = self.text(key, required, max_len=254)
        if isinstance(value, str):
            value = value.lower()
            if not EMAIL_RE.match(value):
                self.problem(key, f"{_short(value)} is not an email address")
                return INVALID
        return value

    def state(self, key: str, required: bool = True):
        value = self.text(key, required, max_len=64)
        if isinstance(value, str):
            if value.upper() not in US_STATES:
                self.problem(key, f"{_short(value)} is not a two-letter US state code")
                return INVALID
            value = value.upper()
        return value

    def timezone(self, key: str, required: bool = True):
        value = self.text(key, required, max_len=64)
        if isinstance(value, str) and value not in timezones():
            self.problem(key, f"{_short(value)} is not an IANA time zone (e.g. America/Chicago)")
            return INVALID
        return value

    def boolean(self, key: str, required: bool = False):
        value = self.raw(key, required, "true or false")
        if nothing(value):
            return value
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false, not {_short(value)}")
            return INVALID
        return value

    def number(self, key: str, required: bool = False, integer: bool = False, minimum=0):
        value = self.raw(key, required, "a number")
        if nothing(value):
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(key, f"must be a number, not {_short(value)}")
            return INVALID
        # Range first: a huge whole number cannot even be turned into a float.
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(key, f"must be a finite number, not {_short(value)}")
            return INVALID
        if minimum is not None and value < minimum:
            self.problem(key, f"must be at least {minimum}, not {_short(value)}")
            return INVALID
        if value > 100_000:
            self.problem(key, f"{_short(value)} is out of range")
            return INVALID
        if integer and not float(value).is_integer():
            self.problem(key, f"must be a whole number, not {_short(value)}")
            return INVALID
        return int(value) if integer else float(value)

    def day(self, key: str, required: bool = False):
        value = self.raw(key, required, "a date in the form YYYY-MM-DD")
        if nothing(value):
            return value
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            self.problem(key, f"{_short(value)} is not a date in the form YYYY-MM-DD")
            return INVALID
        try:
            return bounded_date(value)
        except ValueError as exc:
            if "between" in str(exc):
                self.problem(key, f"{_short(value)} is out of range ({DATE_MIN} to {DATE_MAX})")
            else:
                self.problem(key, f"{_short(value)} is not a real date")
            return INVALID

    def moment(self, key: str, required: bool = False):
        value = self.raw(key, required, "an ISO-8601 date and time")
        if nothing(value):
            return value
        try:
            if not isinstance(value, str) or len(value) < 16:
                raise ValueError
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.problem(
                key, f"{_short(value)} is not an ISO-8601 date and time (2026-11-23T08:00:00-08:00)"
            )
            return INVALID
        if parsed.tzinfo is None:
            self.problem(key, f"{_short(value)} has no UTC offset; add one, e.g. -08:00 or Z")
            return INVALID
        if not DATE_MIN <= parsed.date() <= DATE_MAX:
            self.problem(key, f"{_short(value)} is out of range ({DATE_MIN} to {DATE_MAX})")
            return INVALID
        return parsed

    def choice(self, key: str, enum_cls, required: bool = True):
        allowed = ", ".join(m.value for m in enum_cls)
        value = self.raw(key, required, f"one of: {allowed}")
        if nothing(value):
            return value
        try:
            return enum_cls(value)
        except ValueError:
            self.problem(key, f"{_short(value)} is not one of: {allowed}")
            return INVALID

    def text_list(self, key: str, max_len: int = 64):
        if key not in self.entry:
            return ABSENT
        value = self.entry[key]
        if value is None:  # null, like an empty list: no job levels, no credentials
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, "must be a list of text values")
            return INVALID
        cleaned = []
        for index, item in enumerate(value):
            item = item.strip()
            if not item or len(item) > max_len:
                self.problem(f"{key}[{index}]", f"must be 1 to {max_len} characters")
                return INVALID
            unfit = _unfit_text(item)
            if unfit:
                self.problem(f"{key}[{index}]", unfit)
                return INVALID
            if item not in cleaned:
                cleaned.append(item)
        return cleaned


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _unfit_text(value: str) -> str | None:
    """Why the text cannot be stored, or None: control characters, broken Unicode."""
    if CONTROL_RE.search(value):
        return "must not hold control characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds an invalid Unicode character (a lone surrogate)"
    return None


def _json_type(value) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)
