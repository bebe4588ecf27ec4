"""Logs for operators: one line per request, errors with the request's id, and no values.

Each request gets an id (the caller's ``X-Request-Id`` when it is a plain token, else a new
one), sent back in the ``X-Request-Id`` header and written on its log line::

    request method=POST path=/login status=302 duration_ms=41.7 request_id=4f0c…

Only the method, the path (never the query string), the status and the time are logged: no
form value, password, token or CSRF token. An error is logged with the request id, the
exception's type and where it was raised, without its message (which may quote a value);
the database engine hides bound parameters from its own error messages.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid

from flask import g, request

REQUEST_ID_HEADER = "X-Request-Id"
_PLAIN_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

log = logging.getLogger("tracker.requests")


def _request_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _PLAIN_ID.match(given) else uuid.uuid4().hex


def current_request_id() -> str | None:
    return g.get("request_id")


def install_request_log(app) -> None:
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
            request.path,
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
            request.path,
            kind.__module__,
            kind.__qualname__,
            where.rstrip(),
        )

    app.log_exception = log_exception
