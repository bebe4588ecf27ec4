"""Declined-task incidents on the database: logging, declining, addenda, review, alerts."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tracker.audit.models import AuditEvent
from tracker.audit.services import verify_chain
from tracker.catalog.models import Task
from tracker.db_types import utcnow
from tracker.delegations.services import record_delegation
from tracker.errors import Refused
from tracker.extensions import db
from tracker.incidents import services
from tracker.incidents.alerts import pressure_alerts, pressure_clusters
from tracker.incidents.models import Incident, IncidentAddendum
from tracker.incidents.services import DeclineAccount
from tracker.incidents.visibility import can_see, visible_incidents
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import DeclineReason, DelegationStatus, IncidentStatus, Role

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


@pytest.fixture
def world(app, practice, make_person):
    """The sample practice plus a few people; yields a dict of loaded records in a context."""
    make_person("alma@example.org", Role.assistant, "Alma Assistant", sites=("main",))
    make_person("bea@example.org", Role.assistant, "Bea Assistant", sites=("main",))
    make_person("boss@example.org", Role.admin, "Bo Boss")
    make_person("cora@example.org", Role.compliance, "Cora Compliance")
    with app.app_context():
        people = {p.email.split("@")[0]: p for p in db.session.scalars(select(Person))}
        yield {
            **people,
            "main": db.session.scalar(select(Site).where(Site.code == "main")),
            "north": db.session.scalar(select(Site).where(Site.code == "north")),
            "injection": db.session.scalar(select(Task).where(Task.code == "injection")),
        }


def account(**overrides) -> DeclineAccount:
    values = dict(
        occurred_at=NOW - timedelta(hours=2),
        what_was_asked="Give the flu shot in room 3",
        what_was_said="I'm not trained for injections yet; can Dr. Lee do it?",
        reason=DeclineReason.not_trained,
        raised_with=[],
        steps=["documented", "paused"],
    )
    values.update(overrides)
    return DeclineAccount(**values)


def recent(**overrides) -> DeclineAccount:
    """An account of a moment ago by the real clock (declining uses the real now)."""
    return account(occurred_at=utcnow() - timedelta(minutes=1), **overrides)


def log(w, who="alma", requester="dr.lee", at=None, name="", role="", **overrides):
    return services.log_incident(
        account(occurred_at=at or NOW - timedelta(hours=2), **overrides),
        logged_by=w[who],
        site=w["main"],
        requester=w[requester] if requester else None,
        requester_name=name,
        requester_role=role,
        task=w["injection"],
        now=NOW,
    )


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(Incident.id))),
        db.session.scalar(select(func.count(IncidentAddendum.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    )


# --------------------------------------------------------------------------- logging


def test_logging_keeps_every_fact_and_writes_an_audit_event(world):
    w = world
    incident = log(w, raised_with=[w["manager"], w["cora"], w["alma"]])
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Incident, incident.id)
    assert stored.status == IncidentStatus.open
    assert stored.logged_by_id == w["alma"].id
    assert stored.requester_id == w["dr.lee"].id
    assert stored.requester_name == "" and stored.requester_role == ""
    assert stored.occurred_at == NOW - timedelta(hours=2)
    assert stored.reason == DeclineReason.not_trained
    # Steps are kept in the order the form teaches them; the MA is not "raised with" herself.
    assert stored.steps == ["paused", "documented"]
    assert sorted(p.email for p in stored.raised_with) == [
        "cora@example.org",
        "manager@example.org",
    ]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.record_type, event.record_id) == (
        "create",
        "incidents",
        str(stored.id),
    )
    assert event.actor_id == w["alma"].id
    assert event.after["what_was_asked"] == "Give the flu shot in room 3"
    assert event.after["raised_with"] == sorted([w["manager"].id, w["cora"].id])
    assert verify_chain()[0]


def test_a_typed_requester_and_a_described_task_are_kept(world):
    w = world
    incident = services.log_incident(
        account(),
        logged_by=w["alma"],
        site=w["main"],
        requester_name="  Dr. Smith ",
        requester_role="locum provider",
        task=None,
        task_description="Read the ECG and tell the patient it is fine",
        now=NOW,
    )
    assert incident.requester is None
    assert incident.requester_label == "Dr. Smith (locum provider)"
    assert incident.task_label == "Read the ECG and tell the patient it is fine"


@pytest.mark.parametrize(
    "change, field, words",
    [
        (dict(requester=None), "requester_id", "Say who asked"),
        (dict(name="Dr. Smith", role="locum"), "requester_name", "keep one"),
        (dict(requester=None, name="Dr. Smith"), "requester_role", "their role"),
        (dict(requester="alma"), "requester_id", "yourself"),
        (dict(at=NOW + timedelta(hours=1)), "occurred_at", "in the future"),
        (dict(at=datetime(1999, 12, 31, tzinfo=UTC)), "occurred_at", "too early"),
        (dict(at=datetime(2026, 11, 20, 10, 0)), "occurred_at", "time zone"),
        (dict(what_was_asked="  "), "what_was_asked", "required"),
        (dict(what_was_said=""), "what_was_said", "required"),
        (dict(what_was_asked="x" * 2001), "what_was_asked", "at most 2000"),
        (dict(name="x" * 201, requester=None, role="nurse"), "requester_name", "at most 200"),
        (dict(steps=["paused", "shrugged"]), "steps", "Unknown step: shrugged"),
        (dict(reason="bored"), "reason", "Choose the reason"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_written(world, change, field, words):
    w = world
    before = counts()
    with pytest.raises(Refused) as refused:
        log(w, **change)
    assert list(refused.value.by_field) == [field]
    assert words.lower() in str(refused.value).lower()
    db.session.rollback()
    assert counts() == before


def test_the_site_must_be_one_of_the_assistants(world):
    w = world
    with pytest.raises(Refused, match="sites you work at") as refused:
        services.log_incident(
            account(), logged_by=w["alma"], site=w["north"], requester=w["dr.lee"],
            task=w["injection"], now=NOW,
        )  # fmt: skip
    assert list(refused.value.by_field) == ["site_id"]
    with pytest.raises(Refused, match="Choose the task"):
        services.log_incident(
            account(), logged_by=w["alma"], site=w["main"], requester=w["dr.lee"], now=NOW
        )


# --------------------------------------------------------------------------- declining


@pytest.fixture
def delegation(world):
    w = world
    made = record_delegation(
        assistant=w["ana"],
        task=w["injection"],
        site=w["main"],
        scheduled_for=utcnow() + timedelta(days=1),
        delegated_by=w["dr.lee"],
        entered_by=w["manager"],
    )
    db.session.commit()
    return made


def test_declining_a_delegation_links_it_and_its_decision(world, delegation):
    w = world
    incident = services.decline_delegation(delegation, recent(), assistant=w["ana"])
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Incident, incident.id)
    assert stored.delegation_id == delegation.id
    assert stored.decision_id == delegation.decision_id is not None
    assert stored.requester_id == w["dr.lee"].id
    assert stored.task_id == w["injection"].id and stored.site_id == w["main"].id
    assert db.session.get(type(delegation), delegation.id).status == DelegationStatus.declined
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()
    changed = next(e for e in events if e.record_type == "delegations")
    assert changed.before["status"] == "planned" and changed.after["status"] == "declined"
    assert changed.actor_id == w["ana"].id
    assert verify_chain()[0]


def test_only_the_delegations_own_assistant_declines_and_only_while_planned(world, delegation):
    w = world
    before = counts()
    with pytest.raises(Refused, match="Only the assistant"):
        services.decline_delegation(delegation, recent(), assistant=w["alma"])
    # A bad account leaves the delegation planned.
    with pytest.raises(Refused):
        services.decline_delegation(delegation, recent(what_was_said=""), assistant=w["ana"])
    db.session.rollback()
    assert counts() == before
    assert delegation.status == DelegationStatus.planned

    services.decline_delegation(delegation, recent(), assistant=w["ana"])
    db.session.commit()
    with pytest.raises(Refused, match="declined; only a planned"):
        services.decline_delegation(delegation, recent(), assistant=w["ana"])


# --------------------------------------------------------------------------- never edited


def test_the_services_offer_no_way_to_edit_or_delete_an_incident():
    public = [
        name
        for name, value in vars(services).items()
        if callable(value) and not name.startswith("_") and inspect.getmodule(value) is services
    ]
    assert "log_incident" in public and "add_addendum" in public
    assert not [n for n in public if re.search(r"edit|update|delete|remove|modify|change", n)]


def test_addenda_add_facts_and_leave_the_incident_as_it_was(world):
    w = world
    incident = log(w)
    db.session.commit()
    from tracker.audit.services import snapshot

    original = snapshot(incident)
    services.add_addendum(incident, w["alma"], "Dr. Lee later did it himself.", now=NOW)
    services.add_addendum(incident, w["cora"], "Spoke with Dr. Lee.", now=NOW)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Incident, incident.id)
    assert snapshot(stored) == original
    assert [a.body for a in services.addenda_of(stored)] == [
        "Dr. Lee later did it himself.",
        "Spoke with Dr. Lee.",
    ]
    with pytest.raises(Refused, match="Only the MA who logged it"):
        services.add_addendum(stored, w["bea"], "Not mine to add.")
    with pytest.raises(Refused, match="required"):
        services.add_addendum(stored, w["alma"], "   ")
    with pytest.raises(Refused, match="at most 4000"):
        services.add_addendum(stored, w["alma"], "x" * 4001)


# --------------------------------------------------------------------------- review


def test_review_moves_open_to_under_review_to_resolved(world):
    w = world
    incident = log(w)
    with pytest.raises(Refused, match="open cannot be marked resolved"):
        services.review_incident(incident, w["cora"], IncidentStatus.resolved, "done")
    step = services.review_incident(incident, w["cora"], IncidentStatus.under_review)
    assert incident.status == IncidentStatus.under_review
    assert step.new_status == IncidentStatus.under_review and step.body == "Review started."
    with pytest.raises(Refused, match="say how it was resolved|required"):
        services.review_incident(incident, w["cora"], IncidentStatus.resolved, "")
    services.review_incident(incident, w["cora"], IncidentStatus.resolved, "Talked with Dr. Lee.")
    db.session.commit()
    assert incident.status == IncidentStatus.resolved
    with pytest.raises(Refused, match="resolved cannot be marked escalated"):
        services.review_incident(
            incident, w["cora"], IncidentStatus.escalated, escalated_to="Board",
            escalated_on=date(2026, 11, 20),
        )  # fmt: skip
    reviews = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "review").order_by(AuditEvent.id)
    ).all()
    assert [(e.before["status"], e.after["status"]) for e in reviews] == [
        ("open", "under_review"),
        ("under_review", "resolved"),
    ]


def test_escalation_says_to_whom_and_when(world):
    w = world
    incident = log(w)
    services.review_incident(incident, w["cora"], IncidentStatus.under_review, now=NOW)
    with pytest.raises(Refused, match="to whom") as refused:
        services.review_incident(incident, w["cora"], "escalated", escalated_on=NOW.date(), now=NOW)
    assert list(refused.value.by_field) == ["escalated_to"]
    with pytest.raises(Refused, match="when"):
        services.review_incident(incident, w["cora"], "escalated", escalated_to="Board", now=NOW)
    with pytest.raises(Refused, match="future"):
        services.review_incident(
            incident, w["cora"], "escalated", escalated_to="Board",
            escalated_on=NOW.date() + timedelta(days=1), now=NOW,
        )  # fmt: skip
    step = services.review_incident(
        incident, w["cora"], "escalated", "Sent the log.",
        escalated_to="Medical Board of California", escalated_on=NOW.date(), now=NOW,
    )  # fmt: skip
    assert incident.status == IncidentStatus.escalated
    assert step.escalated_to == "Medical Board of California"
    assert step.body.startswith("Escalated to Medical Board of California on 2026-11-20.")


def test_only_reviewers_who_may_see_it_review(world):
    w = world
    incident = log(w, requester="boss")
    with pytest.raises(Refused, match="Only compliance"):
        services.review_incident(incident, w["alma"], IncidentStatus.under_review)
    # An administrator named as the requester cannot review (or see) it.
    with pytest.raises(Refused, match="Only compliance"):
        services.review_incident(incident, w["boss"], IncidentStatus.under_review)
    assert incident.status == IncidentStatus.open


# --------------------------------------------------------------------------- visibility


def test_visibility_follows_the_rule_for_each_person(world):
    w = world
    about_lee = log(w, raised_with=[w["bea"], w["dr.lee"]])
    about_boss = log(w, requester="boss")
    typed_cora = log(w, requester=None, name="CORA  compliance", role="compliance")

    def seen(who):
        return {i.id for i in db.session.scalars(visible_incidents(w[who]))}

    everything = {about_lee.id, about_boss.id, typed_cora.id}
    assert seen("alma") == everything
    assert seen("bea") == {about_lee.id}  # raised with her
    assert seen("dr.lee") == set()  # the requester, though it was raised with him
    assert seen("boss") == {about_lee.id, typed_cora.id}
    assert seen("cora") == {about_lee.id, about_boss.id}  # her typed name hides one
    assert seen("manager") == everything
    assert seen("ana") == set()
    for who in ("alma", "bea", "dr.lee", "boss", "cora", "manager", "ana"):
        assert {i.id for i in (about_lee, about_boss, typed_cora) if can_see(w[who], i)} == seen(
            who
        )


# --------------------------------------------------------------------------- alerts


def days(*offsets: float) -> list[datetime]:
    return [NOW + timedelta(days=d) for d in offsets]


@pytest.mark.parametrize(
    "moments, expected",
    [
        (days(0, 10), []),  # two is not a pattern
        (days(0, 10, 20), [(0, 2)]),  # three is
        (days(0, 45, 90), [(0, 2)]),  # exactly 90 days first to last: within
        ([*days(0, 45), NOW + timedelta(days=90, seconds=1)], []),  # a second over: not
        (days(0, 80, 160, 240), []),  # never three within 90 days
        (days(0, 1, 2, 3, 50), [(0, 4)]),  # overlapping windows merge
        (days(0, 1, 2, 200, 201, 202), [(0, 2), (3, 5)]),  # two bursts, two alerts
    ],
)
def test_pressure_clusters_edges(moments, expected):
    assert pressure_clusters(moments, 3, timedelta(days=90)) == expected


def test_three_requests_from_one_person_in_90_days_raise_one_alert(world):
    w = world
    log(w, at=NOW - timedelta(days=90))
    log(w, at=NOW - timedelta(days=40))
    assert pressure_alerts(w["cora"], 3, 90) == []
    third = log(w, at=NOW - timedelta(days=1))  # 89 days after the first
    alerts = pressure_alerts(w["cora"], 3, 90)
    assert len(alerts) == 1
    assert alerts[0].requester_label == "Dr. Lee (Provider)"
    assert alerts[0].incidents[-1].id == third.id
    assert alerts[0].needs_attention
    # The thresholds come from the caller (config): four needed, none raised.
    assert pressure_alerts(w["cora"], 4, 90) == []
    # The requester never finds an alert about themselves; an assistant sees her own only.
    assert pressure_alerts(w["dr.lee"], 3, 90) == []


def test_requests_just_over_the_window_apart_raise_no_alert(world):
    w = world
    log(w, at=NOW - timedelta(days=91))
    log(w, at=NOW - timedelta(days=40))
    log(w, at=NOW - timedelta(hours=23))
    assert pressure_alerts(w["cora"], 3, 90) == []


def test_typed_names_group_whatever_their_case_and_spacing(world):
    w = world
    for index, spelling in enumerate(["Dr. Smith", "dr. smith ", "DR.  SMITH"]):
        log(w, requester=None, name=spelling, role="locum", at=NOW - timedelta(days=index))
    # A different person with a near name does not join the group.
    log(w, requester=None, name="Dr. Smyth", role="locum", at=NOW - timedelta(days=4))
    alerts = pressure_alerts(w["manager"], 3, 90)
    assert len(alerts) == 1
    assert len(alerts[0].incidents) == 3
    assert alerts[0].requester_label == "Dr. Smith (locum)"  # the latest spelling


def test_the_audit_trail_hides_incident_events_from_the_requester(world):
    """An administrator named as the requester cannot read the incident in the audit log."""
    from tracker.incidents.visibility import audit_events_visible_to

    w = world
    incident = log(w, requester="boss")
    addendum = services.add_addendum(incident, w["cora"], "Spoke with Bo.")
    other = log(w)  # about Dr. Lee: the boss may see it
    db.session.commit()

    def events_seen_by(who):
        rows = db.session.execute(
            select(AuditEvent.record_type, AuditEvent.record_id).where(
                audit_events_visible_to(w[who])
            )
        ).all()
        return {(t, i) for t, i in rows if t.startswith("incident")}

    about_boss = {("incidents", str(incident.id)), ("incident_addenda", str(addendum.id))}
    about_lee = {("incidents", str(other.id))}
    assert events_seen_by("cora") == about_boss | about_lee
    assert events_seen_by("boss") == about_lee
    # Events about other records are untouched.
    people_events = select(func.count(AuditEvent.id)).where(AuditEvent.record_type != "")
    assert (
        db.session.scalar(people_events.where(audit_events_visible_to(w["boss"])))
        == db.session.scalar(people_events) - 2
    )
