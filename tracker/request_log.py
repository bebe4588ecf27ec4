"""Logs for operators: one line per request, errors with the request's id, and no values.

Each request gets an id (the caller's ``X-Request-Id`` when it is a plain token, else a new
one), sent back in the ``X-Request-Id`` header and written on its log line::

    request method=POST path=/login status=302 duration_ms=41.7 request_id=4f0c…

Only the method, the path (never the query string), the status and the time are logged: no
form value, password, token or CSRF token. A path segment holding an email (the API's
``/people/<email>/training-file``) is logged as ``<email>``. An error is logged with the
request id, the exception's type and where it was raised, without its message (which may
quote a value); the database engine hides bound parameters from its own error messages.

No value can write a line of its own or drive the operator's terminal: every log record made
in the process, by this app or a library (Flask-Limiter, Werkzeug, gunicorn), has the control
characters of its values escaped (``log_safe``: ``\n`` becomes ``\x0a``, ESC ``\x1b``) by
the log record factory ``install_request_log`` sets, before any handler formats it. Only the
text the code itself wrote (format strings, a traceback's frames) keeps its line breaks.
"""

from __future__ import annotations

import logging
import numbers
import re
import time
import traceback
import uuid
from collections.abc import Mapping

from flask import g, request

REQUEST_ID_HEADER = "X-Request-Id"
_PLAIN_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

log = logging.getLogger("tracker.requests")


#: What a logged value may not carry as it is: C0 and C1 control characters (line breaks,
#: ESC and the terminal sequences it starts), DEL, Unicode's line and paragraph separators,
#: and the bidirectional controls that make a line read other than it is.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_EMAIL_SEGMENT = re.compile(r"[^/]*@[^/]*")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def log_safe(text: str) -> str:
    """``text`` with each control character written as an escape (``\\x0a``, ``\\x1b``)."""
    return _UNSAFE.sub(_escape, text)


class Verbatim(str):
    """Text the code itself wrote (a traceback's frames): logged with its line breaks."""


class _Escaped:
    """A logged object, shown (``%s`` or ``%r``) with its control characters escaped."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __str__(self) -> str:
        return log_safe(str(self.value))

    def __repr__(self) -> str:
        return log_safe(repr(self.value))


class _EscapedMapping(Mapping):
    """A ``%(name)s`` record's values (gunicorn's access log), each escaped when read."""

    def __init__(self, values: Mapping):
        self._values = values

    def __getitem__(self, key):
        return _safe_arg(self._values[key])

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _safe_arg(value):
    if isinstance(value, Verbatim | numbers.Number) or value is None:
        return value  # numbers stay numbers, for %d and %.1f
    if isinstance(value, str):
        return log_safe(value)
    return _Escaped(value)


def _safe_exception_text(exc_info) -> str:
    """The traceback as logging writes it, but each exception's own words escaped (its
    frames are the code's; its message may quote a value)."""
    described = traceback.TracebackException(*exc_info)
    seen: set[int] = set()
    pending = [described]
    while pending:
        one = pending.pop()
        if one is None or id(one) in seen:
            continue
        seen.add(id(one))
        words = one.format_exception_only
        one.format_exception_only = lambda words=words: (
            log_safe(line.removesuffix("\n")) + "\n" for line in words()
        )
        pending += [one.__cause__, one.__context__, *(getattr(one, "exceptions", None) or ())]
    return "".join(described.format()).removesuffix("\n")


def _escaping_factory(make_record):
    def make(*args, **kwargs):
        record = make_record(*args, **kwargs)
        if isinstance(record.args, Mapping) and record.args:
            record.args = _EscapedMapping(record.args)
        elif record.args:
            record.args = tuple(_safe_arg(a) for a in record.args)
        elif not isinstance(record.msg, Verbatim):
            record.msg = log_safe(str(record.msg))  # no arguments: the message may be a value
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = _safe_exception_text(record.exc_info)
        return record

    make.escapes_control_characters = True
    return make


def escape_every_log_record() -> None:
    """Set the process's log record factory to escape every record's values (once)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "escapes_control_characters", False):
        logging.setLogRecordFactory(_escaping_factory(current))


def logged_path(path: str) -> str:
    """The path as logged: a segment holding an email (``@``) written ``<email>``."""
    return _EMAIL_SEGMENT.sub("<email>", path) if "@" in path else path


def _request_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _PLAIN_ID.match(given) else uuid.uuid4().hex


def current_request_id() -> str | None:
    return g.get("request_id")


def install_request_log(app) -> None:
    escape_every_log_record()
    app.logger  # noqa: B018 (Flask adds its stderr handler on first use)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)

    @app.before_request
    def _start():
        g.request_id = _request_id()
        # A duration, not a time of day: the clock rule (tracker.dates) is not concerned.
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id") or _request_id()
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started else 0.0
        log.info(
            "request method=%s path=%s status=%s duration_ms=%.1f request_id=%s",
            request.method,
            logged_path(request.path),
            response.status_code,
            duration,
            request_id,
        )
        return response

    def log_exception(exc_info):
        """Flask's error log, without the exception's message (it may quote a value)."""
        kind, _, tb = exc_info
        where = "".join(traceback.format_list(traceback.extract_tb(tb)))
        app.logger.error(
            "error request_id=%s method=%s path=%s exception=%s.%s\n%s",
            g.get("request_id"),
            request.method,
            logged_path(request.path),
            kind.__module__,
            kind.__qualname__,
            Verbatim(where.rstrip()),
        )

    app.log_exception = log_exception
