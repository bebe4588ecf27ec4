"""The CSV import service against the database: preview writes nothing, commit is all or
nothing, problems are located by row and column."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tracker.audit.models import AuditEvent
from tracker.competencies.models import Competency
from tracker.errors import Problem, Refused
from tracker.extensions import db
from tracker.imports.commit import commit_import
from tracker.imports.plan import _locate, plan_import
from tracker.imports.reader import SPECS, decode, describe, template_csv
from tracker.staff.models import Person

COMP_HEADER = (
    "person,task,trained_on,training_hours,validated_on,validated_by,expires_on,"
    "prior_employer,evidence\n"
)


def table_contents() -> dict[str, list[str]]:
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)).all())
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def manager(app, practice):
    with app.app_context():
        yield db.session.scalar(select(Person).where(Person.email == "manager@example.org"))
        db.session.rollback()


def test_practice_file_places_become_rows_and_columns():
    rows = [2, 3, 5, 6]
    assert _locate(Problem("email", "bad", "people[3]"), rows) == Problem("email", "bad", 6)
    assert _locate(Problem("sites[0]", "no site with code x", "people[1]"), rows) == Problem(
        "sites", "no site with code x", 3
    )
    assert _locate(
        Problem(None, "duplicate of people[0] (same email)", "people[2]"), rows
    ) == Problem(None, "duplicate of row 2 (same email)", 5)
    assert _locate(Problem(None, "must be a list", "people"), rows) == Problem(
        None, "people: must be a list"
    )
    assert describe(Problem("email", "bad", 5)) == "row 5, column email: bad"


def test_decode_takes_utf8_with_or_without_a_bom():
    assert decode("\ufeffemail\n".encode()) == "email\n"
    assert decode(b"email\n") == "email\n"
    with pytest.raises(Refused):
        decode("José".encode("utf-16"))


def test_a_preview_writes_nothing(manager):
    before = table_contents()
    plan = plan_import(
        "people", "email,name,role\nzoe@example.org,Zoe,assistant\nbad,B,assistant\n", manager
    )
    assert plan.problems == [Problem("email", "'bad' is not an email address", 3)]
    plan = plan_import("people", "email,name,role\nzoe@example.org,Zoe,assistant\n",
                                manager)  # fmt: skip
    assert [r.action for r in plan.rows] == ["create"]
    assert table_contents() == before


def test_commit_writes_nothing_when_any_row_is_bad(manager):
    before = table_contents()
    text = COMP_HEADER + (
        "ana@example.org,vital-signs,2026-03-01,4,,,,,\n"
        "ana@example.org,diagnosis,2026-03-01,4,,,,,\n"
    )
    with pytest.raises(Refused) as refused:
        commit_import("competencies", text, manager, attested=True)
    assert [describe(p) for p in refused.value.problems] == [
        "row 3, column task: diagnosis is reserved for licensed providers in every state; no "
        "competency can be signed off for it."
    ]
    assert table_contents() == before


@pytest.mark.usefixtures("sample_clock")
def test_a_row_matching_a_stored_competency_updates_it(manager):
    comp = db.session.scalar(select(Competency))  # ana, injection, 2026-02-01 / 2026-02-10
    assert comp.attested_at is None  # the practice file carries no attestation
    text = COMP_HEADER + (
        "ana@example.org,injection,2026-02-01,14,2026-02-10,dr.lee@example.org,,no,"
        "Skills checklist #44\n"
    )
    plan = plan_import("competencies", text, manager)
    assert [(r.action, r.changes) for r in plan.rows] == [
        ("update", [("training_hours", "12", "14")])
    ]
    assert plan.needs_attestation
    with pytest.raises(Refused) as missing:
        commit_import("competencies", text, manager)
    assert list(missing.value.by_field) == ["attest"]
    assert comp.training_hours == 12

    tally = commit_import("competencies", text, manager, filename="c.csv", attested=True)
    assert (tally["created"], tally["updated"]) == (0, 1)
    assert comp.training_hours == 14
    assert comp.attested_at is not None and comp.entered_by == manager
    update, summary = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)
    ).all()[::-1]
    assert update.action == "update"
    assert (update.before["training_hours"], update.after["training_hours"]) == (12.0, 14.0)
    assert summary.action == "import" and summary.record_id == "competencies"
    assert summary.after["updated"] == 1 and summary.after["file"] == "c.csv"

    # Once attested, the same file again needs no attestation and changes nothing.
    again = plan_import("competencies", text, manager)
    assert [r.action for r in again.rows] == ["unchanged"] and not again.needs_attestation


@pytest.mark.usefixtures("sample_clock")
def test_the_templates_read_cleanly(manager):
    for kind in SPECS:
        plan = plan_import(kind, template_csv(kind), manager)
        assert plan.problems == [], kind
        assert len(plan.rows) == 1
