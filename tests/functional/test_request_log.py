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


# --------------------------------------------------------------- security round 2, item 6

FORGED = "[2026-12-05 09:00:00,000] INFO tracker.requests: request method=GET path=/ FORGED"


def assert_one_line_each(caplog) -> None:
    """Every record is one line of printable text, however it is formatted."""
    for record in caplog.records:
        text = logging.Formatter("%(message)s").format(record)
        if record.exc_info or "Traceback" in text or record.levelno >= logging.ERROR:
            # A traceback keeps the code's own line breaks; no line of it is forged.
            assert not any(line.startswith("[20") for line in text.splitlines()), text
        else:
            assert "\n" not in text and "\r" not in text, text
        assert "\x1b" not in text and "\x9b" not in text and "\u2028" not in text, text


def test_a_path_cannot_forge_a_log_line_or_drive_the_terminal(client, caplog):
    caplog.set_level(logging.INFO)
    path = "/x%0A" + FORGED.replace(" ", "%20") + "%1B[31m%0D%C2%9B%E2%80%A8"

    response = client.get(path)

    assert response.status_code == 404
    assert_one_line_each(caplog)
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.requests"]
    assert len(lines) == 1
    assert "path=/x\\x0a[2026-12-05" in lines[0] and "FORGED\\x1b[31m\\x0d" in lines[0]
    assert "\\x9b\\u2028 status=404" in lines[0]
    assert caplog.text.count("FORGED") == 1
    assert len(caplog.text.splitlines()) == len(caplog.records)


def test_what_a_library_logs_is_escaped_too(app, client, make_person, caplog):
    """Flask-Limiter names the key of a breached limit: it holds neither the email typed
    nor the line it carried."""
    caplog.set_level(logging.DEBUG)
    make_person("ana@example.org")
    typed = f"ana@example.org\n{FORGED}\x1b[2J"
    for _ in range(6):
        client.post("/login", data={"email": typed, "password": "wrong-password-1"})
    limiter_lines = [r for r in caplog.records if r.name.startswith("flask-limiter")]
    assert any("exceeded" in r.getMessage() for r in limiter_lines)
    assert_one_line_each(caplog)
    assert "FORGED" not in caplog.text
    assert "ana@example.org" not in caplog.text


def test_every_logger_escapes_values_messages_and_exception_words(app, caplog):
    caplog.set_level(logging.INFO)
    library = logging.getLogger("some.library")
    library.info("asked for %s by %r", f"x\n{FORGED}", {"who": "\x1b[31m"})
    library.info(f"an f-string of a value: x\r\n{FORGED}")
    library.info("%(uri)s %(status)d", {"uri": f"/a\n{FORGED}", "status": 404})
    try:
        try:
            raise RuntimeError(f"first\n{FORGED}")
        except RuntimeError as first:
            raise ValueError(f"then\n{FORGED}\x1b[2J") from first
    except ValueError:
        library.exception("failed on %s", "a value")
    assert_one_line_each(caplog)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("asked for x\\x0a[2026") and "'\\x1b[31m'" in messages[0]
    assert messages[2].endswith("FORGED 404")
    formatted = logging.Formatter().format(caplog.records[-1])
    assert "then\\x0a[2026-12-05" in formatted and "\\x1b[2J" in formatted
    assert "first\\x0a[2026" in formatted  # the cause, escaped as well
    assert 'raise ValueError(f"then\\n{FORGED}\\x1b[2J") from first' in formatted  # the code


def test_no_email_from_an_api_path_reaches_the_log(app, client, make_person, caplog):
    from tracker.api.tokens import create_token
    from tracker.audit.services import CLI
    from tracker.staff.models import Person
    from tracker.vocabulary import Role

    caplog.set_level(logging.DEBUG)
    make_person("manager@example.org", Role.manager)
    make_person("ana.ruiz@example.org")
    with app.app_context():
        manager = db.session.query(Person).filter_by(email="manager@example.org").one()
        token, _ = create_token(manager, "t", ("read",), None, CLI)
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}

    found = client.get("/api/v1/people/ana.ruiz@example.org/training-file", headers=headers)
    missing = client.get("/api/v1/people/no.one@example.org/training-file", headers=headers)

    assert (found.status_code, missing.status_code) == (200, 404)
    paths = [line[1] for line in request_lines(caplog)]
    assert paths == ["/api/v1/people/<email>/training-file"] * 2
    assert "ana.ruiz" not in caplog.text and "no.one" not in caplog.text
