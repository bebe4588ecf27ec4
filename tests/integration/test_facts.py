"""Facts loaded from the database give the same decision as the same facts given by hand."""

from __future__ import annotations

import copy
from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.conftest import recording_statements, sample_practice
from tracker.audit.services import CLI
from tracker.catalog.models import Task
from tracker.decision.facts import load_facts, load_for_decision
from tracker.decision.services import evaluate
from tracker.extensions import db
from tracker.practice_file.importer import import_practice
from tracker.rule.rules import decide
from tracker.rule.values import (
    CompetencyFacts,
    CredentialFacts,
    LicenseFacts,
    PersonFacts,
    PolicyFacts,
    ShiftFacts,
    SiteFacts,
    StateRuleFacts,
    SupervisionFacts,
    TaskFacts,
)
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import RuleStatus, SupervisionLevel, TaskKind

# The sample practice of conftest.sample_practice, written out by hand.
MAIN = SiteFacts("main", "Main St", "CA", "America/Los_Angeles")
NORTH = SiteFacts("north", "North", "TX", "America/Chicago")
SITES = {"main": MAIN, "north": NORTH}
TASKS = {
    "injection": TaskFacts("injection", "Injection", TaskKind.clinical),
    "scheduling": TaskFacts("scheduling", "Scheduling", TaskKind.administrative),
    "diagnosis": TaskFacts("diagnosis", "Diagnosis", TaskKind.reserved),
    "spirometry": TaskFacts("spirometry", "Spirometry", TaskKind.clinical),
}
LEE = PersonFacts(
    "dr.lee@example.org", "Dr. Lee", "provider", site_codes=frozenset({"main"}),
    can_validate=True, licenses=(LicenseFacts("MD", "A12345", "CA", date(2027, 6, 30)),),
)  # fmt: skip
ANA = PersonFacts(
    "ana@example.org", "Ana Ruiz", "assistant", job_level="CMA", site_codes=frozenset({"main"}),
    credentials=(CredentialFacts("CMA", "123", date(2024, 1, 1), date(2029, 1, 1),
                                 date(2024, 2, 1), "AAMA"),),
)  # fmt: skip
MANAGER = PersonFacts(
    "manager@example.org", "Mia Manager", "manager", site_codes=frozenset({"main", "north"})
)
PEOPLE = {p.email: p for p in (LEE, ANA, MANAGER)}
BY_HAND = {
    "state_rule": StateRuleFacts(
        "CA", "injection", RuleStatus.permitted, SupervisionLevel.on_site,
        min_training_hours=10, citation="16 CCR 1366, 1366.1", verified_on=date(2026, 6, 1),
    ),
    "policies": (
        PolicyFacts(
            "injection", True, SupervisionLevel.on_site, job_levels=("CMA",),
            competency_valid_months=12, document="Clinical Task Policy v3",
            effective_from=date(2026, 1, 1),
        ),
    ),
    "competencies": (
        CompetencyFacts("injection", validated_on=date(2026, 2, 10), validated_by=LEE,
                        training_hours=12),
    ),
    "supervision": (SupervisionFacts(LEE, "main", date(2026, 1, 1)),),
    "shifts": (
        ShiftFacts(LEE.email, "main", datetime.fromisoformat("2026-11-23T08:00:00-08:00"),
                   datetime.fromisoformat("2026-11-23T17:00:00-08:00")),
    ),
}  # fmt: skip

SITUATIONS = [
    # (assistant, task, site, at, delegated_by, in_room, expected status)
    ("ana@example.org", "injection", "main", "2026-11-23T10:00:00-08:00", None, False, "clear"),
    ("ana@example.org", "injection", "main", "2026-11-23T17:00:00-08:00", None, False, "flagged"),
    ("ana@example.org", "injection", "main", "2027-03-01T10:00:00-08:00", None, False, "flagged"),
    ("ana@example.org", "injection", "main", "2026-11-23T10:00:00-08:00", "dr.lee@example.org",
     True, "clear"),
    ("ana@example.org", "injection", "main", "2026-11-23T10:00:00-08:00", "manager@example.org",
     False, "flagged"),
    ("ana@example.org", "injection", "north", "2026-11-23T10:00:00-06:00", None, False, "flagged"),
    ("ana@example.org", "scheduling", "main", "2026-11-23T10:00:00-08:00", None, False, "flagged"),
    ("ana@example.org", "spirometry", "main", "2026-11-23T10:00:00-08:00", None, False, "flagged"),
    ("ana@example.org", "diagnosis", "main", "2026-11-23T10:00:00-08:00", None, False,
     "prohibited"),
    ("manager@example.org", "injection", "north", "2026-11-23T10:00:00-06:00", None, False,
     "flagged"),
]  # fmt: skip


def by_hand(assistant, task, site, at, delegated_by, in_room):
    state_rule = BY_HAND["state_rule"]
    return decide(
        PEOPLE[assistant],
        TASKS[task],
        SITES[site],
        at,
        PEOPLE[delegated_by] if delegated_by else None,
        in_room,
        state_rule=state_rule if (SITES[site].state, task) == ("CA", "injection") else None,
        policies=BY_HAND["policies"],
        # Only Ana has records of her own.
        competencies=BY_HAND["competencies"] if assistant == ANA.email else (),
        supervision=BY_HAND["supervision"] if assistant == ANA.email else (),
        shifts=BY_HAND["shifts"],
    )


@pytest.mark.parametrize(
    "assistant, task, site, at, delegated_by, in_room, status",
    SITUATIONS,
    ids=[f"{s[1]}-{s[2]}-{s[3]}-{s[4]}-{s[6]}" for s in SITUATIONS],
)
def test_loaded_facts_decide_as_facts_given_by_hand(
    app, practice, assistant, task, site, at, delegated_by, in_room, status
):
    moment = datetime.fromisoformat(at)
    expected = by_hand(assistant, task, site, moment, delegated_by, in_room)
    assert expected.status == status
    with app.app_context():
        book = load_facts()
        loaded = book.decide(assistant, task, site, moment, delegated_by, in_room)
        assert loaded.to_json() == expected.to_json()
        assert loaded.required_supervision == expected.required_supervision

        # The service loads only what one decision needs, and agrees.
        person = db.session.scalar(select(Person).where(Person.email == assistant))
        delegator = (
            db.session.scalar(select(Person).where(Person.email == delegated_by))
            if delegated_by
            else None
        )
        task_row = db.session.scalar(select(Task).where(Task.code == task))
        site_row = db.session.scalar(select(Site).where(Site.code == site))
        served = evaluate(person, task_row, site_row, moment, delegator, in_room)
        assert served.to_json() == expected.to_json()


def test_loaded_records_keep_their_ids_for_links(app, practice):
    with app.app_context():
        decision = load_facts().decide(
            "ana@example.org", "injection", "main", datetime.fromisoformat(SITUATIONS[0][3])
        )
        kinds = {ref.kind for c in decision.conditions for ref in c.records}
        ids = [ref.id for c in decision.conditions for ref in c.records]
    assert kinds == {"state_rule", "policy", "competency", "supervision", "shift"}
    assert all(isinstance(i, int) for i in ids)


def test_load_for_decision_keeps_the_shifts_of_the_moments_utc_day(app, practice):
    """The shift runs 2026-11-23 16:00 to 2026-11-24 01:00 UTC (08:00 to 17:00 in main)."""
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        main = db.session.scalar(select(Site).where(Site.code == "main"))

        def shifts_at(moment: str) -> list[int]:
            book = load_for_decision(ana, main, datetime.fromisoformat(moment))
            return [s.id for s in book.shifts_by_site.get("main", [])]

        # Both moments fall on 2026-11-24 UTC, so both books hold the shift; the rule
        # itself keeps it at 16:59:59 and not at 17:00 (the golden cases show it).
        assert len(shifts_at("2026-11-23T16:59:59-08:00")) == 1
        assert shifts_at("2026-11-23T17:00:00-08:00") == shifts_at("2026-11-23T16:59:59-08:00")
        assert shifts_at("2026-11-23T08:00:00Z") == shifts_at("2026-11-23T16:59:59-08:00")
        assert shifts_at("2026-11-22T23:59:59Z") == []
        assert shifts_at("2026-11-25T00:00:00Z") == []


# --------------------------------------------------------------------------- query count


def practice_with(assistants: int) -> dict:
    """The sample practice with this many assistants, each with a full training file."""
    data = copy.deepcopy(sample_practice())
    for n in range(assistants):
        email = f"assistant{n}@example.org"
        data["people"].append(
            {"email": email, "name": f"MA {n}", "role": "assistant", "job_level": "CMA",
             "sites": ["main"]}
        )  # fmt: skip
        data["credentials"].append(
            {"person": email, "type": "CMA", "number": f"C{n}", "issuer": "AAMA",
             "issued_on": "2024-01-01", "expires_on": "2029-01-01", "verified_on": "2024-02-01"}
        )  # fmt: skip
        data["competencies"].append(
            {"person": email, "task": "injection", "trained_on": "2026-02-01",
             "training_hours": 12, "validated_on": "2026-02-10",
             "validated_by": "dr.lee@example.org", "expires_on": None,
             "prior_employer": False, "revoked_on": None, "evidence": f"Checklist {n}"}
        )  # fmt: skip
        data["supervision"].append(
            {"assistant": email, "provider": "dr.lee@example.org", "site": "main",
             "starts_on": "2026-01-01", "ends_on": None}
        )  # fmt: skip
    return data


def queries_to_decide_for(assistants: int, *, limited: bool) -> int:
    """Import a practice of ``assistants`` assistants, then count the queries of one load."""
    moment = datetime.fromisoformat("2026-11-23T10:00:00-08:00")
    import_practice(practice_with(assistants), actor=CLI)
    db.session.commit()
    db.session.expunge_all()
    ids = list(
        db.session.scalars(select(Person.id).where(Person.email.like("assistant%@example.org")))
    )
    assert len(ids) == assistants
    with recording_statements(db.engine) as statements:
        book = load_facts(
            assistant_ids=ids if limited else None, shifts_from=moment, shifts_to=moment
        )
        decisions = [
            book.decide(f"assistant{n}@example.org", "injection", "main", moment)
            for n in range(assistants)
        ]
    assert [d.status for d in decisions] == ["clear"] * assistants
    return len(statements)


@pytest.mark.parametrize("limited", [True, False], ids=["those assistants", "everyone"])
def test_load_facts_runs_as_many_queries_for_20_assistants_as_for_2(app, limited):
    with app.app_context():
        for_two = queries_to_decide_for(2, limited=limited)
        # Importing the larger file adds 18 assistants to the same database.
        for_twenty = queries_to_decide_for(20, limited=limited)
    assert for_two > 0
    assert for_twenty == for_two


# ------------------------------------------------------------ one decision vs the whole book


@pytest.mark.parametrize("kept", [False, True], ids=["read afresh", "kept"])
def test_one_decisions_facts_give_the_whole_practices_answer(app, kept):
    """load_for_decision reads only the people involved and the day's shifts; on the demo
    practice its decisions equal those of the whole practice's facts, for every assistant,
    task and site of theirs, with and without a delegating provider, at several moments.

    Kept: one snapshot serves every question, so a book kept under too loose a key (not
    telling apart assistants, sites, delegators or days) gives someone else's answer."""
    from datetime import UTC, timedelta

    from tracker.decision.cache import Snapshot
    from tracker.demo import seed_demo
    from tracker.vocabulary import Role

    with app.app_context():
        seed_demo()
        db.session.commit()
        people = db.session.scalars(select(Person).order_by(Person.id)).all()
        assistants = [p for p in people if p.role == Role.assistant]
        delegators = [None] + [p for p in people if p.role == Role.provider][:2]
        tasks = db.session.scalars(select(Task).order_by(Task.id)).all()
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        moments = [now + timedelta(days=d, hours=h) for d in (0, 1, 3) for h in (0, 5, 11)]
        whole = load_facts(shifts_from=min(moments), shifts_to=max(moments))
        snapshot = Snapshot() if kept else None
        compared = 0
        for at in moments:
            for assistant in assistants:
                for site in assistant.sites:
                    for delegator in delegators:
                        book = load_for_decision(assistant, site, at, delegator, snapshot)
                        for task in tasks:
                            args = (
                                assistant.email, task.code, site.code, at,
                                delegator.email if delegator else None,
                            )  # fmt: skip
                            assert book.decide(*args) == whole.decide(*args), args
                            compared += 1
        assert compared > 1000
        if kept:  # moments on the same UTC day share a book; nothing else does
            days = {at.astimezone(UTC).date() for at in moments}
            keys = sum(len(a.sites) for a in assistants) * len(delegators) * len(days)
            assert snapshot.cache.misses == keys
            assert snapshot.cache.hits == compared // len(tasks) - keys > 0
        statuses = {whole.decide(a.email, t.code, s.code, now).status
                    for a in assistants for s in a.sites for t in tasks}  # fmt: skip
        assert statuses == {"clear", "flagged", "prohibited"}
