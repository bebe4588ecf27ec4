"""Protocols, acknowledgments and directions through their verbs and into the decision
(DESIGN section 15), on the sample practice with refill transmission recorded for Ana."""

from __future__ import annotations

import copy
from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.conftest import recording_statements, sample_practice
from tracker.audit.models import AuditEvent
from tracker.audit.services import CLI
from tracker.catalog.models import Task
from tracker.decision.facts import load_facts
from tracker.decision.services import evaluate
from tracker.errors import Refused
from tracker.extensions import db
from tracker.practice_file.importer import import_practice
from tracker.protocols import services
from tracker.protocols.models import Protocol
from tracker.sites.models import Site
from tracker.staff.models import License, Person
from tracker.vocabulary import ProtocolState, Role

#: Monday 2026-11-23, 10:00 in Los Angeles.
AT = datetime.fromisoformat("2026-11-23T10:00:00-08:00")
REFILL = "refill-transmission"


def refill_practice(assistants: int = 0) -> dict:
    """The sample practice, with what refill transmission needs but a provider's decision."""
    data = copy.deepcopy(sample_practice())
    data["state_rules"].append(
        {"state": "CA", "task": REFILL, "status": "permitted", "requires_credentials": [],
         "min_training_hours": 0, "supervision": "available", "citation": "16 CCR 1366",
         "verified_on": "2026-06-01"}
    )  # fmt: skip
    data["policies"].append(
        {"task": REFILL, "job_levels": [], "site": None, "authorized": True,
         "requires_credentials": [], "supervision": "available",
         "competency_valid_months": None, "document": "Phone policy v1",
         "effective_from": "2026-01-01", "effective_to": None}
    )  # fmt: skip
    emails = ["ana@example.org"]
    for n in range(assistants):
        email = f"assistant{n}@example.org"
        emails.append(email)
        data["people"].append({"email": email, "name": f"MA {n}", "role": "assistant",
                               "job_level": "CMA", "sites": ["main"]})  # fmt: skip
        data["supervision"].append({"assistant": email, "provider": "dr.lee@example.org",
                                    "site": "main", "starts_on": "2026-01-01",
                                    "ends_on": None})  # fmt: skip
    for email in emails:
        data["competencies"].append(
            {"person": email, "task": REFILL, "trained_on": "2026-02-01",
             "training_hours": 2, "validated_on": "2026-02-10",
             "validated_by": "dr.lee@example.org", "expires_on": None,
             "prior_employer": False, "revoked_on": None, "evidence": "Phone checklist"}
        )  # fmt: skip
    return data


@pytest.fixture
def refills(app):
    with app.app_context():
        import_practice(refill_practice(), actor=CLI)
        db.session.commit()


def one(model, **by):
    return db.session.scalars(select(model).filter_by(**by)).one()


def decide_for_ana():
    return evaluate(one(Person, email="ana@example.org"), one(Task, code=REFILL),
                    one(Site, code="main"), AT)  # fmt: skip


def supervision_of(decision):
    return next(c for c in decision.conditions if c.condition == "supervision")


def test_without_a_provider_decision_refills_are_flagged_and_say_to_ask(app, refills):
    with app.app_context():
        decision = decide_for_ana()
        assert decision.status == "flagged"
        assert "ask the provider; do not decide it yourself" in supervision_of(decision).reason


def test_a_direction_makes_that_request_clear_and_is_named(app, refills):
    with app.app_context():
        lee = one(Person, email="dr.lee@example.org")
        direction = services.give_direction(
            lee, provider=lee, assistant=one(Person, email="ana@example.org"),
            task=one(Task, code=REFILL), site=one(Site, code="main"),
            given_at=datetime.fromisoformat("2026-11-23T09:10:00-08:00"), reference="REQ-1182",
        )  # fmt: skip
        db.session.commit()
        # The default window ends at the end of that day in Los Angeles.
        assert direction.valid_until == datetime.fromisoformat("2026-11-24T00:00:00-08:00")
        decision = decide_for_ana()
        assert decision.status == "clear"
        assert "REQ-1182" in supervision_of(decision).reason
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "directions")
        ).one()
        assert (event.action, event.actor_label) == ("create", "dr.lee@example.org")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"task": "injection"}, "task"),
        ({"task": "diagnosis"}, "task"),
        ({"provider": "manager@example.org"}, "provider"),
        ({"assistant": "dr.lee@example.org"}, "assistant"),
        ({"reference": ""}, "reference"),
        ({"reference": "REQ\n1"}, "reference"),
        ({"valid_until": datetime.fromisoformat("2026-11-24T09:00:00-08:00")}, "valid_until"),
        ({"valid_until": datetime.fromisoformat("2026-11-23T08:00:00-08:00")}, "valid_until"),
        ({"site": "north"}, "provider"),  # Dr. Lee has no Texas license
    ],
)
def test_give_direction_refuses(app, refills, changes, field):
    with app.app_context():
        values = {"provider": "dr.lee@example.org", "assistant": "ana@example.org",
                  "task": REFILL, "site": "main", "reference": "REQ-1",
                  "given_at": datetime.fromisoformat("2026-11-23T09:10:00-08:00")}  # fmt: skip
        values.update(changes)
        kwargs = {
            "provider": one(Person, email=values["provider"]),
            "assistant": one(Person, email=values["assistant"]),
            "task": one(Task, code=values["task"]),
            "site": one(Site, code=values["site"]),
            "given_at": values["given_at"],
            "valid_until": values.get("valid_until"),
            "reference": values["reference"],
        }
        with pytest.raises(Refused) as refused:
            services.give_direction(CLI, **kwargs)
        assert field in refused.value.by_field
        db.session.rollback()
        assert decide_for_ana().status == "flagged"


def draft(version=1, sites=("main",)):
    return services.create_protocol(
        CLI, code="refills", title="Refill calls", version=version,
        tasks=[one(Task, code=REFILL)], sites=[one(Site, code=c) for c in sites],
        document=f"Refill protocol v{version}",
    )  # fmt: skip


def test_an_approved_and_acknowledged_protocol_makes_refills_clear(app, refills):
    with app.app_context():
        lee, ana = one(Person, email="dr.lee@example.org"), one(Person, email="ana@example.org")
        first = draft()
        db.session.commit()
        assert decide_for_ana().status == "flagged"  # a draft counts for nothing
        services.approve_protocol(lee, first, approved_by=lee, approved_on=date(2026, 6, 1))
        assert first.review_by == date(2027, 6, 1)  # twelve months by default
        db.session.commit()
        reason = supervision_of(decide_for_ana()).reason
        assert "has not acknowledged the Refill calls protocol (v1)" in reason
        services.acknowledge_protocol(ana, first, ana, AT.replace(hour=8))
        db.session.commit()
        decision = decide_for_ana()
        assert decision.status == "clear"
        assert "Refill calls protocol (v1)" in supervision_of(decision).reason
        # A second version's approval retires the first; Ana must read the new one.
        second = draft(version=2)
        services.approve_protocol(lee, second, approved_by=lee, approved_on=date(2026, 11, 1))
        db.session.commit()
        assert first.state == ProtocolState.retired
        reason = supervision_of(decide_for_ana()).reason
        assert "only in version 1; read and acknowledge version 2" in reason
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.record_type == "protocols")
        ).all()
        assert actions.count("approve") == 2 and "retire" in actions


def test_only_a_provider_licensed_in_each_covered_state_approves(app, refills):
    with app.app_context():
        lee = one(Person, email="dr.lee@example.org")
        everywhere = draft(sites=())  # every site: Main St (CA) and North (TX)
        with pytest.raises(Refused) as refused:
            services.approve_protocol(lee, everywhere, approved_by=lee,
                                      approved_on=date(2026, 6, 1))  # fmt: skip
        assert "no Texas license" in str(refused.value)
        db.session.rollback()
        manager = one(Person, email="manager@example.org")
        protocol = draft()
        with pytest.raises(Refused):
            services.approve_protocol(manager, protocol, approved_by=manager,
                                      approved_on=date(2026, 6, 1))  # fmt: skip
        db.session.rollback()
        lapsed = one(License, person_id=lee.id)
        lapsed.expires_on = date(2026, 5, 31)
        protocol = draft()
        with pytest.raises(Refused):
            services.approve_protocol(lee, protocol, approved_by=lee, approved_on=date(2026, 6, 1))


def test_an_acknowledgment_is_kept_once_and_only_for_an_approved_protocol(app, refills):
    with app.app_context():
        lee, ana = one(Person, email="dr.lee@example.org"), one(Person, email="ana@example.org")
        protocol = draft()
        with pytest.raises(Refused):
            services.acknowledge_protocol(ana, protocol, ana, AT)
        services.approve_protocol(lee, protocol, approved_by=lee, approved_on=date(2026, 6, 1))
        services.acknowledge_protocol(ana, protocol, ana, AT)
        with pytest.raises(Refused):
            services.acknowledge_protocol(ana, protocol, ana, AT)
        with pytest.raises(Refused):
            services.acknowledge_protocol(lee, protocol, lee, AT)
        assert lee.role == Role.provider


def test_a_custom_task_needs_direction_only_when_clinical(app):
    from tracker.catalog.services import create_task

    with app.app_context():
        task = create_task(CLI, code="med-reconcile", name="Medication list relay",
                           kind="clinical", needs_direction=True)  # fmt: skip
        assert task.needs_direction
        with pytest.raises(Refused) as refused:
            create_task(CLI, code="front-calls", name="Front desk calls",
                        kind="administrative", needs_direction=True)  # fmt: skip
        assert "needs_direction" in refused.value.by_field


def queries_with_directions(assistants: int) -> int:
    import_practice(refill_practice(assistants), actor=CLI)
    db.session.commit()
    lee = one(Person, email="dr.lee@example.org")
    task, site = one(Task, code=REFILL), one(Site, code="main")
    if db.session.scalar(select(Protocol.id).limit(1)) is None:
        protocol = draft()
        services.approve_protocol(lee, protocol, approved_by=lee, approved_on=date(2026, 6, 1))
    protocol = one(Protocol, code="refills")
    people = db.session.scalars(select(Person).where(Person.role == Role.assistant)).all()
    for n, person in enumerate(people):
        if person.email.startswith("assistant") and int(person.email[9:].split("@")[0]) % 2:
            if not services_acknowledged(person, protocol):
                services.acknowledge_protocol(CLI, protocol, person, AT.replace(hour=7))
        elif not person.email.startswith("ana"):
            services.give_direction(
                CLI, provider=lee, assistant=person, task=task, site=site,
                given_at=AT.replace(hour=9, minute=n % 60), reference=f"REQ-{assistants}-{n}",
            )  # fmt: skip
    db.session.commit()
    emails = [p.email for p in people]
    db.session.expunge_all()
    with recording_statements(db.engine) as statements:
        book = load_facts(shifts_from=AT, shifts_to=AT)
        decisions = [book.decide(email, REFILL, "main", AT) for email in emails]
    assert {d.status for d in decisions if d.assistant != "ana@example.org"} == {"clear"}
    return len(statements)


def services_acknowledged(person, protocol) -> bool:
    from tracker.protocols.models import ProtocolAcknowledgment

    return (
        db.session.scalar(
            select(ProtocolAcknowledgment.id).filter_by(
                person_id=person.id, protocol_id=protocol.id
            )
        )
        is not None
    )


def test_protocols_and_directions_load_in_as_many_queries_for_20_assistants_as_for_2(app):
    with app.app_context():
        for_two = queries_with_directions(2)
        for_twenty = queries_with_directions(20)
    assert for_two > 0
    assert for_twenty == for_two


# --------------------------------------------------------------------------- practice file

#: DESIGN section 15's example, over the sample practice.
DESIGN_EXAMPLE = {
    "protocols": [{"code": "phone-routing", "title": "Phone routing", "version": 3,
        "tasks": ["protocol-phone-routing"], "sites": ["main"],
        "approved_by": "dr.lee@example.org", "approved_on": "2026-06-01", "review_by": None,
        "document": "Phone protocol v3", "state": "approved"}],
    "acknowledgments": [{"person": "ana@example.org", "protocol": "phone-routing",
        "version": 3, "acknowledged_at": "2026-06-02T10:00:00-07:00"}],
    "directions": [{"provider": "dr.lee@example.org", "assistant": "ana@example.org",
        "task": "refill-transmission", "site": "main", "given_at": "2026-11-23T09:10:00-08:00",
        "valid_until": None, "reference": "REQ-1182", "carried_out": False}],
}  # fmt: skip


def test_the_design_example_imports_exports_and_round_trips(app, tmp_path):
    from tests.conftest import make_app
    from tracker.catalog.services import ensure_catalog
    from tracker.practice_file.exporter import export_practice

    data = {**refill_practice(), **copy.deepcopy(DESIGN_EXAMPLE)}
    data["tasks"].append({"code": "med-relay", "name": "Medication list relay",
                          "kind": "clinical", "needs_direction": True})  # fmt: skip
    with app.app_context():
        counts, _ = import_practice(data, actor=CLI)
        db.session.commit()
        assert counts["protocols"]["created"] == 1
        assert decide_for_ana().status == "clear"
        exported = export_practice()
        again, _ = import_practice(exported, actor=CLI)  # the same file twice: no change
        assert set(again["protocols"]) == set(again["directions"]) == {"unchanged"}
        assert set(again["acknowledgments"]) == {"unchanged"}
    assert exported["protocols"][0]["review_by"] == "2027-06-01"
    assert exported["directions"][0]["valid_until"] == "2026-11-24T00:00:00-08:00"
    assert exported["acknowledgments"][0]["version"] == 3
    assert {"code": "med-relay", "name": "Medication list relay", "kind": "clinical",
            "needs_direction": True} in exported["tasks"]  # fmt: skip
    other = make_app(f"sqlite:///{tmp_path / 'other.db'}")
    with other.app_context():
        db.create_all()
        ensure_catalog()
        import_practice(exported, actor=CLI)
        db.session.commit()
        assert export_practice() == exported


@pytest.mark.parametrize(
    ("section", "changes", "place"),
    [
        ("protocols", {"approved_by": "manager@example.org"}, "protocols[0].approved_by"),
        ("protocols", {"tasks": ["injection"]}, "protocols[0].tasks"),
        ("protocols", {"state": "approved", "approved_on": None}, "protocols[0].approved_on"),
        ("acknowledgments", {"version": 9}, "acknowledgments[0].protocol"),
        ("directions", {"task": "diagnosis"}, "directions[0].task"),
        ("directions", {"valid_until": "2026-11-25T00:00:00-08:00"}, "directions[0].valid_until"),
    ],
)
def test_a_bad_entry_is_refused_at_its_place_and_nothing_is_kept(app, section, changes, place):
    data = {**refill_practice(), **copy.deepcopy(DESIGN_EXAMPLE)}
    data[section][0].update(changes)
    with app.app_context():
        with pytest.raises(Refused) as refused:
            import_practice(data, actor=CLI)
        db.session.rollback()
        assert place in [p.place for p in refused.value.problems], refused.value
        assert db.session.scalar(select(Protocol.id).limit(1)) is None
