"""The record verbs and read models against a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import recording_statements
from tracker.audit.models import AuditEvent
from tracker.audit.services import verify_chain
from tracker.catalog import services as catalog_services
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.errors import Refused
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.sites import services as sites_services
from tracker.sites.models import Site
from tracker.staff import services as staff_services
from tracker.staff.models import Credential, License, Person
from tracker.supervision import services as supervision_services
from tracker.supervision.models import Shift, SupervisionAssignment
from tracker.training import queries as read
from tracker.vocabulary import Role, RuleStatus, SupervisionLevel, TaskKind

TODAY = date(2026, 11, 22)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def world(ctx):
    main = Site(code="main", name="Main St", state="CA", timezone="America/Los_Angeles")
    north = Site(code="north", name="North", state="TX", timezone="America/Chicago")
    admin = Person(email="root@example.org", name="Ad Min", role=Role.admin)
    manager = Person(email="boss@example.org", name="Bo", role=Role.manager)
    ana = Person(email="ana@example.org", name="Ana", role=Role.assistant, job_level="CMA")
    lee = Person(email="lee@example.org", name="Dr. Lee", role=Role.provider)
    ana.sites = [main]
    lee.sites = [main]
    db.session.add_all([main, north, admin, manager, ana, lee])
    db.session.flush()
    return {"main": main, "north": north, "admin": admin, "manager": manager, "ana": ana,
            "lee": lee}  # fmt: skip


def task(code: str) -> Task:
    return db.session.scalar(select(Task).where(Task.code == code))


def competency(person, code, validated, expires=None, **extra) -> Competency:
    comp = Competency(
        person=person, task=task(code), validated_on=validated, expires_on=expires,
        training_hours=extra.pop("hours", 12), **extra,
    )  # fmt: skip
    db.session.add(comp)
    return comp


# --------------------------------------------------------------------------- people


def test_a_new_state_is_reported_and_the_audit_event_names_the_sites(world):
    ana = world["ana"]
    gained = staff_services.update_person(
        world["manager"], ana, email="ana@example.org", name="Ana", role=Role.assistant,
        job_level="CMA", site_ids=[world["main"].id, world["north"].id],
    )  # fmt: skip
    assert gained == {"TX"}
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.before["sites"] == ["main"] and last.after["sites"] == ["main", "north"]

    again = staff_services.update_person(
        world["manager"], ana, email="ana@example.org", name="Ana", role=Role.assistant,
        job_level="CMA", site_ids=[world["north"].id],
    )  # fmt: skip
    assert again == set()  # Texas is not new any more


def test_saving_an_unchanged_person_writes_no_event(world):
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    staff_services.update_person(
        world["manager"], world["ana"], email="ana@example.org", name="Ana",
        role=Role.assistant, job_level="CMA", site_ids=[world["main"].id],
    )  # fmt: skip
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_every_problem_is_reported_at_once_and_nothing_changes(world):
    with pytest.raises(Refused) as caught:
        staff_services.create_person(
            world["manager"], email="ANA@example.org", name="X", role=Role.admin,
            job_level="CMA", site_ids=[9999], password="short",
        )  # fmt: skip
    fields = {p.field for p in caught.value.problems}
    assert fields == {"role", "email", "job_level", "password", "sites"}
    assert db.session.scalar(select(func.count(Person.id))) == 4


# --------------------------------------------------------------------------- supervision


@pytest.mark.parametrize(
    ("existing", "new", "overlaps"),
    [
        ((date(2026, 1, 1), None), (date(2027, 5, 1), None), True),
        ((date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 6, 30), None), True),
        ((date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 7, 1), None), False),
        ((date(2026, 7, 1), None), (date(2026, 1, 1), date(2026, 6, 30)), False),
        ((date(2026, 7, 1), None), (date(2026, 1, 1), date(2026, 7, 1)), True),
    ],
)
def test_assignment_overlap_is_inclusive_of_both_ends(world, existing, new, overlaps):
    args = {"assistant": world["ana"], "provider": world["lee"], "site": world["main"]}
    supervision_services.create_assignment(
        world["manager"], **args, starts_on=existing[0], ends_on=existing[1]
    )
    if overlaps:
        with pytest.raises(Refused, match="overlaps these dates"):
            supervision_services.create_assignment(
                world["manager"], **args, starts_on=new[0], ends_on=new[1]
            )
    else:
        supervision_services.create_assignment(
            world["manager"], **args, starts_on=new[0], ends_on=new[1]
        )


def test_the_same_dates_at_another_site_or_with_another_provider_are_fine(world):
    patel = Person(email="patel@example.org", name="Dr. Patel", role=Role.provider)
    db.session.add(patel)
    for provider, site in ((world["lee"], world["main"]), (world["lee"], world["north"]),
                           (patel, world["main"])):  # fmt: skip
        supervision_services.create_assignment(
            world["manager"], assistant=world["ana"], provider=provider, site=site,
            starts_on=date(2026, 1, 1), ends_on=None,
        )  # fmt: skip
    assert db.session.scalar(select(func.count(SupervisionAssignment.id))) == 3


def test_an_assignment_may_be_edited_without_clashing_with_itself(world):
    assignment = supervision_services.create_assignment(
        world["manager"], assistant=world["ana"], provider=world["lee"], site=world["main"],
        starts_on=date(2026, 1, 1), ends_on=None,
    )  # fmt: skip
    supervision_services.update_assignment(
        world["manager"], assignment, assistant=world["ana"], provider=world["lee"],
        site=world["main"], starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31),
    )  # fmt: skip
    assert assignment.starts_on == date(2026, 2, 1)


def test_only_an_assistant_and_a_provider_make_an_assignment(world):
    with pytest.raises(Refused) as caught:
        supervision_services.create_assignment(
            world["manager"], assistant=world["lee"], provider=world["ana"], site=world["main"],
            starts_on=date(2026, 1, 1), ends_on=None,
        )  # fmt: skip
    assert {p.field for p in caught.value.problems} == {"assistant", "provider"}


# --------------------------------------------------------------------------- shifts


def test_a_wall_clock_time_the_clocks_skip_does_not_exist():
    assert (
        supervision_services.site_moment(datetime(2026, 3, 8, 2, 30), "America/Los_Angeles") is None
    )
    assert supervision_services.site_moment(
        datetime(2026, 3, 8, 3, 30), "America/Los_Angeles"
    ) == datetime(2026, 3, 8, 10, 30, tzinfo=UTC)
    # 01:30 on the night the clocks go back happens twice; the first (daylight) one is taken.
    assert supervision_services.site_moment(
        datetime(2026, 11, 1, 1, 30), "America/Chicago"
    ) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_a_shift_across_the_clock_change_lasts_its_real_length(world):
    shift = supervision_services.create_shift(
        world["manager"], provider=world["lee"], site=world["main"],
        starts_local=datetime(2026, 11, 1, 0, 0), ends_local=datetime(2026, 11, 1, 8, 0),
    )  # fmt: skip
    assert shift.ends_at - shift.starts_at == timedelta(hours=9)


def test_a_shift_needs_a_provider(world):
    with pytest.raises(Refused, match="is not a provider"):
        supervision_services.create_shift(
            world["manager"], provider=world["ana"], site=world["main"],
            starts_local=datetime(2026, 7, 1, 8), ends_local=datetime(2026, 7, 1, 17),
        )  # fmt: skip
    assert db.session.scalar(select(func.count(Shift.id))) == 0


# --------------------------------------------------------------------------- tasks


def test_the_service_refuses_reserved_and_built_in_tasks_whatever_the_caller(world):
    with pytest.raises(Refused, match="Reserved tasks"):
        catalog_services.create_task(
            world["manager"], code="mine", name="Mine", kind=TaskKind.reserved
        )
    with pytest.raises(Refused, match="built-in catalog"):
        catalog_services.create_task(
            world["manager"], code="xray", name="X", kind=TaskKind.clinical
        )
    with pytest.raises(Refused, match="cannot be changed"):
        catalog_services.update_task(
            world["manager"], task("injection"), code="injection", name="Shots",
            kind=TaskKind.clinical,
        )  # fmt: skip
    assert task("injection").name == "Injection"


# --------------------------------------------------------------------------- expiring


def test_only_the_record_that_runs_longest_speaks_for_its_kind(world):
    ana, lee = world["ana"], world["lee"]
    competency(ana, "xray", date(2025, 1, 1), expires=date(2026, 1, 1))
    competency(ana, "xray", date(2026, 1, 1), expires=date(2026, 12, 1))
    competency(ana, "injection", date(2025, 1, 1), expires=date(2026, 1, 1))
    competency(ana, "injection", date(2026, 1, 1))  # no expiry: the older one is renewed
    db.session.add_all([
        Credential(person=ana, type="CMA", number="1", expires_on=date(2026, 10, 1)),
        Credential(person=ana, type="CMA", number="2", expires_on=date(2031, 10, 1)),
        License(person=lee, type="MD", number="A", state="CA", expires_on=date(2026, 12, 1)),
        License(person=lee, type="MD", number="B", state="TX", expires_on=date(2026, 12, 2)),
    ])  # fmt: skip
    db.session.flush()

    report = read.expiring_items(TODAY, 30)

    assert [(i.kind, i.what, i.status) for i in report.due] == [
        ("competency", "X-ray and imaging competency", "expiring"),
        ("license", "CA MD license #A", "expiring"),
        ("license", "TX MD license #B", "expiring"),
    ]
    assert [i.what for i in report.no_expiry] == ["Injection competency"]


def test_revoked_prior_employer_and_unvalidated_competencies_are_not_listed(world):
    ana = world["ana"]
    competency(ana, "xray", date(2026, 1, 1), expires=date(2026, 12, 1),
               revoked_on=date(2026, 11, 1))  # fmt: skip
    competency(ana, "injection", date(2026, 1, 1), expires=date(2026, 12, 1), prior_employer=True)
    competency(ana, "venipuncture", None, expires=date(2026, 12, 1))
    # Revoked only from next week: it still counts today.
    competency(ana, "ear-lavage", date(2026, 1, 1), expires=date(2026, 12, 1),
               revoked_on=date(2026, 11, 30))  # fmt: skip
    db.session.flush()
    report = read.expiring_items(TODAY, 30)
    assert [i.what for i in report.due] == ["Ear lavage competency"]


def test_a_competency_takes_its_expiry_from_the_policy(world):
    policy = Policy(
        task=task("injection"), authorized=True, supervision=SupervisionLevel.on_site,
        competency_valid_months=12, effective_from=date(2025, 1, 1),
    )  # fmt: skip
    db.session.add(policy)
    competency(world["ana"], "injection", date(2025, 12, 15))
    db.session.flush()
    (item,) = read.expiring_items(TODAY, 30).due
    assert item.expires_on == date(2026, 12, 15) and item.derived
    assert "(expiry from policy)" in item.line()


def test_a_deactivated_persons_items_show_only_on_their_own_file(world):
    ana = world["ana"]
    ana.active = False
    db.session.add(Credential(person=ana, type="CMA", number="1", expires_on=date(2026, 12, 1)))
    db.session.flush()
    assert read.expiring_items(TODAY, 30).due == []
    assert len(read.expiring_items(TODAY, 30, person_id=ana.id).due) == 1


def test_the_expiring_list_runs_a_fixed_number_of_queries(app, world):
    def queries_for(extra_people: int) -> int:
        for n in range(extra_people):
            person = Person(email=f"p{n}.{extra_people}@example.org", name=f"P{n}",
                            role=Role.assistant, job_level="CMA")  # fmt: skip
            person.sites = [world["main"]]
            db.session.add(person)
            competency(person, "injection", date(2026, 1, 1))
            db.session.add(Credential(person=person, type="CMA", expires_on=date(2026, 12, 1)))
        db.session.flush()
        with recording_statements(db.engine) as statements:
            read.expiring_items(TODAY, 30)
        return len(statements)

    assert queries_for(2) == queries_for(20)


# --------------------------------------------------------------------------- state scope


def test_state_scope_flags_missing_rules_credentials_hours_and_stale_rules(world):
    ana = world["ana"]
    competency(ana, "injection", date(2026, 1, 1), hours=4)
    competency(ana, "xray", date(2026, 1, 1))
    competency(ana, "vital-signs", date(2026, 1, 1))
    competency(ana, "iv-therapy", date(2026, 1, 1))
    competency(ana, "scheduling", date(2026, 1, 1))
    db.session.add_all([
        StateRule(state="TX", task=task("injection"), status=RuleStatus.permitted,
                  supervision=SupervisionLevel.on_site, min_training_hours=10,
                  verified_on=date(2026, 6, 1)),
        StateRule(state="TX", task=task("xray"), status=RuleStatus.permitted,
                  supervision=SupervisionLevel.on_site, requires_credentials=["MRT"],
                  verified_on=date(2026, 6, 1)),
        StateRule(state="TX", task=task("vital-signs"), status=RuleStatus.permitted,
                  supervision=SupervisionLevel.available, verified_on=date(2024, 1, 1)),
        StateRule(state="TX", task=task("iv-therapy"), status=RuleStatus.prohibited,
                  supervision=SupervisionLevel.none, verified_on=date(2026, 6, 1)),
    ])  # fmt: skip
    db.session.flush()

    (texas,) = read.state_scope(ana, TODAY, {"TX"})

    lines = {line.task.code: line for line in texas.lines}
    assert lines["injection"].status == "permitted" and lines["injection"].needs_action
    assert "Needs 10 training hours; the record shows 4." in lines["injection"].notes
    assert "Needs one of MRT: none held." in lines["xray"].notes
    assert any("re-verify" in note for note in lines["vital-signs"].notes)
    assert lines["iv-therapy"].status == "prohibited"
    assert lines["scheduling"].status == "no rule needed" and not lines["scheduling"].needs_action
    assert texas.missing_credentials == ["MRT"]

    db.session.add(Credential(person=ana, type="MRT", issued_on=date(2025, 1, 1)))
    db.session.flush()
    db.session.refresh(ana)
    (texas,) = read.state_scope(ana, TODAY, {"TX"})
    assert texas.missing_credentials == []


def test_state_scope_notes_held_credentials_citations_and_tasks_without_a_rule(world):
    ana = world["ana"]
    competency(ana, "injection", date(2025, 1, 1), hours=10)  # the most hours count
    competency(ana, "injection", date(2026, 1, 1), hours=4)
    competency(ana, "xray", date(2026, 1, 1))
    competency(ana, "venipuncture", date(2026, 1, 1))
    competency(ana, "iv-therapy", date(2026, 1, 1), revoked_on=date(2026, 5, 1))
    competency(ana, "diagnosis", date(2026, 1, 1))  # reserved: never in scope
    db.session.add_all([
        StateRule(state="TX", task=task("injection"), status=RuleStatus.permitted,
                  supervision=SupervisionLevel.on_site, min_training_hours=10,
                  verified_on=date(2026, 6, 1), citation="Tex. Occ. Code 157.001"),
        StateRule(state="TX", task=task("xray"), status=RuleStatus.permitted,
                  supervision=SupervisionLevel.on_site, requires_credentials=["MRT", "RT"]),
        StateRule(state="TX", task=task("iv-therapy"), status=RuleStatus.permitted,
                  supervision=SupervisionLevel.on_site, verified_on=date(2026, 6, 1)),
        Credential(person=ana, type="RT", issued_on=date(2025, 1, 1)),
    ])  # fmt: skip
    db.session.flush()
    db.session.refresh(ana)

    (texas,) = read.state_scope(ana, TODAY, {"TX"})

    lines = {line.task.code: line for line in texas.lines}
    assert list(lines) == ["injection", "venipuncture", "xray"]
    assert lines["injection"].notes == ("Citation: Tex. Occ. Code 157.001",)
    assert not lines["injection"].needs_action
    assert lines["xray"].notes == (
        "Needs one of MRT, RT: held.",
        "Rule last verified: never; re-verify it.",
    )
    assert lines["venipuncture"].status == "not verified" and lines["venipuncture"].needs_action
    assert lines["venipuncture"].notes == (
        "No Texas rule is recorded: verify with the Texas medical board and the AAMA state "
        "scope resource, then record the rule.",
    )
    assert texas.credentials == (("MRT", False), ("RT", True))
    assert texas.missing_credentials == ["MRT"]
    assert read.state_scope(world["lee"], TODAY, {"TX"}) == []
    assert read.state_scope(ana, TODAY, set()) == []


def test_the_record_verbs_keep_the_audit_chain_whole(world):
    sites_services.create_site(world["admin"], code="east", name="East", state="NY",
                         timezone="America/New_York")  # fmt: skip
    cred = staff_services.create_credential(
        world["manager"], world["ana"], today=TODAY, type="CMA", number="9", issuer="AAMA",
        issued_on=date(2025, 1, 1), expires_on=None, verified_on=None,
    )  # fmt: skip
    staff_services.update_credential(
        world["manager"], cred, today=TODAY, type="CMA", number="9", issuer="AAMA",
        issued_on=date(2025, 1, 1), expires_on=date(2030, 1, 1), verified_on=TODAY,
    )  # fmt: skip
    staff_services.set_active(world["admin"], world["ana"], False)
    db.session.commit()
    whole, message = verify_chain()
    assert whole, message
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["create", "create", "update", "deactivate"]
