"""Logs for operators: a line per request with its id, errors with the id, never a value."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy.exc import IntegrityError

from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.staff.models import License

LINE = re.compile(
    r"request method=(\w+) path=(\S+) status=(\d+) duration_ms=[\d.]+ request_id=([\w.-]+)$"
)


def request_lines(caplog):
    return [
        LINE.match(r.getMessage()).groups()
        for r in caplog.records
        if r.name == "tracker.requests" and LINE.match(r.getMessage())
    ]


def test_each_request_is_one_line_with_its_id_also_sent_back(client, caplog):
    caplog.set_level(logging.INFO, logger="tracker.requests")
    first = client.get("/login")
    second = client.get("/nowhere")
    lines = request_lines(caplog)
    assert [line[:3] for line in lines] == [("GET", "/login", "200"), ("GET", "/nowhere", "404")]
    ids = [line[3] for line in lines]
    assert ids == [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert ids[0] != ids[1]


def test_a_callers_request_id_is_kept_and_a_hostile_one_replaced(client, caplog):
    caplog.set_level(logging.INFO, logger="tracker.requests")
    kept = client.get("/login", headers={"X-Request-Id": "lb-1234abcd"})
    assert kept.headers["X-Request-Id"] == "lb-1234abcd"
    replaced = client.get("/login", headers={"X-Request-Id": "x forged=log line"})
    assert "forged" not in replaced.headers["X-Request-Id"]
    assert "forged" not in caplog.text


def test_no_password_csrf_token_or_form_value_reaches_the_log(app, client, make_person, caplog):
    caplog.set_level(logging.DEBUG)
    make_person("ana@example.org")
    client.post("/login?next=/secret-next", data={"email": "ana@example.org", "password": PASSWORD})
    client.post(
        "/login",
        data={"email": "ana@example.org", "password": "wrong-" + PASSWORD, "csrf_token": "tok-123"},
    )
    assert ("POST", "/login", "302") in [line[:3] for line in request_lines(caplog)]
    for secret in (PASSWORD, "tok-123", "ana@example.org", "secret-next"):
        assert secret not in caplog.text


def test_a_server_error_is_logged_with_the_request_id_and_without_its_message(
    app, client, make_person, caplog
):
    caplog.set_level(logging.INFO)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a 500 page, not a raise

    def broken(**kwargs):
        from flask import request

        raise ValueError(request.args["name"])  # a message quoting a value from the request

    app.view_functions["auth.login"] = broken
    response = client.get("/login?name=patient-name-in-a-message")
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert f"request_id={request_id}" in errors[0].getMessage()
    assert "ValueError" in errors[0].getMessage()
    assert "patient-name-in-a-message" not in caplog.text
    assert ("GET", "/login", "500", request_id) in request_lines(caplog)


def test_database_errors_keep_the_values_out_of_their_message(app):
    with app.app_context():
        db.session.add(License(person_id=987654, type="MD", number="SECRET-NUMBER", state="CA"))
        with pytest.raises(IntegrityError) as raised:
            db.session.flush()
        db.session.rollback()
    # The bound values are hidden (PostgreSQL's own detail may still name the missing key,
    # which is why an error's message never reaches the log at all).
    assert "SQL parameters hidden" in str(raised.value)
    assert "SECRET-NUMBER" not in str(raised.value)
