"""The API against an attacker's extremes (security round 2, items 3, 4, 8 and 10): bodies
no parser should take, dates out of the one range every writer keeps, answers no cache
keeps, and answers that tell no one who has an account."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.api.conftest import DURING_SHIFT
from tracker.decision.models import DecisionRecord
from tracker.delegations.models import Delegation
from tracker.extensions import db

DECISION = {"assistant": "ana@example.org", "task": "injection", "site": "main",
            "at": DURING_SHIFT}  # fmt: skip
DELEGATION = {"assistant": "ana@example.org", "task": "injection", "site": "main",
              "scheduled_for": DURING_SHIFT, "delegated_by": "dr.lee@example.org"}  # fmt: skip
STATUS = {"status": "cancelled", "reason": "the patient left"}


@pytest.fixture
def manager(people, make_token):
    return make_token("manager@example.org", ("decide", "read", "write"))


@pytest.fixture
def endpoints(api, manager):
    """Every API endpoint that takes a body, with a body it takes (a delegation to change)."""
    recorded = api("POST", "/delegations", manager, json=DELEGATION)
    assert recorded.status_code == 201
    return {
        "/decisions": DECISION,
        "/decisions/batch": {"checks": [DECISION]},
        "/delegations": DELEGATION,
        f"/delegations/{recorded.get_json()['id']}/status": STATUS,
    }


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(DecisionRecord.id))),
            db.session.scalar(select(func.count(Delegation.id))),
        )


def send(api, token, path, text: str):
    return api("POST", path, token, data=text, headers={"Content-Type": "application/json"})


def assert_refused(response, what, statuses=(400, 422)):
    assert response.status_code in statuses, (what, response.status_code, response.text[:300])
    assert response.mimetype == "application/problem+json", what
    body = response.get_json()
    assert body["status"] == response.status_code and body["detail"], what
    return body


def fields_of(body) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}


def with_value(body: dict, field: str, value) -> dict:
    """``body`` with ``field`` set to ``value`` (in a batch's first check)."""
    if "checks" in body:
        return {"checks": [{**body["checks"][0], field: value}]}
    return {**body, field: value}


# --------------------------------------------------------------------------- item 3: 500s


def test_bodies_no_parser_should_take_are_refused_and_write_nothing(app, api, manager, endpoints):
    before = counts(app)
    for path, body in endpoints.items():
        plain = json.dumps(body)
        hostile = {
            "5,000 nested arrays": "[" * 5000 + "]" * 5000,
            "5,000 nested objects": '{"a":' * 5000 + "1" + "}" * 5000,
            "nested in a field": plain[:-1] + ', "in_room": ' + "[" * 5000 + "]" * 5000 + "}",
            "an integer of 4,400 digits": plain[:-1] + ', "in_room": ' + "7" * 4400 + "}",
            "a body of 4,301 digits": "9" * 4301,
            "a lone surrogate as a key": plain[:-1] + ', "\\ud800": 1}',
        }
        for what, text in hostile.items():
            assert_refused(send(api, manager, path, text), f"{path}: {what}")
        # A lone surrogate in every string of the body, one at a time.
        strings = [k for k, v in (body.get("checks") or [body])[0].items() if isinstance(v, str)]
        assert strings
        for field in strings:
            text = json.dumps(with_value(body, field, "PLACEHOLDER"))
            text = text.replace('"PLACEHOLDER"', '"a\\ud800b"')
            assert_refused(send(api, manager, path, text), f"{path}: surrogate in {field}")
    assert counts(app) == before


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00-12:00",
        "0001-01-01T00:30:00+01:00",
        "9999-12-31T23:59:59+00:00",
        "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:59:59+14:00",
    ],
)
def test_moments_at_the_ends_of_the_calendar_are_422_naming_the_field(
    app, api, manager, endpoints, moment
):
    before = counts(app)
    cases = [
        ("/decisions", with_value(DECISION, "at", moment), "at"),
        ("/decisions/batch", with_value({"checks": [DECISION]}, "at", moment), "checks[0].at"),
        ("/delegations", with_value(DELEGATION, "scheduled_for", moment), "scheduled_for"),
    ]
    for path, body, field in cases:
        response = api("POST", path, manager, json=body)
        assert field in fields_of(assert_refused(response, path, (422,))), response.text
    eligible = api("GET", "/eligible", manager,
                   query_string={"task": "injection", "site": "main", "at": moment})  # fmt: skip
    assert "at" in fields_of(assert_refused(eligible, "eligible", (422,)))
    assert counts(app) == before


# --------------------------------------------------------------------------- item 4: bounds


@pytest.mark.parametrize("year", ["0100", "1899", "2201", "9998"])
def test_the_api_keeps_the_pages_date_range(app, api, manager, endpoints, year):
    """Pages take dates from 1900 to 2200; so does every field of the API (422 naming it)."""
    before = counts(app)
    moment = f"{year}-06-01T10:00:00-07:00"
    cases = [
        ("/decisions", with_value(DECISION, "at", moment), "at"),
        ("/decisions/batch", with_value({"checks": [DECISION]}, "at", moment), "checks[0].at"),
        ("/delegations", with_value(DELEGATION, "scheduled_for", moment), "scheduled_for"),
    ]
    for path, body, field in cases:
        body = assert_refused(api("POST", path, manager, json=body), path, (422,))
        assert any(
            e["field"] == field and "between 1900-01-01 and 2200-12-31" in e["message"]
            for e in body["errors"]
        ), body
    query = {"task": "injection", "site": "main", "at": moment}
    eligible = api("GET", "/eligible", manager, query_string=query)
    assert "at" in fields_of(assert_refused(eligible, "eligible", (422,)))
    for name in ("from", "to"):
        listed = api("GET", "/delegations", manager, query_string={name: f"{year}-06-01"})
        assert name in fields_of(assert_refused(listed, name, (422,)))
    assert counts(app) == before


def test_the_first_and_last_days_of_the_range_are_taken(app, api, manager, people):
    edges = ("1900-01-01T00:00:00+00:00", "2200-12-31T23:59:59+00:00",
             # The same dates as written at the widest offsets: in UTC, 1899 and 2201.
             "1900-01-01T00:00:00+14:00", "2200-12-31T23:59:59-12:00")  # fmt: skip
    for moment in edges:
        decided = api("POST", "/decisions", manager, json={**DECISION, "at": moment})
        assert decided.status_code == 200, moment
        recorded = api("POST", "/delegations", manager,
                       json={**DELEGATION, "scheduled_for": moment})  # fmt: skip
        assert recorded.status_code == 201, moment
        # ... and read back, as the stored record.
        read = api("GET", f"/delegations/{recorded.get_json()['id']}", manager)
        assert read.status_code == 200, moment


def test_the_verbs_themselves_refuse_a_moment_out_of_range(app, practice):
    """Whatever writer calls them: the delegation and the decision log keep the bound."""
    from datetime import UTC, datetime

    from tracker.catalog.models import Task
    from tracker.decision.services import evaluate, record_decision
    from tracker.delegations.services import record_delegation
    from tracker.errors import Refused
    from tracker.sites.models import Site
    from tracker.staff.models import Person

    late = datetime(2201, 1, 2, 10, 0, tzinfo=UTC)
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        lee = db.session.scalar(select(Person).where(Person.email == "dr.lee@example.org"))
        task = db.session.scalar(select(Task).where(Task.code == "injection"))
        site = db.session.scalar(select(Site).where(Site.code == "main"))
        with pytest.raises(Refused) as refused:
            record_delegation(assistant=ana, task=task, site=site, scheduled_for=late,
                              delegated_by=lee, entered_by=lee)  # fmt: skip
        assert refused.value.by_field.keys() == {"scheduled_for"}
        decision = evaluate(ana, task, site, late, lee)
        with pytest.raises(Refused) as refused:
            record_decision(decision, source="api", assistant=ana, task=task, site=site)
        assert refused.value.by_field.keys() == {"at"}
        db.session.rollback()
    assert counts(app) == (0, 0)


# --------------------------------------------------------------------------- item 8: caches


def test_every_api_answer_is_no_store(app, api, manager, endpoints):
    answers = [
        api("POST", "/decisions", manager, json=DECISION),
        api("GET", "/delegations", manager),
        api("GET", "/delegations/1", manager),
        api("GET", "/people/ana@example.org/training-file", manager),
        api("POST", "/decisions", manager, json={**DECISION, "task": "nothing"}),  # 422
        api("GET", "/delegations"),  # 401
        api("GET", "/delegations/999", manager),  # 404
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 422, 401, 404]
    for answer in answers:
        assert answer.headers["Cache-Control"] == "no-store", answer.status_code


# --------------------------------------------------------------------------- item 10


def test_an_assistants_token_cannot_tell_who_has_an_account(app, api, people, make_token):
    """Another person's email and no one's get the very same answer."""
    token = make_token("ana@example.org", ("decide", "read"))

    def answers(email):
        single = api("POST", "/decisions", token, json={**DECISION, "assistant": email})
        batch = api("POST", "/decisions/batch", token,
                    json={"checks": [DECISION, {**DECISION, "assistant": email}]})  # fmt: skip
        listed = api("GET", "/delegations", token, query_string={"assistant": email})
        delegator = api("POST", "/decisions", token, json={**DECISION, "delegated_by": email})
        return [(r.status_code, r.get_json()) for r in (single, batch, listed, delegator)]

    emails = ["other.ma@example.org", "OTHER.MA@example.org", "manager@example.org",
              "nobody@example.org"]  # fmt: skip
    found = [answers(email) for email in emails]
    assert [status for status, _ in found[0]] == [403, 403, 403, 422]
    # Word for word alike, but for the email a message names back.
    alike = [json.dumps(a).replace(email, "EMAIL") for a, email in zip(found, emails, strict=True)]
    assert len(set(alike)) == 1, alike
    # Asking about oneself, with one's provider, still works.
    own = api("POST", "/decisions", token, json={**DECISION, "delegated_by": "dr.lee@example.org"})
    assert own.status_code == 200


@pytest.mark.parametrize("character", ["\x85", "\x9b", "\x80", "\x9f", "\x1b", "\x00", "\x7f"])
def test_control_characters_are_refused_in_text_fields_and_notes(
    app, api, manager, endpoints, character
):
    before = counts(app)
    text = f"room 4{character}[31m"
    cases = [
        ("/delegations", {**DELEGATION, "notes": text}, "notes"),
        ("/delegations", {**DELEGATION, "task": "injection" + character}, "task"),
        ("/decisions", {**DECISION, "site": "main" + character}, "site"),
        ("/decisions/batch", {"checks": [{**DECISION, "assistant": text}]}, "checks[0].assistant"),
    ]
    status_path = next(p for p in endpoints if p.endswith("/status"))
    cases.append((status_path, {"status": "cancelled", "reason": text}, "reason"))
    for path, body, field in cases:
        response = api("POST", path, manager, json=body)
        assert field in fields_of(assert_refused(response, path, (422,))), (field, response.text)
    assert counts(app) == before


def test_notes_keep_line_breaks_and_tabs_as_the_pages_do(app, api, manager, people):
    notes = "room 4\r\nbring the chart\tplease"
    recorded = api("POST", "/delegations", manager, json={**DELEGATION, "notes": notes})
    assert recorded.status_code == 201
    assert recorded.get_json()["notes"] == notes
    one_line = api("POST", "/decisions", manager, json={**DECISION, "task": "inject\tion"})
    assert "task" in fields_of(assert_refused(one_line, "tab in a code", (422,)))
