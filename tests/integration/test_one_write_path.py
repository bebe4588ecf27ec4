"""One write path per record (issue 12, item 2): the practice file and the CSV import go
through the features' verbs, so they refuse what the forms refuse, each problem at its
place, and write nothing; a competency the rule will not count is kept with a warning."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import sample_practice
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.errors import Refused
from tracker.extensions import db
from tracker.imports.commit import commit_import
from tracker.imports.reader import describe
from tracker.staff.models import Person


def table_contents() -> dict[str, list[str]]:
    """Every row of every table, so a test sees any insert, update or delete."""
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)).all())
        for table in db.metadata.sorted_tables
    }


def import_file(runner, tmp_path, data):
    path = tmp_path / "practice.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return runner.invoke(args=["import-practice", str(path)])


def assert_refused_at(result, place: str, words: str) -> None:
    """Exit 1, no traceback, and a line at ``place`` that says ``words``."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.output.splitlines()
    assert any(line.startswith(f"{place}: ") and words in line for line in lines), result.output
    assert "; nothing was imported." in result.output


# --------------------------------------------------------------------------- the practice file


def test_overlapping_shifts_of_one_provider_are_refused(app, runner, tmp_path):
    data = sample_practice()
    data["shifts"].append(
        {"provider": "dr.lee@example.org", "site": "main",
         "starts_at": "2026-11-23T16:00:00-08:00", "ends_at": "2026-11-23T20:00:00-08:00"}
    )  # fmt: skip
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, data)

    assert_refused_at(result, "shifts[1].starts_at", "already has a shift at Main St")
    assert "that overlaps it" in result.output
    with app.app_context():
        assert table_contents() == before


def test_a_shift_overlapping_a_stored_one_is_refused(app, runner, tmp_path, practice):
    data = {
        "shifts": [
            {"provider": "dr.lee@example.org", "site": "main",
             "starts_at": "2026-11-23T09:00:00-08:00", "ends_at": "2026-11-23T12:00:00-08:00"}
        ]
    }  # fmt: skip
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, data)

    assert_refused_at(result, "shifts[0].starts_at", "overlaps it")
    with app.app_context():
        assert table_contents() == before


def test_a_license_for_an_assistant_is_refused(app, runner, tmp_path):
    data = sample_practice()
    data["licenses"].append(
        {"person": "ana@example.org", "type": "MD", "number": "Z1", "state": "CA",
         "expires_on": "2027-06-30"}
    )  # fmt: skip
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, data)

    assert_refused_at(
        result, "licenses[1]", "Licenses are kept for providers; Ana Ruiz is not a provider."
    )
    with app.app_context():
        assert table_contents() == before


@pytest.mark.parametrize(
    ("task", "place", "words"),
    [
        ({"code": "dx-notes", "name": "Diagnosis", "kind": "clinical"}, "tasks[1].name",
         "reads as the reserved task Diagnosis"),
        ({"code": "Prescribing", "name": "Refill helper", "kind": "clinical"}, "tasks[1].code",
         "reads as the reserved task Prescribing"),
    ],
)  # fmt: skip
def test_a_custom_task_named_like_a_reserved_one_is_refused(
    app, runner, tmp_path, task, place, words
):
    data = sample_practice()
    data["tasks"].append(task)
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, data)

    assert_refused_at(result, place, words)
    with app.app_context():
        assert table_contents() == before


def test_renaming_a_stored_task_to_a_reserved_name_is_refused(app, runner, tmp_path, practice):
    data = {"tasks": [{"code": "spirometry", "name": "Medical advice", "kind": "clinical"}]}

    result = import_file(runner, tmp_path, data)

    assert_refused_at(result, "tasks[0].name", "reads as the reserved task Medical advice")
    with app.app_context():
        task = db.session.scalar(select(Task).where(Task.code == "spirometry"))
        assert task.name == "Spirometry"


def test_every_refusal_is_reported_and_nothing_is_written(app, runner, tmp_path):
    data = sample_practice()
    data["licenses"].append(
        {"person": "ana@example.org", "type": "MD", "number": "Z1", "state": "CA"}
    )  # fmt: skip
    data["shifts"].append({**data["shifts"][0], "starts_at": "2026-11-23T07:00:00-08:00"})
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, data)

    assert_refused_at(result, "licenses[1]", "is not a provider")
    assert_refused_at(result, "shifts[1].starts_at", "overlaps it")
    assert "2 problem(s)" in result.output
    with app.app_context():
        assert table_contents() == before


# --------------------------------------------------------------------------- competencies


def _self_signed(data: dict) -> dict:
    data = copy.deepcopy(data)
    data["competencies"][0]["validated_by"] = "ana@example.org"
    return data


def test_a_competency_the_rule_will_not_count_is_kept_with_a_warning(app, runner, tmp_path):
    data = _self_signed(sample_practice())
    data["competencies"].append(
        {"person": "ana@example.org", "task": "vital-signs", "trained_on": "2026-01-10",
         "validated_on": "2026-01-12", "validated_by": "manager@example.org"}
    )  # fmt: skip

    result = import_file(runner, tmp_path, data)

    assert result.exit_code == 0, result.output
    assert "competencies: 2 created" in result.output
    lines = result.output.splitlines()
    assert (
        "warning: competencies[0].validated_by: kept, but it does not count: Ana Ruiz cannot "
        "validate their own competency; someone else must."
    ) in lines
    assert any(
        line.startswith("warning: competencies[1].validated_by: kept, but it does not count: ")
        and "Mia Manager is neither a licensed provider nor an approved observer" in line
        for line in lines
    ), result.output
    with app.app_context():
        comp = db.session.scalar(select(Competency).join(Task).where(Task.code == "injection"))
        assert comp.validated_by.email == "ana@example.org"

    # Importing it again changes nothing (and warns about nothing: nothing is written).
    again = import_file(runner, tmp_path, data)
    assert again.exit_code == 0, again.output
    assert "competencies: 0 created, 0 updated, 2 unchanged" in again.output


def test_the_sign_off_form_refuses_the_same_competency(app, practice):
    from tracker.competencies.services import CompetencyInput, record_competency

    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        task = db.session.scalar(select(Task).where(Task.code == "vital-signs"))
        with pytest.raises(Refused) as refused:
            record_competency(
                ana,
                task,
                CompetencyInput(validated_on=date(2026, 3, 1), validated_by=ana, attested=True),
                ana,
            )
        assert refused.value.by_field["validated_by"] == [
            "Ana Ruiz cannot validate their own competency; someone else must."
        ]


def test_a_competency_for_a_reserved_task_is_still_refused(app, runner, tmp_path):
    data = sample_practice()
    data["competencies"].append(
        {"person": "ana@example.org", "task": "diagnosis", "trained_on": "2026-01-10"}
    )
    with app.app_context():
        before = table_contents()

    result = import_file(runner, tmp_path, data)

    assert_refused_at(result, "competencies[1].task", "reserved for licensed providers")
    with app.app_context():
        assert table_contents() == before


# --------------------------------------------------------------------------- the CSV import


@pytest.fixture
def manager(app, practice):
    with app.app_context():
        yield db.session.scalar(select(Person).where(Person.email == "manager@example.org"))
        db.session.rollback()


def test_the_csv_people_import_goes_through_the_person_verbs(manager):
    """A job level for a provider: the staff form refuses it, so does the CSV import."""
    before = table_contents()
    text = "email,name,role,job_level\nnew.doc@example.org,New Doc,provider,MA II\n"

    with pytest.raises(Refused) as refused:
        commit_import("people", text, manager)

    assert [describe(p) for p in refused.value.problems] == [
        "row 2, column job_level: Only medical assistants have a job level; leave it empty."
    ]
    db.session.rollback()
    assert table_contents() == before


def test_the_csv_competency_import_refuses_a_self_sign_off(manager):
    before = table_contents()
    text = (
        "person,task,trained_on,validated_on,validated_by\n"
        "ana@example.org,vital-signs,2026-03-01,2026-03-02,ana@example.org\n"
    )

    with pytest.raises(Refused) as refused:
        commit_import("competencies", text, manager, attested=True)

    assert [describe(p) for p in refused.value.problems] == [
        "row 2, column validated_by: Ana Ruiz cannot validate their own competency; someone "
        "else must."
    ]
    db.session.rollback()
    assert table_contents() == before
