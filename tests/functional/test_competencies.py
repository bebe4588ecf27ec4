"""Competency sign-off, correction and revocation through the pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from config import TestingConfig
from tests.conftest import PASSWORD
from tracker import dates
from tracker.audit.models import AuditEvent
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.extensions import db
from tracker.policy.models import Policy
from tracker.sites.models import Site
from tracker.staff.models import License, Person
from tracker.vocabulary import Role, SupervisionLevel

#: The sample practice's first site, whose clock the practice-wide pages keep.
SITE_ZONE = "America/Los_Angeles"

TODAY = dates.today(SITE_ZONE)
VALIDATED = TODAY - timedelta(days=20)
TRAINED = TODAY - timedelta(days=30)


def a_year_after(day: date) -> date:
    """The same date a year later (a 29 February becomes the 28th): written out here, not
    computed with the rule's own month arithmetic, so the test checks that arithmetic."""
    return date(day.year + 1, day.month, 28 if (day.month, day.day) == (2, 29) else day.day)


#: Hashed once: hashing for every person of every test would take most of the suite's time.
PASSWORD_HASH = generate_password_hash(PASSWORD, method=TestingConfig.PASSWORD_HASH_METHOD)


def add_person(email, role, name, sites=(), job_level=None, can_validate=False) -> int:
    """A person who can sign in with the suite's password (in the caller's app context)."""
    person = Person(email=email, name=name, role=role, job_level=job_level,
                    can_validate=can_validate, password_hash=PASSWORD_HASH)  # fmt: skip
    person.sites = list(db.session.scalars(select(Site).where(Site.code.in_(sites))))
    db.session.add(person)
    db.session.flush()
    return person.id


@pytest.fixture
def clinic(app):
    """One California site, assistants, providers (one with a lapsed license), office staff."""
    with app.app_context():
        db.session.add(
            Site(code="main", name="Main St", state="CA", timezone="America/Los_Angeles")
        )
        db.session.flush()
        ids = {
            "ana": add_person("ana@example.org", Role.assistant, "Ana Ruiz", ["main"], "CMA"),
            "ben": add_person("ben@example.org", Role.assistant, "Ben Ng", ["main"], "CMA"),
            "sam": add_person("sam@example.org", Role.assistant, "Sam Senior", ["main"], "CMA",
                              can_validate=True),
            "lee": add_person("dr.lee@example.org", Role.provider, "Dr. Lee", ["main"]),
            "old": add_person("dr.old@example.org", Role.provider, "Dr. Old", ["main"]),
            "pat": add_person("dr.pat@example.org", Role.provider, "Dr. Pat", ["main"]),
            "mia": add_person("manager@example.org", Role.manager, "Mia Manager"),
            "adi": add_person("admin@example.org", Role.admin, "Adi Admin"),
            "cal": add_person("compliance@example.org", Role.compliance, "Cal Compliance"),
        }  # fmt: skip
        db.session.commit()
    with app.app_context():
        for key, expires in (("lee", TODAY + timedelta(days=365)),
                             ("old", TODAY - timedelta(days=60)),
                             ("pat", TODAY + timedelta(days=365))):  # fmt: skip
            db.session.add(
                License(person_id=ids[key], type="MD", number=key, state="CA", expires_on=expires)
            )
        injection = db.session.scalar(select(Task).where(Task.code == "injection"))
        db.session.add(
            Policy(
                task=injection,
                job_levels=[],
                authorized=True,
                requires_credentials=[],
                supervision=SupervisionLevel.on_site,
                competency_valid_months=12,
                document="Clinical Task Policy v3",
            )
        )
        db.session.commit()
    return ids


def new_url(ids, person="ana", task="injection"):
    return f"/competencies/new?person_id={ids[person]}&task={task}"


def sign_off_data(**overrides):
    data = {
        "trained_on": TRAINED.isoformat(),
        "training_hours": "12",
        "validated_on": VALIDATED.isoformat(),
        "evidence": "Skills checklist #44",
        "attest": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def competencies(app):
    with app.app_context():
        return db.session.scalars(select(Competency).order_by(Competency.id)).all()


def events(app, action=None):
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.record_type == "competencies")
        if action:
            query = query.where(AuditEvent.action == action)
        return db.session.scalars(query.order_by(AuditEvent.id)).all()


def record(app, ids, validator="lee", **overrides):
    """A sign-off stored through the service, as the validator; returns its id."""
    from tracker.competencies.services import CompetencyInput, record_competency

    with app.app_context():
        assistant = db.session.get(Person, ids[overrides.pop("person", "ana")])
        task = db.session.scalar(
            select(Task).where(Task.code == overrides.pop("task", "injection"))
        )
        who = db.session.get(Person, ids[validator])
        values = {"trained_on": TRAINED, "training_hours": 8.0, "validated_on": VALIDATED,
                  "validated_by": who, "attested": True, "evidence": "checklist"}  # fmt: skip
        values.update(overrides)
        comp = record_competency(assistant, task, CompetencyInput(**values), who)
        db.session.commit()
        return comp.id


# --------------------------------------------------------------------------- signing off


def test_provider_signs_off_as_themselves(client, auth, app, clinic):
    auth.login("dr.lee@example.org")
    page = client.get(new_url(clinic))
    assert page.status_code == 200
    assert b"I observed Ana Ruiz perform Injection" in page.data
    assert b"Clinical Task Policy v3 keeps it valid for 12 months after validation" in page.data
    assert b"No CA rule is recorded for Injection yet." in page.data

    response = client.post(new_url(clinic), data=sign_off_data())
    assert response.status_code == 302
    [comp] = competencies(app)
    assert comp.validated_by_id == clinic["lee"]
    assert comp.entered_by_id is None
    assert comp.attested_at is not None
    assert comp.training_hours == 12
    [event] = events(app, "create")
    assert event.actor_label == "dr.lee@example.org"
    assert event.after["validated_by_id"] == clinic["lee"]

    detail = client.get(response.headers["Location"])
    assert detail.status_code == 200
    assert b"(the validator)" in detail.data
    expiry = a_year_after(VALIDATED).isoformat().encode()
    assert expiry in detail.data and b"(from the written policy)" in detail.data


def test_provider_cannot_put_someone_else_as_validator(client, auth, app, clinic):
    auth.login("dr.lee@example.org")
    response = client.post(new_url(clinic), data=sign_off_data(validated_by=clinic["pat"]))
    assert response.status_code == 302
    [comp] = competencies(app)
    assert comp.validated_by_id == clinic["lee"]


def test_approved_observer_signs_off_as_themselves(client, auth, app, clinic):
    auth.login("sam@example.org")
    response = client.post(new_url(clinic), data=sign_off_data())
    assert response.status_code == 302
    [comp] = competencies(app)
    assert comp.validated_by_id == clinic["sam"]


def test_missing_attestation_is_refused_next_to_the_box(client, auth, app, clinic):
    auth.login("dr.lee@example.org")
    response = client.post(new_url(clinic), data=sign_off_data(attest=None))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Required: confirm that Dr. Lee observed Ana Ruiz perform Injection." in text
    assert competencies(app) == []
    assert events(app) == []


def test_training_without_validation_needs_no_attestation(client, auth, app, clinic):
    auth.login("manager@example.org")
    response = client.post(
        new_url(clinic),
        data=sign_off_data(validated_on=None, attest=None, validated_by="0", prior_employer="y"),
    )
    assert response.status_code == 302
    [comp] = competencies(app)
    assert comp.validated_on is None and comp.validated_by_id is None
    assert comp.attested_at is None and comp.prior_employer
    assert comp.entered_by_id == clinic["mia"]


def test_validator_with_a_lapsed_license_is_refused(client, auth, app, clinic):
    auth.login("manager@example.org")
    response = client.post(new_url(clinic), data=sign_off_data(validated_by=clinic["old"]))
    assert response.status_code == 400
    assert (
        f"Dr. Old had no license current on {VALIDATED.isoformat()} and is not an approved "
        "observer" in response.get_data(as_text=True)
    )
    assert competencies(app) == []


def test_license_current_on_the_day_of_validation_is_enough(client, auth, app, clinic):
    auth.login("manager@example.org")
    long_ago = TODAY - timedelta(days=90)  # Dr. Old's license lapsed 60 days ago
    response = client.post(
        new_url(clinic),
        data=sign_off_data(
            validated_by=clinic["old"], validated_on=long_ago.isoformat(), trained_on=None
        ),  # fmt: skip
    )
    assert response.status_code == 302
    [comp] = competencies(app)
    assert comp.validated_by_id == clinic["old"]


def test_validator_who_may_not_validate_is_refused(client, auth, app, clinic):
    auth.login("manager@example.org")
    response = client.post(new_url(clinic), data=sign_off_data(validated_by=clinic["cal"]))
    assert response.status_code == 400
    assert "Cal Compliance is neither a licensed provider nor an approved observer" in (
        response.get_data(as_text=True)
    )
    assert competencies(app) == []


def test_assistant_cannot_validate_their_own_competency(client, auth, app, clinic):
    auth.login("manager@example.org")
    response = client.post(
        new_url(clinic, person="sam"), data=sign_off_data(validated_by=clinic["sam"])
    )
    assert response.status_code == 400
    assert "Sam Senior cannot validate their own competency" in response.get_data(as_text=True)
    assert competencies(app) == []


def test_approved_observer_cannot_sign_off_themselves(client, auth, app, clinic):
    auth.login("sam@example.org")
    response = client.post(new_url(clinic, person="sam"), data=sign_off_data())
    assert response.status_code == 400
    assert "You cannot sign off your own competency." in response.get_data(as_text=True)
    assert competencies(app) == []


def test_validation_date_without_a_validator_is_refused(client, auth, app, clinic):
    auth.login("manager@example.org")
    response = client.post(new_url(clinic), data=sign_off_data(validated_by="0"))
    assert response.status_code == 400
    assert "Choose who validated the competency." in response.get_data(as_text=True)
    assert competencies(app) == []


def test_validator_without_a_date_is_refused(client, auth, app, clinic):
    auth.login("manager@example.org")
    response = client.post(
        new_url(clinic), data=sign_off_data(validated_on=None, validated_by=clinic["lee"])
    )
    assert response.status_code == 400
    assert "Give the day Dr. Lee watched Ana Ruiz perform it." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"validated_on": "10/02/2026"}, "Not a valid date value."),
        ({"training_hours": "twelve"}, "Not a valid decimal value."),
        ({"training_hours": "-3"}, "Give the hours as a number from 0 to 10000."),
        ({"validated_on": (TODAY + timedelta(days=3)).isoformat()}, "Cannot be after today"),
        ({"trained_on": (VALIDATED + timedelta(days=1)).isoformat()},
         "Must be on or before the validation date"),
        ({"expires_on": (VALIDATED - timedelta(days=1)).isoformat()},
         "Must be on or after the validation date"),
        ({"evidence": "x" * 2001}, "Field cannot be longer than 2000 characters."),
    ],
)  # fmt: skip
def test_bad_values_get_a_message_and_nothing_is_written(
    client, auth, app, clinic, overrides, message
):
    auth.login("dr.lee@example.org")
    response = client.post(new_url(clinic), data=sign_off_data(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert competencies(app) == []


def test_the_same_sign_off_twice_is_refused(client, auth, app, clinic):
    record(app, clinic)
    auth.login("dr.lee@example.org")
    response = client.post(new_url(clinic), data=sign_off_data())
    assert response.status_code == 400
    assert "already has a Injection competency" in response.get_data(as_text=True)
    assert len(competencies(app)) == 1


@pytest.mark.parametrize("role_email", ["dr.lee@example.org", "manager@example.org"])
def test_reserved_task_cannot_be_signed_off(client, auth, app, clinic, role_email):
    auth.login(role_email)
    page = client.get(new_url(clinic, task="diagnosis"))
    assert page.status_code == 400
    assert "Diagnosis is reserved for licensed providers in every state" in page.get_data(
        as_text=True
    )
    response = client.post(new_url(clinic, task="diagnosis"), data=sign_off_data())
    assert response.status_code == 400
    assert competencies(app) == []
    chooser = client.get("/competencies/new").get_data(as_text=True)
    assert 'value="injection"' in chooser and 'value="diagnosis"' not in chooser


def test_unknown_assistant_or_task_gets_a_message(client, auth, clinic):
    auth.login("dr.lee@example.org")
    response = client.get("/competencies/new?person_id=9999&task=nope")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Choose an active medical assistant." in text
    assert "Choose a task from the catalog." in text
    provider = client.get(f"/competencies/new?person_id={clinic['pat']}&task=injection")
    assert "Choose an active medical assistant." in provider.get_data(as_text=True)


def test_manager_enters_on_behalf_and_both_names_are_kept(client, auth, app, clinic):
    auth.login("manager@example.org")
    page = client.get(new_url(clinic))
    assert "The validator attests: &#34;I observed Ana Ruiz perform Injection&#34;" in (
        page.get_data(as_text=True)
    )
    response = client.post(new_url(clinic), data=sign_off_data(validated_by=clinic["lee"]))
    assert response.status_code == 302
    [comp] = competencies(app)
    assert comp.validated_by_id == clinic["lee"]
    assert comp.entered_by_id == clinic["mia"]
    assert comp.attested_at is not None
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dr. Lee" in detail
    assert "Mia Manager" in detail and "(on behalf of Dr. Lee)" in detail
    listing = client.get("/competencies/").get_data(as_text=True)
    assert "entered by Mia Manager" in listing


def test_manager_who_validates_is_not_kept_twice(client, auth, app, clinic):
    with app.app_context():
        olga = add_person("olga@example.org", Role.manager, "Olga Observer", can_validate=True)
        db.session.commit()
    auth.login("olga@example.org")
    response = client.post(new_url(clinic), data=sign_off_data(validated_by=olga))
    assert response.status_code == 302
    [comp] = competencies(app)
    assert comp.validated_by_id == olga and comp.entered_by_id is None


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("email", ["ana@example.org", "compliance@example.org"])
def test_those_who_may_not_validate_cannot_sign_off(client, auth, app, clinic, email):
    auth.login(email)
    assert client.get("/competencies/new").status_code == 403
    assert client.post(new_url(clinic, person="ben"), data=sign_off_data()).status_code == 403
    assert competencies(app) == []
    with app.app_context():
        refused = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "access_denied", AuditEvent.record_id == "competencies.new"
            )
        )
    assert refused == 2


def test_assistant_sees_only_their_own_competencies(client, auth, app, clinic):
    mine = record(app, clinic)
    theirs = record(app, clinic, person="ben")
    auth.login("ana@example.org")
    assert client.get(f"/competencies/{mine}").status_code == 200
    assert client.get(f"/competencies/{theirs}").status_code == 404
    assert client.get(f"/competencies/{theirs}/edit").status_code == 404
    listing = client.get(f"/competencies/?person={clinic['ben']}").get_data(as_text=True)
    assert f"/competencies/{mine}" in listing and f"/competencies/{theirs}" not in listing
    assert "Sign off a competency" not in listing
    # Their own record is read-only for them.
    assert client.get(f"/competencies/{mine}/edit").status_code == 403
    revoke = client.post(f"/competencies/{mine}/revoke", data={"revoked_on": TODAY.isoformat(),
                                                               "reason": "x"})  # fmt: skip
    assert revoke.status_code == 403


def test_missing_competency_is_404(client, auth, clinic):
    auth.login("manager@example.org")
    assert client.get("/competencies/999").status_code == 404
    assert client.post("/competencies/999/revoke", data={}).status_code == 404


@pytest.mark.parametrize(
    "email, status",
    [
        ("ana@example.org", 200),
        ("dr.pat@example.org", 200),
        ("manager@example.org", 200),
        ("compliance@example.org", 200),
        ("admin@example.org", 200),
    ],
)
def test_everyone_may_open_the_list_and_a_record_they_may_see(
    client, auth, app, clinic, email, status
):
    comp = record(app, clinic)
    auth.login(email)
    assert client.get("/competencies/").status_code == status
    assert client.get(f"/competencies/{comp}").status_code == status


def test_compliance_reads_but_cannot_correct_or_revoke(client, auth, app, clinic):
    comp = record(app, clinic)
    auth.login("compliance@example.org")
    page = client.get(f"/competencies/{comp}").get_data(as_text=True)
    assert "Revoke competency" not in page and f"/competencies/{comp}/edit" not in page
    assert client.get(f"/competencies/{comp}/edit").status_code == 403
    revoke = client.post(f"/competencies/{comp}/revoke", data={"revoked_on": TODAY.isoformat(),
                                                               "reason": "x"})  # fmt: skip
    assert revoke.status_code == 403


# --------------------------------------------------------------------------- correcting


def test_manager_corrects_and_the_audit_keeps_before_and_after(client, auth, app, clinic):
    comp = record(app, clinic)
    auth.login("manager@example.org")
    form = client.get(f"/competencies/{comp}/edit")
    assert form.status_code == 200 and b"checklist" in form.data
    response = client.post(
        f"/competencies/{comp}/edit",
        data=sign_off_data(validated_by=clinic["lee"], training_hours="12", attest=None),
    )
    assert response.status_code == 302
    [update] = events(app, "update")
    assert update.before["training_hours"] == 8.0 and update.after["training_hours"] == 12.0
    assert update.actor_label == "manager@example.org"
    [stored] = competencies(app)
    assert stored.entered_by_id is None  # the sign-off itself did not change
    detail = client.get(f"/competencies/{comp}").get_data(as_text=True)
    assert "Training hours:" in detail and "8.0 <span" in detail and "12.0" in detail


def test_changing_the_validator_needs_a_new_attestation(client, auth, app, clinic):
    comp = record(app, clinic)
    before = competencies(app)[0].attested_at
    auth.login("manager@example.org")
    data = sign_off_data(validated_by=clinic["pat"], attest=None)
    refused = client.post(f"/competencies/{comp}/edit", data=data)
    assert refused.status_code == 400
    assert "Required: confirm that Dr. Pat observed Ana Ruiz" in refused.get_data(as_text=True)
    assert competencies(app)[0].validated_by_id == clinic["lee"]
    assert events(app, "update") == []

    data["attest"] = "y"
    assert client.post(f"/competencies/{comp}/edit", data=data).status_code == 302
    [stored] = competencies(app)
    assert stored.validated_by_id == clinic["pat"]
    assert stored.entered_by_id == clinic["mia"]
    assert stored.attested_at >= before


def test_validator_corrects_their_own_sign_off_only(client, auth, app, clinic):
    comp = record(app, clinic)
    auth.login("dr.pat@example.org")
    assert client.get(f"/competencies/{comp}/edit").status_code == 403
    auth.logout()
    auth.login("dr.lee@example.org")
    response = client.post(
        f"/competencies/{comp}/edit", data=sign_off_data(evidence="Checklist #45", attest=None)
    )
    assert response.status_code == 302
    assert competencies(app)[0].evidence == "Checklist #45"


def test_saving_without_changes_writes_no_event(client, auth, app, clinic):
    comp = record(app, clinic)
    auth.login("dr.lee@example.org")
    data = sign_off_data(training_hours="8", evidence="checklist", attest=None)
    response = client.post(f"/competencies/{comp}/edit", data=data, follow_redirects=True)
    assert b"Nothing changed." in response.data
    assert events(app, "update") == []


# --------------------------------------------------------------------------- revoking


def test_manager_revokes_with_a_reason_kept_in_the_audit(client, auth, app, clinic):
    comp = record(app, clinic)
    auth.login("manager@example.org")
    response = client.post(
        f"/competencies/{comp}/revoke",
        data={"revoked_on": TODAY.isoformat(), "reason": "Failed re-check on 3 steps"},
    )
    assert response.status_code == 302
    [stored] = competencies(app)
    assert stored.revoked_on == TODAY
    [event] = events(app, "revoke")
    assert event.after["reason"] == "Failed re-check on 3 steps"
    assert event.before["revoked_on"] is None and event.after["revoked_on"] == TODAY.isoformat()
    detail = client.get(f"/competencies/{comp}").get_data(as_text=True)
    assert "revoked" in detail and "Failed re-check on 3 steps" in detail
    assert "Revoke competency" not in detail

    again = client.post(
        f"/competencies/{comp}/revoke", data={"revoked_on": TODAY.isoformat(), "reason": "again"}
    )
    assert again.status_code == 400
    assert f"Already revoked from {TODAY.isoformat()}." in again.get_data(as_text=True)
    assert len(events(app, "revoke")) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"revoked_on": TODAY.isoformat(), "reason": ""}, "Say why it is revoked."),
        ({"revoked_on": "", "reason": "Left"}, "Give the first day it no longer counts."),
        ({"revoked_on": "31/12/2026", "reason": "Left"}, "Not a valid date value."),
    ],
)
def test_revoking_needs_a_day_and_a_reason(client, auth, app, clinic, data, message):
    comp = record(app, clinic)
    auth.login("admin@example.org")
    response = client.post(f"/competencies/{comp}/revoke", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert competencies(app)[0].revoked_on is None
    assert events(app, "revoke") == []


def test_provider_cannot_revoke(client, auth, app, clinic):
    comp = record(app, clinic)
    auth.login("dr.lee@example.org")
    response = client.post(
        f"/competencies/{comp}/revoke", data={"revoked_on": TODAY.isoformat(), "reason": "x"}
    )
    assert response.status_code == 403
    assert competencies(app)[0].revoked_on is None


def test_sign_off_form_shows_the_state_minimum_hours(client, auth, app, clinic):
    """A manager sees the state's minimum before typing the hours, not on the re-check."""
    from tracker.policy.models import StateRule
    from tracker.vocabulary import RuleStatus

    with app.app_context():
        injection = db.session.scalar(select(Task).where(Task.code == "injection"))
        db.session.add(
            StateRule(state="CA", task=injection, status=RuleStatus.permitted,
                      requires_credentials=[], min_training_hours=10,
                      supervision=SupervisionLevel.on_site, citation="16 CCR 1366")
        )  # fmt: skip
        db.session.commit()
    auth.login("manager@example.org")
    page = client.get(new_url(clinic)).get_data(as_text=True)
    assert "Main St (CA):" in page
    assert "CA requires at least 10 training hours for Injection." in page
    # Said once, as text on the page, no longer carried in the expiry field's description.
    assert page.count("Clinical Task Policy v3") == 1


def test_a_refusal_of_no_form_field_shows_above_the_form_once(client, auth, app, clinic):
    comp = record(app, clinic)
    with app.app_context():
        db.session.get(Person, clinic["ana"]).role = Role.manager  # Ana moved to the office
        db.session.commit()
    auth.login("manager@example.org")
    data = sign_off_data(evidence="Checklist #45", validated_by=str(clinic["lee"]), attest=None)
    response = client.post(f"/competencies/{comp}/edit", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count("Ana Ruiz is not a medical assistant.") == 1
    assert (
        '<div class="alert alert-danger" role="alert">Ana Ruiz is not a medical assistant.' in page
    )
    assert competencies(app)[0].evidence == "checklist"
    assert events(app, "update") == []
