"""A custom task can never pass for a reserved one (security finding 7): the form, the
practice file and the decision all refuse it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, sample_practice
from tracker.audit.services import CLI
from tracker.catalog.builtin import TASK_CATALOG, custom_task_problems, reserved_lookalike
from tracker.catalog.models import Task
from tracker.errors import Refused
from tracker.extensions import db
from tracker.practice_file.importer import import_practice
from tracker.vocabulary import Role, TaskKind

LOOKALIKES = [
    ("DIAGNOSIS", "Spirometry check", "code"),
    ("dx-check", "Diagnosis", "name"),
    ("Result_Interpretation", "Reading results", "code"),
    ("reading", "result interpretation", "name"),
    ("rx", "Ｐｒｅｓｃｒｉｂｉｎｇ", "name"),  # full-width letters
    ("advice", "Medical\u200b advice", "name"),  # a zero-width space
    ("triage", "TRIAGE  BY OWN JUDGMENT", "name"),
]


@pytest.mark.parametrize(("code", "name", "field"), LOOKALIKES)
def test_the_rule_names_the_reserved_task_and_the_field(code, name, field):
    problems = custom_task_problems(code, name)

    assert [f for f, _ in problems] == [field]
    assert "reserved task" in problems[0][1]


def test_ordinary_custom_tasks_pass():
    assert custom_task_problems("spirometry", "Spirometry") == []
    assert custom_task_problems("diagnostic-imaging-prep", "Diagnostic imaging prep") == []
    assert reserved_lookalike("prescription-pickup", "Prescription pickup") is None


def test_a_built_in_code_in_capitals_is_refused_too():
    assert [f for f, _ in custom_task_problems("INJECTION", "Shots")] == ["code"]


@pytest.fixture
def manager(app, client, practice, make_person):
    make_person("boss@example.org", Role.manager)
    assert client.post("/login", data={"email": "boss@example.org", "password": PASSWORD}
                       ).status_code == 302  # fmt: skip


def task_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Task.id)))


@pytest.mark.parametrize(("code", "name", "field"), LOOKALIKES[:3])
def test_the_task_form_refuses_a_lookalike(app, client, manager, code, name, field):
    before = task_count(app)

    response = client.post("/records/tasks/new", data={"code": code, "name": name,
                                                       "kind": "clinical"})  # fmt: skip

    assert response.status_code == 200
    assert "which is for licensed providers only" in response.get_data(as_text=True)
    assert task_count(app) == before


def test_a_custom_task_cannot_be_renamed_into_a_lookalike(app, client, manager):
    with app.app_context():
        spiro = db.session.scalar(select(Task).where(Task.code == "spirometry"))

    client.post(f"/records/tasks/{spiro.id}/edit",
                data={"code": "spirometry", "name": "Diagnosis", "kind": "clinical"})  # fmt: skip

    with app.app_context():
        assert db.session.get(Task, spiro.id).name == "Spirometry"


def test_the_practice_file_refuses_a_lookalike_and_imports_nothing(app):
    data = sample_practice()
    data["tasks"] = [{"code": "DIAGNOSIS", "name": "Diagnosis", "kind": "clinical"}]

    with app.app_context(), pytest.raises(Refused) as refused:
        import_practice(data, actor=CLI)
    with app.app_context():
        db.session.rollback()

    assert any("tasks[0].code" in str(p) and "reserved task Diagnosis" in str(p)
               for p in refused.value.problems)  # fmt: skip
    assert task_count(app) == len(TASK_CATALOG)


def test_a_lookalike_stored_before_the_fix_is_decided_as_reserved(app, runner, practice):
    """The reported exploit: custom clinical "DIAGNOSIS" with a rule and a policy came out
    clear. One written straight into the database is decided as what it passes for."""
    with app.app_context():
        db.session.add(Task(code="DIAGNOSIS", name="Diagnosis", kind=TaskKind.clinical,
                            description="", builtin=False))  # fmt: skip
        db.session.commit()

    result = runner.invoke(args=["check", "--assistant", "ana@example.org", "--task",
                                 "DIAGNOSIS", "--site", "main", "--json"])  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "prohibited"


# ------------------------------------- look-alikes by DESIGN section 14 (issue 21, item 2)

#: (code, name, the field that passes for a reserved task, the reserved task's code)
SECTION_14_LOOKALIKES = [
    ("dx-1", "Di\u0430gnosis", "name", "diagnosis"),  # Cyrillic а
    ("dx-2", "Diag nosis", "name", "diagnosis"),
    ("dx-3", "Diagnosis\u034f", "name", "diagnosis"),  # combining grapheme joiner
    ("dx-4", "D\u0130AGNOS\u0130S", "name", "diagnosis"),  # Turkish dotted capital I
    ("dx-5", "diagnos\u0131s", "name", "diagnosis"),  # dotless i
    ("advice-1", "Medical\u3164advice", "name", "medical-advice"),  # Hangul filler
    ("rx-1", "Prescribing\u2800", "name", "prescribing"),  # Braille blank
    ("diag-nosis", "Spirometry check", "code", "diagnosis"),
    ("diagnoses", "Spirometry check", "code", "diagnosis"),
    ("rx-2", "Prescribings", "name", "prescribing"),  # a plural
    ("ri-1", "Results interpretations", "name", "result-interpretation"),
    ("tp-1", "Treatment planing", "name", "treatment-planning"),  # one letter
    ("ma-1", "Advice, medical", "name", "medical-advice"),  # word order
]
IDS = [f"{code}:{name}" for code, name, *_ in SECTION_14_LOOKALIKES]


@pytest.mark.parametrize(("code", "name", "field", "reserved"), SECTION_14_LOOKALIKES, ids=IDS)
def test_section_14_look_alikes_are_refused_naming_the_reserved_task(code, name, field, reserved):
    problems = custom_task_problems(code, name)

    assert [f for f, _ in problems] == [field]
    assert f"({reserved})" in problems[0][1]


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("injection-training", "Injections"),  # near a built-in task that is not reserved
        ("vital-sign", "Vital sign"),
        ("diagnostic-imaging-prep", "Diagnostic imaging prep"),
        ("medical-records", "Medical records"),
        ("triage-call", "Triage call routing"),
        ("prescription-pickup", "Prescription pickup"),
        ("planning", "Treatment room planning"),
    ],
)
def test_tasks_near_a_non_reserved_one_or_merely_sharing_a_word_pass(code, name):
    assert custom_task_problems(code, name) == []


def test_the_built_in_catalog_passes_its_own_rule():
    """No built-in task that is not reserved reads as a reserved one (the catalog loads)."""
    clashes = [
        (task.code, reserved_lookalike(task.code, task.name).code)
        for task in TASK_CATALOG
        if task.kind != TaskKind.reserved and reserved_lookalike(task.code, task.name)
    ]
    assert clashes == []


@pytest.mark.parametrize(
    ("code", "name", "field", "reserved"), SECTION_14_LOOKALIKES[:9], ids=IDS[:9]
)
def test_the_one_verb_refuses_them(app, code, name, field, reserved):
    from tracker.catalog.services import create_task

    with app.app_context(), pytest.raises(Refused) as refused:
        create_task(CLI, code=code, name=name, kind=TaskKind.clinical)
    with app.app_context():
        db.session.rollback()

    assert refused.value.by_field.keys() == {field}
    assert task_count(app) == len(TASK_CATALOG)


@pytest.mark.parametrize(
    ("code", "name", "field", "reserved"), SECTION_14_LOOKALIKES[:9], ids=IDS[:9]
)
def test_the_task_form_refuses_section_14_look_alikes(app, client, manager, code, name, field,
                                                      reserved):  # fmt: skip
    before = task_count(app)

    response = client.post("/records/tasks/new", data={"code": code, "name": name,
                                                       "kind": "clinical"})  # fmt: skip

    assert response.status_code == 200
    assert "which is for licensed providers only" in response.get_data(as_text=True)
    assert task_count(app) == before


def test_import_practice_refuses_every_look_alike_and_imports_nothing(app, runner, tmp_path):
    data = sample_practice()
    data["tasks"] = [{"code": code, "name": name, "kind": "clinical"}
                     for code, name, *_ in SECTION_14_LOOKALIKES]  # fmt: skip
    path = tmp_path / "practice.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    result = runner.invoke(args=["import-practice", str(path)])

    assert result.exit_code == 1
    for index, (_, _, field, reserved) in enumerate(SECTION_14_LOOKALIKES):
        assert f"tasks[{index}].{field}" in result.output and f"({reserved})" in result.output
    assert "nothing was imported" in result.output
    assert task_count(app) == len(TASK_CATALOG)


@pytest.mark.parametrize(
    ("code", "name", "field", "reserved"), SECTION_14_LOOKALIKES[:9], ids=IDS[:9]
)
def test_a_section_14_look_alike_stored_before_is_decided_as_reserved(
    app, runner, practice, code, name, field, reserved
):
    with app.app_context():
        db.session.add(Task(code=code, name=name, kind=TaskKind.clinical, description="",
                            builtin=False))  # fmt: skip
        db.session.commit()

    result = runner.invoke(args=["check", "--assistant", "ana@example.org", "--task", code,
                                 "--site", "main", "--json"])  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "prohibited"
