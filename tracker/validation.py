"""The one place that bounds what comes in: whole numbers, dates and text.

Every way a value reaches the app goes through here:

- path ids: the ``int`` URL converter (``BoundedIntConverter``) matches only ids a database
  column can hold, so ``/staff/99999999999999999999`` is a plain 404;
- query strings and form bodies read directly: ``request.args.get(name, type=int)`` goes
  through ``BoundedParameters``, which treats an out-of-range number like any other
  unreadable one (the default); any control character in a query string or a path is a 400
  with a clear message (``refuse_control_characters``);
- forms: every form derives from ``tracker.forms.TrackerForm``, whose guard runs first on
  each field with ``unfit_value`` below.

The same words serve the practice file, the CSV import and the API, so no entry point
accepts what another refuses.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import available_timezones

from flask import Request, current_app
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, ValidationError

from tracker import dates
from tracker.dates import zone

#: Ids, page numbers and counts: what a 32-bit signed integer column holds.
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
#: The dates the practice's records may carry (also the bounds of every date and datetime).
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2200, 12, 31)
#: The first and last instants of those dates anywhere on earth (UTC+14 to UTC-12): a moment
#: with its offset is taken when some zone's calendar puts it in range. The instant decides,
#: so a moment reads the same as typed and as the verbs get it (in UTC).
MOMENT_MIN = datetime.combine(DATE_MIN, time.min, UTC) - timedelta(hours=14)
MOMENT_MAX = datetime.combine(DATE_MAX, time.max, UTC) + timedelta(hours=12)
#: The largest decimal a number field takes (training hours, months and the like).
NUMBER_MAX = 1_000_000_000

#: No spaces and no control characters (PostgreSQL refuses NUL in text, even in a query).
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f-\x9f]+"
EMAIL_RE = re.compile(rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$")
#: A record's code: letters, digits, '-', '_' and '.', starting with a letter or digit.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@lru_cache(maxsize=1)
def timezones() -> frozenset[str]:
    """The IANA time zones this machine knows."""
    return frozenset(available_timezones())


#: Control characters; tab and line breaks are allowed only in multi-line text. PostgreSQL
#: refuses NUL in text (even in a query); SQLite would store it silently: both refuse here.
#: C1 controls (U+0080-U+009F) too, in every text: terminals act on them (CSI), and NEL
#: breaks a line.
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: The C0 controls and DEL that no text holds (named as such; the rest: "one line").
_CONTROL_C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: What a one-line field (a name, a code, a title, a reason) never holds (DESIGN section
#: 14): C0 controls with tab, CR and LF, DEL, C1 controls (U+0085 is a line break too), the
#: Unicode line and paragraph separators, and the bidi embeddings, overrides and isolates
#: that make a name read backwards. A CR/LF in a name reaches mail headers and logs.
_CONTROL_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

TEXT_MESSAGE = "Remove the control characters (such as NUL or escape) from this text."
ONE_LINE_MESSAGE = (
    "This must be a single line, without tabs, line breaks, control characters or "
    "direction overrides."
)
SURROGATE_MESSAGE = "This text holds an invalid Unicode character."
DATE_MESSAGE = f"Give a date between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}."
INT_MESSAGE = f"Give a whole number between {INT_MIN} and {INT_MAX}."
NUMBER_MESSAGE = f"Give a number between {-NUMBER_MAX} and {NUMBER_MAX}."


def unfit_text(value: str, multiline: bool = False) -> str | None:
    """Why this text cannot be taken, or None (one line unless ``multiline``)."""
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL_ONE_LINE
    if pattern.search(value):
        if not multiline and not _CONTROL_C0.search(value):
            return ONE_LINE_MESSAGE
        return TEXT_MESSAGE
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def check_one_line(problems, **fields: str | None) -> None:
    """Add to ``problems`` (``tracker.errors.Problems``) one problem for each one-line text
    (a name, a code, a title, a reason) holding a line break, a tab, a control character or
    a bidi override (DESIGN section 14): the one check every verb runs, whoever called it."""
    for field, value in fields.items():
        problem = unfit_text(value, multiline=False) if isinstance(value, str) else None
        if problem:
            problems.add(field, problem)


def as_one_line(text: str) -> str:
    """Stored text made fit for one line (a mail header): what a one-line field refuses
    becomes a space, and runs of white space one space. For text stored before the rule."""
    return " ".join(_CONTROL_ONE_LINE.sub(" ", text).split())


def unfit_value(value) -> str | None:
    """Why this parsed value is out of the supported range, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return None if INT_MIN <= value <= INT_MAX else INT_MESSAGE
    if isinstance(value, float | Decimal):
        if not math.isfinite(value) or abs(value) > NUMBER_MAX:
            return NUMBER_MESSAGE
        return None
    if isinstance(value, datetime):
        if value.utcoffset() is not None:
            return None if MOMENT_MIN <= value <= MOMENT_MAX else DATE_MESSAGE
        value = value.date()  # a form's local time: its date
    if isinstance(value, date):
        return None if DATE_MIN <= value <= DATE_MAX else DATE_MESSAGE
    if isinstance(value, str):
        return unfit_text(value, multiline=True)
    if isinstance(value, list | tuple):
        return next((m for m in map(unfit_value, value) if m), None)
    return None


def bounded_int(text) -> int:
    """``int(text)`` for ids and counts; ValueError past what a column holds."""
    if isinstance(text, str) and len(text.strip()) > 12:
        raise ValueError("too long for a whole number")
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise ValueError(INT_MESSAGE)
    return value


def refuse_out_of_range(field: str, value: date | datetime) -> None:
    """A verb's own check of the bound: ``Refused`` naming ``field`` when ``value`` (a date,
    or a moment: ``MOMENT_MIN`` to ``MOMENT_MAX``) is outside 1900-2200."""
    if unfit_value(value):
        from tracker.errors import Refused

        raise Refused.because(DATE_MESSAGE, field)


def bounded_date(text: str) -> date:
    """``date.fromisoformat`` inside the supported range; ValueError otherwise."""
    value = date.fromisoformat(text)
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(DATE_MESSAGE)
    return value


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` in a route: ids from 0 to 2^31-1; anything larger does not match (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str):
        if len(value) > 12:  # int() of thousands of digits is slow, then refused anyway
            raise ValidationError()
        return super().to_python(value)


class BoundedParameters(ImmutableMultiDict):
    """Query strings and form bodies: ``get(name, type=int)`` refuses numbers past a column
    (the caller's default is used, as for any unreadable number)."""

    def get(self, key, default=None, type=None):  # noqa: A002 (the MultiDict signature)
        if type is int:
            type = bounded_int
        return super().get(key, default=default, type=type)


#: Room an upload's body has beyond the file itself: the form's other fields and the
#: multipart framing.
UPLOAD_FORM_ALLOWANCE = 64 * 1024


def accepts_upload(view):
    """Mark a view that takes a file: its body may be MAX_UPLOAD_MB (and the form's fields)
    instead of MAX_CONTENT_LENGTH. Checked from the Content-Length before the body is read."""
    view.accepts_upload = True
    return view


class TrackerRequest(Request):
    parameter_storage_class = BoundedParameters

    @property
    def max_content_length(self) -> int | None:
        """The body limit: MAX_CONTENT_LENGTH, or MAX_UPLOAD_MB on a view that takes a file.

        Read when the body is first parsed (by the CSRF check, before the view runs), so the
        limit follows the matched endpoint rather than being set inside the view.
        """
        if self._max_content_length is None and current_app and self.endpoint:
            view = current_app.view_functions.get(self.endpoint)
            if getattr(view, "accepts_upload", False):
                mb = current_app.config["MAX_UPLOAD_MB"]
                return mb * 1024 * 1024 + UPLOAD_FORM_ALLOWANCE
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def refuse_control_characters():
    """A query string or path holding a control character: 400 with a clear message.

    Tab and line breaks pass here (a pasted link may carry them, and no database minds
    them); a form read from the query string still refuses them in one-line fields."""
    from flask import request

    from tracker.errors import render_error

    values = [*request.args.keys(), *request.args.values()]
    values += [v for v in (request.view_args or {}).values() if isinstance(v, str)]
    if any(unfit_text(v, multiline=True) for v in values):
        return render_error(
            400, "The address holds a control character (such as NUL); remove it and try again."
        )
    return None


def install_bounds(app) -> None:
    """Bounded ids in every route and parameter, and clean text in every address.

    Call before any blueprint is registered: routes take their converters when added.
    """
    app.request_class = TrackerRequest
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_control_characters)


def parse_moment(value: str | None, timezone: str) -> datetime:
    """An ISO-8601 moment; without an offset it is read in the site's time zone.

    No value means now; an empty or unreadable one, or one so close to year 1 or 9999 that
    it has no date in UTC or in the site's zone, is a ValueError.
    """
    if value is None:
        return dates.now_to_the_second()
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("is not an ISO-8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(timezone))
    if unfit_value(moment):  # the supported range of every date (1900-2200)
        raise ValueError("is out of range (1900-01-01 to 2200-12-31)")
    try:
        moment.astimezone(UTC)
        moment.astimezone(zone(timezone))
    except OverflowError:
        raise ValueError("is out of range") from None
    return moment


def normalise_email(email: str | None) -> str:
    """An email as stored and compared: trimmed and lower-cased."""
    return (email or "").strip().lower()
