"""Declined-task incidents through the pages: log, decline a delegation, addenda, review."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tracker.audit.models import AuditEvent
from tracker.catalog.models import Task
from tracker.db_types import utcnow
from tracker.delegations.models import Delegation
from tracker.delegations.services import record_delegation
from tracker.extensions import db
from tracker.incidents import services
from tracker.incidents.models import Incident, IncidentAddendum
from tracker.incidents.services import DeclineAccount
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import DeclineReason, DelegationStatus, IncidentStatus, Role

LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def people(app, practice, make_person):
    """Sign-in-able people at the sample practice's Main St site (California); their ids."""
    ids = {
        "alma": make_person("alma@example.org", Role.assistant, "Alma Assistant", sites=("main",)),
        "bea": make_person("bea@example.org", Role.assistant, "Bea Assistant", sites=("main",)),
        "lee": make_person("lee@example.org", Role.provider, "Dr. Lee Ask", sites=("main",)),
        "cora": make_person("cora@example.org", Role.compliance, "Cora Compliance"),
        "max": make_person("max@example.org", Role.manager, "Max Manager"),
    }
    with app.app_context():
        ids["main"] = db.session.scalar(select(Site.id).where(Site.code == "main"))
        ids["injection"] = db.session.scalar(select(Task.id).where(Task.code == "injection"))
    return ids


@pytest.fixture
def login(auth):
    def sign_in(name: str):
        auth.logout()
        response = auth.login(f"{name}@example.org")
        assert response.status_code == 302, f"{name} could not sign in"

    return sign_in


def form_data(people, **overrides) -> dict:
    when = datetime.now(LA) - timedelta(hours=1)
    data = {
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "site_id": people["main"],
        "requester_id": people["lee"],
        "requester_name": "",
        "requester_role": "",
        "task_id": people["injection"],
        "task_description": "",
        "what_was_asked": "Give the flu shot in room 3 while Dr. Lee is out",
        "what_was_said": "I'm not trained for injections yet.",
        "reason": "not_trained",
        "raised_with": [people["cora"]],
        "steps": ["paused", "said_what_needed", "documented"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count(app, model=Incident) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def log_directly(app, people, who="alma", requester="lee", days_ago=1.0) -> int:
    with app.app_context():
        incident = services.log_incident(
            DeclineAccount(
                occurred_at=utcnow() - timedelta(days=days_ago),
                what_was_asked="Start an IV",
                what_was_said="Not in my scope here.",
                reason=DeclineReason.outside_scope,
            ),
            logged_by=db.session.get(Person, people[who]),
            site=db.session.get(Site, people["main"]),
            requester=db.session.get(Person, people[requester]),
            task=db.session.get(Task, people["injection"]),
        )
        db.session.commit()
        return incident.id


# --------------------------------------------------------------------------- logging


def test_the_form_defaults_to_now_on_the_sites_clock_and_teaches_each_step(client, people, login):
    login("alma")
    before = datetime.now(LA).strftime("%Y-%m-%dT%H:%M")
    page = client.get("/incidents/new").get_data(as_text=True)
    after = datetime.now(LA).strftime("%Y-%m-%dT%H:%M")
    shown = re.search(r'name="occurred_at"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="occurred_at"', page
    )
    assert shown.group(1) in {before, after}
    assert 'type="datetime-local"' in page
    # Each step is explained on one line, and the requester never sees the record.
    assert "Ask the supervising provider directly" in page
    assert "The provider who supervises you decides" in page
    assert "The person who asked never sees this record." in page
    # Alma cannot pick herself as the one who asked.
    assert "Alma Assistant (Medical assistant)" not in page


def test_an_assistant_logs_a_declined_request(app, client, people, login):
    login("alma")
    response = client.post("/incidents/new", data=form_data(people))
    assert response.status_code == 302
    detail = client.get(response.headers["Location"], follow_redirects=True)
    page = detail.get_data(as_text=True)
    assert "Declining and documenting it was the right thing to do." in page
    assert "Give the flu shot in room 3 while Dr. Lee is out" in page
    assert "Dr. Lee Ask (Provider)" in page
    assert "Cora Compliance" in page  # raised with
    with app.app_context():
        incident = db.session.scalars(select(Incident)).one()
        assert incident.steps == ["paused", "said_what_needed", "documented"]
        assert incident.occurred_at.tzinfo is not None
        assert abs(incident.occurred_at - (utcnow() - timedelta(hours=1))) < timedelta(minutes=2)


def test_a_typed_requester_and_a_described_task(app, client, people, login):
    login("alma")
    data = form_data(
        people,
        requester_id="",
        requester_name="Dr. Locum",
        requester_role="locum provider",
        task_id="",
        task_description="Tell the patient their x-ray is normal",
    )
    assert client.post("/incidents/new", data=data).status_code == 302
    with app.app_context():
        incident = db.session.scalars(select(Incident)).one()
        assert incident.requester_id is None and incident.requester_name == "Dr. Locum"
        assert incident.task_id is None


@pytest.mark.parametrize("typed", ["M\u0430x M\u0430n\u0430ger", "Manager, Max", "Dr. Max Manager"])
def test_the_ma_is_told_who_a_typed_requester_was_counted_as(app, client, people, login, typed):
    """Issue 21, item 1: a look-alike of a person's name counts as that person; the MA who
    logs it is told so, and the name stays as typed."""
    login("alma")
    data = form_data(people, requester_id="", requester_name=typed, requester_role="manager")

    page = client.post("/incidents/new", data=data, follow_redirects=True).get_data(as_text=True)

    assert f"The requester you typed, “{typed}”, was counted as Max Manager (Practice" in page
    with app.app_context():
        assert db.session.scalars(select(Incident)).one().requester_name == typed


def test_a_typed_name_nobody_has_is_counted_as_no_one(client, people, login):
    login("alma")
    data = form_data(people, requester_id="", requester_name="Dr. Locum", requester_role="locum")

    page = client.post("/incidents/new", data=data, follow_redirects=True).get_data(as_text=True)

    assert "Saved." in page and "was counted as" not in page


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"what_was_asked": ""}, "Say what you were asked to do."),
        ({"what_was_said": ""}, "Say what you answered."),
        ({"reason": None}, "Choose the reason you declined."),
        ({"occurred_at": ""}, "Say when it happened."),
        ({"occurred_at": "yesterday at noon"}, "Not a valid datetime value."),
        ({"requester_id": ""}, "Say who asked: choose them from the list, or type their name"),
        ({"requester_id": "", "requester_name": "Dr. Locum"}, "Say what their role is"),
        ({"requester_name": "Dr. Locum", "requester_role": "locum"}, "keep one"),
        ({"task_id": ""}, "Choose the task, or describe it in words."),
        ({"what_was_said": "x" * 2001}, "Field cannot be longer than 2000 characters."),
        ({"task_id": "", "task_description": "y" * 1001}, "longer than 1000 characters"),
        ({"requester_id": "999999"}, "Not a valid choice"),
        ({"requester_id": "drop table"}, "Invalid Choice"),
        ({"steps": ["paused", "shrugged"]}, "not a valid choice"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_written(
    app, client, people, login, overrides, message
):
    login("alma")
    response = client.post("/incidents/new", data=form_data(people, **overrides))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message.lower() in page.lower()
    assert "invalid-feedback" in page
    assert count(app) == 0


def test_a_future_moment_is_refused(app, client, people, login):
    login("alma")
    tomorrow = (datetime.now(LA) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/incidents/new", data=form_data(people, occurred_at=tomorrow))
    assert response.status_code == 400
    assert "That is in the future: say when it happened." in response.get_data(as_text=True)
    in_an_hour = (datetime.now(LA) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/incidents/new", data=form_data(people, occurred_at=in_an_hour))
    assert response.status_code == 400
    assert count(app) == 0


def test_only_assistants_log_requests(client, people, login):
    login("lee")
    assert client.get("/incidents/new").status_code == 403
    assert client.post("/incidents/new", data=form_data(people)).status_code == 403


# --------------------------------------------------------------------------- declining


@pytest.fixture
def delegation_id(app, people):
    """A planned injection for Alma tomorrow, delegated by Dr. Lee Ask (flagged: no rule met)."""
    with app.app_context():
        made = record_delegation(
            assistant=db.session.get(Person, people["alma"]),
            task=db.session.get(Task, people["injection"]),
            site=db.session.get(Site, people["main"]),
            scheduled_for=utcnow() + timedelta(days=1),
            delegated_by=db.session.get(Person, people["lee"]),
            entered_by=db.session.get(Person, people["max"]),
        )
        db.session.commit()
        return made.id


def test_the_decline_form_is_prefilled_from_the_delegation(client, people, login, delegation_id):
    login("alma")
    response = client.get(f"/delegations/{delegation_id}/decline")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Decline this delegation" in page
    assert "Injection at Main St on" in page and "delegated by Dr. Lee Ask" in page
    assert "Dr. Lee Ask will not see it." in page
    # The reason is suggested from the decision's first unmet condition: no policy covers
    # Alma (the sample policy is for CMAs only), so the task is outside her scope here.
    checked = re.findall(r'<input[^>]*name="reason"[^>]*>', page)
    assert [c for c in checked if "checked" in c] == [
        c for c in checked if 'value="outside_scope"' in c
    ]
    assert "No written policy in effect on" in page


def test_declining_marks_the_delegation_declined_and_links_its_decision(
    app, client, people, login, delegation_id
):
    login("alma")
    response = client.post(
        f"/delegations/{delegation_id}/decline",
        data={
            "occurred_at": datetime.now(LA).strftime("%Y-%m-%dT%H:%M"),
            "what_was_asked": "Injection tomorrow at 10",
            "what_was_said": "My injection competency is not validated.",
            "reason": "not_trained",
            "raised_with": [people["cora"]],
            "steps": ["paused", "documented"],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        delegation = db.session.get(Delegation, delegation_id)
        incident = db.session.scalars(select(Incident)).one()
        assert delegation.status == DelegationStatus.declined
        assert incident.delegation_id == delegation_id
        assert incident.decision_id == delegation.decision_id
        assert incident.requester_id == people["lee"]
        assert (incident.task_id, incident.site_id) == (people["injection"], people["main"])
        assert response.headers["Location"].endswith(f"/incidents/{incident.id}")
        actions = db.session.execute(
            select(AuditEvent.action, AuditEvent.record_type).order_by(AuditEvent.id)
        ).all()
        assert ("create", "incidents") in actions and ("update", "delegations") in actions
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Delegation #{delegation_id}" in page and "(declined)" in page
    # Declining twice is refused with a message; nothing more is written.
    again = client.get(f"/delegations/{delegation_id}/decline", follow_redirects=True)
    assert "only a planned delegation can be declined" in again.get_data(as_text=True)
    assert client.post(f"/delegations/{delegation_id}/decline", data={}).status_code == 302
    assert count(app) == 1


def test_a_bad_decline_leaves_the_delegation_planned(app, client, people, login, delegation_id):
    login("alma")
    response = client.post(
        f"/delegations/{delegation_id}/decline",
        data={"occurred_at": "", "what_was_asked": "", "what_was_said": "x", "reason": "nope"},
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Delegation, delegation_id).status == DelegationStatus.planned
    assert count(app) == 0


def test_only_the_delegations_assistant_may_decline_it(app, client, people, login, delegation_id):
    login("bea")
    assert client.get(f"/delegations/{delegation_id}/decline").status_code == 404
    assert client.post(f"/delegations/{delegation_id}/decline", data={}).status_code == 404
    assert client.get("/delegations/999999/decline").status_code == 404
    login("lee")
    assert client.get(f"/delegations/{delegation_id}/decline").status_code == 403
    with app.app_context():
        assert db.session.get(Delegation, delegation_id).status == DelegationStatus.planned


def test_get_never_declines(app, client, people, login, delegation_id):
    login("alma")
    client.get(f"/delegations/{delegation_id}/decline")
    client.get("/incidents/new")
    with app.app_context():
        assert db.session.get(Delegation, delegation_id).status == DelegationStatus.planned
    assert count(app) == 0


# --------------------------------------------------------------------------- never edited


def test_no_route_edits_or_deletes_an_incident(app, client, people, login):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("incidents.")]
    assert {r.endpoint for r in rules} >= {"incidents.new", "incidents.detail"}
    for rule in rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS", "POST"}, rule
        assert not re.search(r"edit|update|delete|remove", rule.endpoint + rule.rule), rule
    posts = {r.endpoint for r in rules if "POST" in r.methods}
    assert posts == {
        "incidents.new",
        "incidents.decline_delegation",
        "incidents.add_addendum",
        "incidents.review",
    }
    incident_id = log_directly(app, people)
    login("cora")
    for method in ("put", "patch", "delete", "post"):
        assert getattr(client, method)(f"/incidents/{incident_id}").status_code == 405
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "never edited or deleted" in page
    assert count(app) == 1


def test_addenda_by_the_ma_who_logged_it_and_by_reviewers(app, client, people, login):
    incident_id = log_directly(app, people)
    login("alma")
    response = client.post(f"/incidents/{incident_id}/addenda", data={"body": "He did it himself."})
    assert response.status_code == 302
    assert client.post(f"/incidents/{incident_id}/addenda", data={"body": ""}).status_code == 400
    login("bea")  # another assistant: not hers to see
    assert client.post(f"/incidents/{incident_id}/addenda", data={"body": "x"}).status_code == 404
    login("max")
    client.post(f"/incidents/{incident_id}/addenda", data={"body": "Met with Dr. Lee Ask."})
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert page.index("He did it himself.") < page.index("Met with Dr. Lee Ask.")
    assert count(app, IncidentAddendum) == 2
    with app.app_context():
        assert db.session.get(Incident, incident_id).what_was_asked == "Start an IV"


def test_review_through_the_page(app, client, people, login):
    incident_id = log_directly(app, people)
    url = f"/incidents/{incident_id}/review"
    login("alma")
    assert client.post(url, data={"status": "under_review"}).status_code == 403
    login("cora")
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "Start the review" in page and "Resolve" not in page
    refused = client.post(url, data={"status": "resolved", "note": "done"})
    assert refused.status_code == 400
    assert "An incident that is open cannot be marked resolved." in refused.get_data(as_text=True)
    assert client.post(url, data={"status": "under_review"}).status_code == 302
    missing = client.post(url, data={"status": "escalated", "escalated_on": "2026-01-01"})
    assert "Say to whom it was escalated" in missing.get_data(as_text=True)
    today = datetime.now(LA).date().isoformat()
    done = client.post(
        url,
        data={"status": "escalated", "escalated_to": "Medical Board of California",
              "escalated_on": today, "note": "Third time this quarter."},
    )  # fmt: skip
    assert done.status_code == 302
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert f"Escalated to Medical Board of California on {today}." in page
    assert "The review is finished" in page
    with app.app_context():
        assert db.session.get(Incident, incident_id).status == IncidentStatus.escalated
        reviews = db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "review")
        )
        assert reviews == 2
    assert client.post(url, data={"status": "resolved", "note": "x"}).status_code == 400


# --------------------------------------------------------------------------- alerts


def test_the_third_request_from_one_person_raises_the_alert_on_the_compliance_home(
    app, client, people, login
):
    log_directly(app, people, days_ago=60)
    log_directly(app, people, days_ago=30)
    login("cora")
    assert "Repeated pressure:" not in client.get("/").get_data(as_text=True)
    assert "0 alerts." in client.get("/incidents/alerts").get_data(as_text=True)
    log_directly(app, people, who="bea", days_ago=1)
    home = client.get("/").get_data(as_text=True)
    assert "Repeated pressure:" in home
    assert "Dr. Lee Ask (Provider): 3 declined requests" in home
    assert "a practice-level problem, not the individual MA" in home
    alerts = client.get("/incidents/alerts").get_data(as_text=True)
    assert "1 alert." in alerts and "3 declined requests between" in alerts
    assert alerts.count('href="/incidents/') >= 3
    login("lee")  # the requester: no alert page, no incidents, nothing on the home page
    assert client.get("/incidents/alerts").status_code == 403
    assert "0 incidents." in client.get("/incidents/").get_data(as_text=True)


def test_alerts_older_than_the_window_stay_quiet(app, client, people, login):
    for days_ago in (200, 120, 1):  # first to last is 199 days
        log_directly(app, people, days_ago=days_ago)
    login("cora")
    assert "0 alerts." in client.get("/incidents/alerts").get_data(as_text=True)


def test_the_list_filters_by_status_and_refuses_nonsense(app, client, people, login):
    log_directly(app, people)
    login("cora")
    assert "1 incident open." in client.get("/incidents/?status=open").get_data(as_text=True)
    resolved = client.get("/incidents/?status=resolved").get_data(as_text=True)
    assert "0 incidents resolved." in resolved
    assert client.get("/incidents/?status=deleted").status_code == 400
    assert client.get("/incidents/?page=0").status_code == 400
    assert client.get("/incidents/?page=99").status_code == 200
