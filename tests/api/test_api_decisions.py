"""Decisions, the batch and the finder through the API, against ``check --json``."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tests.api.conftest import DURING_SHIFT
from tracker.competencies.models import Competency
from tracker.decision.models import DecisionRecord
from tracker.decision.services import public_result
from tracker.extensions import db
from tracker.staff.models import Person

#: Scenarios of the golden and CLI tests on the sample practice: clear, after the shift,
#: in the room, a reserved task, a task with no state rule, an administrative one, another
#: state's site, a delegator who is not a provider, an unknown-rule custom task.
SCENARIOS = [
    {"task": "injection", "site": "main", "at": DURING_SHIFT},
    {"task": "injection", "site": "main", "at": "2026-11-23T18:00:00-08:00"},
    {"task": "injection", "site": "main", "at": DURING_SHIFT, "in_room": True,
     "delegated_by": "dr.lee@example.org"},
    {"task": "diagnosis", "site": "main", "at": DURING_SHIFT},
    {"task": "venipuncture", "site": "main", "at": DURING_SHIFT},
    {"task": "scheduling", "site": "main", "at": DURING_SHIFT},
    {"task": "injection", "site": "north", "at": "2026-11-23T10:00:00-06:00"},
    {"task": "injection", "site": "main", "at": DURING_SHIFT,
     "delegated_by": "manager@example.org"},
    {"task": "spirometry", "site": "main", "at": "2027-03-01T09:00:00-08:00"},
    {"task": "injection", "site": "main", "at": "2027-02-11T10:00:00-08:00"},
]  # fmt: skip


def cli_json(runner, scenario) -> dict:
    args = ["check", "--assistant", "ana@example.org", "--task", scenario["task"],
            "--site", scenario["site"], "--at", scenario["at"], "--json"]  # fmt: skip
    if scenario.get("delegated_by"):
        args += ["--delegated-by", scenario["delegated_by"]]
    if scenario.get("in_room"):
        args.append("--in-room")
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s['task']}-{s['at']}")
def test_the_api_gives_the_same_decision_as_check_json(runner, api, people, make_token,
                                                       scenario):  # fmt: skip
    token = make_token("manager@example.org", ("decide",))
    response = api("POST", "/decisions", token, json={"assistant": "ana@example.org", **scenario})
    assert response.status_code == 200
    body = response.get_json()
    decision_id = body.pop("id")
    assert isinstance(decision_id, int)
    assert body == cli_json(runner, scenario)
    assert list(body)[:5] == ["status", "assistant", "task", "site", "at"]


def test_a_decision_is_kept_in_the_log_with_channel_api_and_who_asked(app, api, people,
                                                                      make_token):  # fmt: skip
    token = make_token("manager@example.org", ("decide",))
    body = api("POST", "/decisions", token, json={"assistant": "ana@example.org",
               "task": "injection", "site": "main"}).get_json()  # fmt: skip
    with app.app_context():
        record = db.session.get(DecisionRecord, body["id"])
        assert record.source == "api"
        assert record.asked_by.email == "manager@example.org"
        assert record.result["status"] == body["status"]


def test_the_batch_answers_in_order_like_single_decisions(app, runner, api, people,
                                                          make_token):  # fmt: skip
    token = make_token("admin@example.org", ("decide",))
    checks = [{"assistant": "ana@example.org", **s} for s in SCENARIOS] * 3
    response = api("POST", "/decisions/batch", token, json={"checks": checks})
    assert response.status_code == 200
    decisions = response.get_json()["decisions"]
    assert len(decisions) == len(checks)
    assert len({d["id"] for d in decisions}) == len(checks)
    with app.app_context():  # each id is the log entry of that very decision
        for decision in decisions:
            record = db.session.get(DecisionRecord, decision["id"])
            assert public_result(record.result) == {k: v for k, v in decision.items()
                                                    if k != "id"}  # fmt: skip
            assert record.at == datetime.fromisoformat(decision["at"])  # its own moment
        made = db.session.scalars(select(DecisionRecord.made_at).where(
            DecisionRecord.id.in_([d["id"] for d in decisions]))).all()  # fmt: skip
        assert len(set(made)) == 1  # made together
    for decision, scenario in zip(decisions, SCENARIOS * 3, strict=True):
        decision.pop("id")
        assert decision == cli_json(runner, scenario)


def test_a_batch_asked_again_after_a_change_sees_the_change(app, api, people, make_token):
    """The batch's facts are kept between requests, but never past a change to them."""
    token = make_token("admin@example.org", ("decide",))
    checks = {"checks": [{"assistant": "ana@example.org", **SCENARIOS[0]}] * 2}
    before = api("POST", "/decisions/batch", token, json=checks).get_json()["decisions"]
    assert [d["status"] for d in before] == ["clear"] * 2
    assert api("POST", "/decisions/batch", token, json=checks).get_json() != before  # new ids
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        for competency in db.session.scalars(
            select(Competency).where(Competency.person_id == ana.id)
        ):
            competency.revoked_on = date(2026, 1, 1)
        db.session.commit()
    after = api("POST", "/decisions/batch", token, json=checks).get_json()["decisions"]
    assert [d["status"] for d in after] == ["flagged"] * 2
    competency = next(c for c in after[0]["conditions"] if c["condition"] == "competency")
    assert not competency["met"]


def test_a_batch_sees_a_changed_email_at_once(app, api, people, make_token):
    """The people a batch names are kept between requests, but never past a change."""
    token = make_token("admin@example.org", ("decide",))
    checks = {"checks": [{"assistant": "ana@example.org", **SCENARIOS[0]}]}
    assert api("POST", "/decisions/batch", token, json=checks).status_code == 200
    assert api("POST", "/decisions/batch", token, json=checks).status_code == 200
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        ana.email = "ana.new@example.org"
        db.session.commit()
    response = api("POST", "/decisions/batch", token, json=checks)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "checks[0].assistant", "message": "no assistant with email ana@example.org"}
    ]
    checks["checks"][0]["assistant"] = "ana.new@example.org"
    assert api("POST", "/decisions/batch", token, json=checks).status_code == 200


def test_an_invalid_batch_item_is_named_and_nothing_is_kept(app, api, people, make_token):
    token = make_token("admin@example.org", ("decide",))
    good = {"assistant": "ana@example.org", "task": "injection", "site": "main"}
    checks = [good, good, good, {**good, "task": "juggling"},
              {**good, "at": "2026-13-40T00:00:00Z"}, {**good, "in_room": "perhaps"},
              {**good, "at": "9999-12-31T23:00:00-05:00"}]  # fmt: skip
    with app.app_context():
        before = db.session.scalar(select(func.count(DecisionRecord.id)))
    response = api("POST", "/decisions/batch", token, json={"checks": checks})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"checks[4].at", "checks[5].in_room", "checks[6].at"} <= fields
    # Shape errors come first; once the shape is right, unknown records are named.
    response = api("POST", "/decisions/batch", token, json={"checks": checks[:4]})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "checks[3].task", "message": "no task with code juggling"}
    ]
    too_many = api("POST", "/decisions/batch", token, json={"checks": [good] * 1001})
    assert too_many.status_code == 422
    assert too_many.get_json()["errors"][0]["field"] == "checks"
    with app.app_context():
        assert db.session.scalar(select(func.count(DecisionRecord.id))) == before


def test_bad_decision_requests_get_problems_naming_the_field(api, people, make_token):
    token = make_token("admin@example.org", ("decide",))
    good = {"assistant": "ana@example.org", "task": "injection", "site": "main"}
    cases = [
        ({**good, "assistant": "x@y"}, "assistant"),
        ({**good, "site": "mars"}, "site"),
        ({**good, "delegated_by": "who@example.org"}, "delegated_by"),
        ({**good, "at": "tomorrow"}, "at"),
        ({**good, "at": "2026-11-23T10:00:00"}, "at"),  # no offset
        ({**good, "at": "0001-01-01T00:00:00+05:00"}, "at"),
        ({**good, "task": "in\x00jection"}, "task"),
        ({"task": "injection", "site": "main"}, "assistant"),
        ({**good, "colour": "blue"}, "colour"),
        ({**good, "\u00b9": 1}, "\u00b9"),  # a superscript digit is a name, not an index
    ]
    for body, field in cases:
        response = api("POST", "/decisions", token, json=body)
        assert response.status_code == 422, body
        assert response.content_type == "application/problem+json"
        assert field in {e["field"] for e in response.get_json()["errors"]}, body
    malformed = api("POST", "/decisions", token, data="{not json",
                    content_type="application/json")  # fmt: skip
    assert malformed.status_code == 400
    wrong_type = api("POST", "/decisions", token, data=json.dumps(good),
                     content_type="text/plain")  # fmt: skip
    assert wrong_type.status_code == 400
    assert wrong_type.content_type == "application/problem+json"


def test_an_assistants_token_asks_only_about_that_assistant(app, api, people, make_token):
    token = make_token("ana@example.org", ("decide",))
    mine = api("POST", "/decisions", token, json={"assistant": "ana@example.org",
               "task": "injection", "site": "main"})  # fmt: skip
    assert mine.status_code == 200
    other = api("POST", "/decisions", token, json={"assistant": "other.ma@example.org",
                "task": "injection", "site": "main"})  # fmt: skip
    assert other.status_code == 403
    batch = api(
        "POST",
        "/decisions/batch",
        token,
        json={
            "checks": [
                {"assistant": "ana@example.org", "task": "injection", "site": "main"},
                {"assistant": "other.ma@example.org", "task": "injection", "site": "main"},
            ]
        },
    )
    assert batch.status_code == 403
    assert api("GET", "/eligible?task=injection&site=main", token).status_code == 403


def test_eligible_lists_clear_first_then_flagged_by_unmet_count(app, api, people, make_token):
    from tracker.catalog.models import Task
    from tracker.competencies.models import Competency

    with app.app_context():
        # other.ma gets a valid competency: only supervision is then unmet for them.
        ana_comp = db.session.scalars(select(Competency)).one()
        other = db.session.scalar(select(Person).where(Person.email == "other.ma@example.org"))
        db.session.add(Competency(person_id=other.id, task_id=ana_comp.task_id,
                                  trained_on=ana_comp.trained_on, training_hours=12,
                                  validated_on=ana_comp.validated_on,
                                  validated_by_id=ana_comp.validated_by_id))  # fmt: skip
        from tests.conftest import PASSWORD  # noqa: F401

        # First by name, last by unmet conditions: the order is by count, not by name.
        third = Person(email="third.ma@example.org", name="Aaron Third", role="assistant",
                       job_level="MA I")  # fmt: skip
        third.sites = list(ana_comp.person.sites)
        db.session.add(third)
        assert db.session.scalar(select(Task).where(Task.code == "injection"))
        db.session.commit()
    token = make_token("compliance@example.org", ("decide",))
    body = api("GET", f"/eligible?task=injection&site=main&at={DURING_SHIFT.replace('+', '%2B')}",
               token).get_json()  # fmt: skip
    assert body["clear"] == ["ana@example.org"]
    assert [f["assistant"] for f in body["flagged"]] == ["other.ma@example.org",
                                                         "third.ma@example.org"]  # fmt: skip
    assert body["flagged"][0]["unmet"] == ["supervision"]
    assert len(body["flagged"][1]["unmet"]) == 3
    assert all(body["flagged"][1]["reasons"])
    assert body["at"] == "2026-11-23T18:00:00Z" and body["reason"] is None
    reserved = api("GET", "/eligible?task=diagnosis&site=main", token).get_json()
    assert reserved["clear"] == [] and reserved["flagged"] == []
    assert "reserved for licensed providers" in reserved["reason"]
    unknown = api("GET", "/eligible?task=juggling&site=main", token)
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["field"] == "task"
