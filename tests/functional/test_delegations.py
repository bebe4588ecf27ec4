"""Delegations through the pages: record, see the decision, re-check, move status."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker.audit.models import AuditEvent
from tracker.decision.models import DecisionRecord
from tracker.delegations.models import Delegation
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.vocabulary import DelegationStatus, Role

#: The sample practice's shift is on Monday 2026-11-23 and the delegations here are recorded
#: for that day: they are upcoming only while the clock reads the Friday before.
pytestmark = pytest.mark.usefixtures("sample_clock")


def ids(app):
    with app.app_context():
        people = {p.email: p.id for p in db.session.scalars(select(Person))}
    return people


def delegation_form(app, **overrides):
    people = ids(app)
    data = {
        "assistant_id": people["ana@example.org"],
        "task_code": "injection",
        "site_code": "main",
        "scheduled_for": "2026-11-23T10:00",
        "delegated_by_id": people["dr.lee@example.org"],
        "notes": "Flu vaccine, left deltoid",
    }
    data.update(overrides)
    return data


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_manager_records_a_clear_delegation(app, client, login_as):
    login_as("manager@example.org")
    response = client.post("/delegations/new", data=delegation_form(app))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "All four conditions are met" in text
    assert "Decision when recorded" in text
    assert "Clear" in text
    with app.app_context():
        delegation = db.session.scalar(select(Delegation))
        assert delegation.status == DelegationStatus.planned
        # 10:00 in Los Angeles is 18:00 UTC in November.
        assert delegation.scheduled_for.isoformat() == "2026-11-23T18:00:00+00:00"
        assert delegation.decision.source == "delegation"
        assert delegation.decision.result["status"] == "clear"
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "delegations")
        ).all()
        assert [e.action for e in events] == ["create"]


def test_flagged_delegation_is_saved_marked_and_explained(app, client, login_as):
    login_as("manager@example.org")
    # 18:00 local: Dr. Lee's shift ended at 17:00, and injection needs a provider on site.
    response = client.post(
        "/delegations/new", data=delegation_form(app, scheduled_for="2026-11-23T18:00")
    )
    assert response.status_code == 302
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "FLAGGED" in text
    assert "Flagged" in text
    assert "is not on shift at Main St" in text
    home = client.get("/").get_data(as_text=True)
    assert "flagged first" in home
    # Listed among the upcoming delegations: the link to it, not just the assistant's name
    # (which the expiring list could show as well).
    assert f'href="{response.headers["Location"]}"' in home


def test_flagged_delegations_are_listed_first_on_the_manager_home(app, client, login_as):
    login_as("manager@example.org")
    client.post("/delegations/new", data=delegation_form(app, scheduled_for="2026-11-23T09:00"))
    client.post(
        "/delegations/new",
        data=delegation_form(app, scheduled_for="2026-11-23T18:30", task_code="vital-signs"),
    )
    # Both are upcoming: the clock reads Friday 2026-11-20 (sample_clock).
    home = client.get("/").get_data(as_text=True)
    # The flagged vital-signs delegation (later in the day) comes before the clear one.
    assert home.index("Vital signs") < home.index("Injection")


def test_bad_input_is_explained_and_nothing_is_written(app, client, login_as):
    login_as("manager@example.org")
    before = count(app, Delegation), count(app, DecisionRecord)
    response = client.post(
        "/delegations/new",
        data=delegation_form(app, scheduled_for="next tuesday", task_code="diagnosis"),
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Not a valid choice" in text or "reserved" in text
    response = client.post(
        "/delegations/new", data=delegation_form(app, scheduled_for="not a date")
    )
    assert response.status_code == 400
    assert "Give a date and time" in response.get_data(as_text=True)
    response = client.post("/delegations/new", data=delegation_form(app, notes="x" * 2001))
    assert response.status_code == 400
    assert (count(app, Delegation), count(app, DecisionRecord)) == before


def test_a_provider_delegates_only_in_their_own_name(app, client, login_as):
    provider_id = login_as("dr.lee@example.org")
    people = ids(app)
    other = people["manager@example.org"]
    response = client.post("/delegations/new", data=delegation_form(app, delegated_by_id=other))
    assert response.status_code == 400
    response = client.post(
        "/delegations/new", data=delegation_form(app, delegated_by_id=provider_id)
    )
    assert response.status_code == 302


def test_recheck_keeps_both_decisions(app, client, login_as):
    login_as("manager@example.org")
    location = client.post("/delegations/new", data=delegation_form(app)).headers["Location"]
    with app.app_context():
        # The competency is revoked after the delegation was recorded.
        from tracker.competencies.models import Competency

        competency = db.session.scalar(select(Competency))
        from datetime import date

        competency.revoked_on = date(2026, 11, 1)
        db.session.commit()
    response = client.post(location + "/recheck")
    assert response.status_code == 302
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Decision when recorded" in text
    assert "Re-check 1 (standing changed)" in text
    assert "was revoked on 2026-11-01" in text
    with app.app_context():
        sources = sorted(db.session.scalars(select(DecisionRecord.source)))
        assert sources == ["delegation", "recheck"]


def test_status_moves_planned_to_performed_and_no_further(app, client, login_as, after_monday):
    login_as("manager@example.org")
    location = client.post("/delegations/new", data=delegation_form(app)).headers["Location"]
    after_monday("manager@example.org")
    client.post(location + "/status", data={"status": "performed"})
    with app.app_context():
        assert db.session.scalar(select(Delegation.status)) == DelegationStatus.performed
    response = client.post(
        location + "/status", data={"status": "cancelled"}, follow_redirects=True
    )
    assert "cannot be marked cancelled" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Delegation.status)) == DelegationStatus.performed


def test_get_never_changes_state(app, client, login_as):
    login_as("manager@example.org")
    location = client.post("/delegations/new", data=delegation_form(app)).headers["Location"]
    before = count(app, DecisionRecord)
    assert client.get(location + "/recheck").status_code == 405
    assert client.get(location + "/status").status_code == 405
    assert count(app, DecisionRecord) == before


def test_an_assistant_sees_only_their_own_delegations(app, client, login_as, make_person):
    login_as("manager@example.org")
    location = client.post("/delegations/new", data=delegation_form(app)).headers["Location"]
    make_person("other.ma@example.org", Role.assistant, sites=["main"])
    client.post("/logout")
    client.post("/login", data={"email": "other.ma@example.org", "password": PASSWORD})
    assert client.get(location).status_code == 404
    assert "Ana Ruiz" not in client.get("/delegations/").get_data(as_text=True)
    assert client.get("/delegations/new").status_code == 403
    login_as("ana@example.org")
    assert client.get(location).status_code == 200
    assert "Ana Ruiz" in client.get("/delegations/").get_data(as_text=True)
    # An assistant cannot move the status.
    assert client.post(location + "/status", data={"status": "performed"}).status_code == 403


def test_the_delegation_page_shows_its_history_to_overseers_only(
    app, client, login_as, after_monday
):
    login_as("manager@example.org")
    location = client.post("/delegations/new", data=delegation_form(app)).headers["Location"]
    after_monday("manager@example.org")
    client.post(location + "/status", data={"status": "performed"})
    page = client.get(location).get_data(as_text=True)
    assert "History" in page
    assert page.count('badge text-bg-light border">Created<') == 1
    assert page.count('badge text-bg-light border">Changed<') == 1
    login_as("ana@example.org")
    assert "History" not in client.get(location).get_data(as_text=True)
