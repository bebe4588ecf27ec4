"""Competency verbs against the database: checks before writes, one audit event per change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tracker import dates
from tracker.audit.models import AuditEvent
from tracker.catalog.models import Task
from tracker.competencies import services
from tracker.competencies.models import Competency
from tracker.competencies.services import CompetencyInput
from tracker.errors import Refused
from tracker.extensions import db
from tracker.policy.models import Policy
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import SupervisionLevel

#: The first site's zone: the demo's and the sample practice's "today" is kept there.
SITE_ZONE = "America/Los_Angeles"

TODAY = dates.today(SITE_ZONE)


def person(email) -> Person:
    return db.session.scalar(select(Person).where(Person.email == email))


def task(code) -> Task:
    return db.session.scalar(select(Task).where(Task.code == code))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def ctx(app, practice):
    """The sample practice, inside an app context."""
    with app.app_context():
        yield
        db.session.rollback()


def sign_off(validator="dr.lee@example.org", **values) -> CompetencyInput:
    defaults = {
        "trained_on": TODAY - timedelta(days=10),
        "training_hours": 10.0,
        "validated_on": TODAY - timedelta(days=5),
        "validated_by": person(validator) if validator else None,
        "attested": True,
    }
    return CompetencyInput(**{**defaults, **values})


def test_a_reserved_task_is_refused_whoever_calls(ctx):
    manager = person("manager@example.org")
    with pytest.raises(Refused) as refused:
        services.record_competency(person("ana@example.org"), task("prescribing"), sign_off(),
                                   manager)  # fmt: skip
    assert "reserved for licensed providers in every state" in refused.value.by_field["task"][0]
    assert count(Competency) == 1  # the sample practice's one


def test_only_an_assistant_gets_a_competency(ctx):
    with pytest.raises(Refused) as refused:
        services.record_competency(
            person("manager@example.org"),
            task("injection"),
            sign_off(),
            person("dr.lee@example.org"),
        )
    assert refused.value.by_field["person"] == ["Mia Manager is not a medical assistant."]


def test_a_license_counts_when_current_on_the_day_of_validation(ctx):
    lee = person("dr.lee@example.org")
    lee.can_validate = False
    lee.licenses[0].expires_on = TODAY - timedelta(days=30)
    ana, venipuncture = person("ana@example.org"), task("venipuncture")
    before_lapse = sign_off(validated_on=TODAY - timedelta(days=40), trained_on=None)
    comp = services.record_competency(ana, venipuncture, before_lapse, lee)
    assert comp.validated_by == lee and comp.entered_by is None

    after_lapse = sign_off(validated_on=TODAY - timedelta(days=10), trained_on=None)
    with pytest.raises(Refused) as refused:
        services.record_competency(ana, task("xray"), after_lapse, lee)
    assert "had no license current on" in refused.value.by_field["validated_by"][0]


def test_an_approved_observer_need_not_be_licensed(ctx):
    ana, ben = person("ana@example.org"), Person(
        email="ben@example.org", name="Ben", role=person("ana@example.org").role,
        can_validate=True,
    )  # fmt: skip
    db.session.add(ben)
    db.session.flush()
    assert services.validator_problem(ben, ana, TODAY) is None
    assert "cannot validate their own" in services.validator_problem(ana, ana, TODAY)


def test_every_problem_is_reported_at_once(ctx):
    data = sign_off(
        validated_by=person("manager@example.org"),
        attested=False,
        trained_on=TODAY,
        expires_on=TODAY - timedelta(days=30),
        training_hours=-1,
    )
    with pytest.raises(Refused) as refused:
        services.record_competency(person("ana@example.org"), task("vital-signs"), data,
                                   person("manager@example.org"))  # fmt: skip
    assert set(refused.value.by_field) == {
        "validated_by", "attest", "trained_on", "expires_on", "training_hours"
    }  # fmt: skip


def test_a_sign_off_needs_a_day_not_ahead_and_a_validator(ctx):
    ana, manager = person("ana@example.org"), person("manager@example.org")
    tomorrow = TODAY + timedelta(days=1)
    no_validator = sign_off(validator=None, validated_on=tomorrow, attested=False,
                            evidence="x" * 2001)  # fmt: skip
    with pytest.raises(Refused) as refused:
        services.record_competency(ana, task("vital-signs"), no_validator, manager)
    assert refused.value.by_field == {
        "validated_on": [f"Cannot be after today ({TODAY.isoformat()})."],
        "validated_by": ["Choose who validated the competency."],
        "attest": ["Required: confirm that the validator observed Ana Ruiz perform Vital signs."],
        "evidence": ["At most 2000 characters."],
    }

    no_day = sign_off(validated_on=None, trained_on=None)
    with pytest.raises(Refused) as refused:
        services.record_competency(ana, task("vital-signs"), no_day, manager)
    assert refused.value.by_field == {
        "validated_on": ["Give the day Dr. Lee watched Ana Ruiz perform it."]
    }


@pytest.mark.usefixtures("sample_clock")
def test_correcting_nothing_writes_no_event(ctx):
    comp = db.session.scalar(select(Competency))
    events = count(AuditEvent)
    data = CompetencyInput(
        trained_on=comp.trained_on,
        training_hours=comp.training_hours,
        validated_on=comp.validated_on,
        validated_by=comp.validated_by,
        expires_on=comp.expires_on,
        prior_employer=comp.prior_employer,
        evidence=comp.evidence,
        attested=True,  # imported without an attestation: correcting it records one
    )
    assert services.correct_competency(comp, data, person("manager@example.org")) is True
    assert comp.attested_at is not None
    again = services.correct_competency(comp, data, person("manager@example.org"))
    assert again is False
    assert count(AuditEvent) == events + 1


@pytest.mark.usefixtures("sample_clock")
def test_a_new_validator_is_a_new_sign_off(ctx):
    comp = db.session.scalar(select(Competency))
    manager = person("manager@example.org")
    patel = Person(email="dr.patel@example.org", name="Dr. Patel", role=comp.validated_by.role,
                   can_validate=True)  # fmt: skip
    db.session.add(patel)
    db.session.flush()
    data = sign_off(
        validator=None,
        validated_by=patel,
        trained_on=comp.trained_on,
        validated_on=comp.validated_on,
        attested=False,
    )
    with pytest.raises(Refused) as refused:
        services.correct_competency(comp, data, manager)
    assert list(refused.value.by_field) == ["attest"]
    assert comp.validated_by.email == "dr.lee@example.org"

    data.attested = True
    assert services.correct_competency(comp, data, manager)
    assert comp.validated_by == patel and comp.entered_by == manager
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert event.action == "update"
    assert event.before["validated_by_id"] != event.after["validated_by_id"]
    assert event.after["entered_by_id"] == manager.id


def test_revoking_keeps_the_reason_and_refuses_a_second_time(ctx):
    comp = db.session.scalar(select(Competency))
    manager = person("manager@example.org")
    with pytest.raises(Refused) as no_reason:
        services.revoke_competency(comp, TODAY, "  ", manager)
    assert no_reason.value.by_field == {"reason": ["Say why it is revoked."]}
    services.revoke_competency(comp, TODAY, "Left the practice", manager)
    assert comp.revoked_on == TODAY
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert (event.action, event.after["reason"]) == ("revoke", "Left the practice")
    with pytest.raises(Refused) as twice:
        services.revoke_competency(comp, TODAY, "again", manager)
    assert "Already revoked" in twice.value.by_field["revoked_on"][0]


def test_expiry_comes_from_the_most_specific_policy(ctx):
    comp = db.session.scalar(select(Competency))  # validated 2026-02-10; CMA policy: 12 months
    [line] = services.lines_for([comp], date(2026, 6, 1), 60)
    assert (line.expires_on, line.expiry_derived, line.status) == (
        date(2027, 2, 10), True, "current"
    )  # fmt: skip
    main = db.session.scalar(select(Site).where(Site.code == "main"))
    db.session.add(
        Policy(task=comp.task, site=main, job_levels=["CMA"], authorized=True,
               requires_credentials=[], supervision=SupervisionLevel.on_site,
               competency_valid_months=3, effective_from=date(2026, 1, 1))
    )  # fmt: skip
    db.session.flush()
    [line] = services.lines_for([comp], date(2026, 6, 1), 60)
    assert (line.expires_on, line.status) == (date(2026, 5, 10), "expired")
    # Its own date counts when it comes first (DESIGN section 13: the earliest of the two).
    comp.expires_on = date(2026, 4, 30)
    [line] = services.lines_for([comp], date(2026, 6, 1), 60)
    assert (line.expires_on, line.expiry_derived) == (date(2026, 4, 30), False)
    comp.expires_on = date(2026, 12, 31)
    [line] = services.lines_for([comp], date(2026, 6, 1), 60)
    assert (line.expires_on, line.expiry_derived) == (date(2026, 5, 10), True)
