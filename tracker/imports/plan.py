"""Planning a CSV import: what each row would create or change, and every problem. Writes nothing.

The file becomes a practice-file section ({"people": [...]} or {"competencies": [...]}) and
goes through the practice file's reader, so it is checked by the same rules as
``flask import-practice``; each problem is then located as "row 5, column email". A few
checks only a sign-off needs are added (who may validate, reserved tasks, who may change
whose role).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.competencies.services import local_today, validator_problem
from tracker.errors import Problem, Refused
from tracker.extensions import db
from tracker.imports.reader import (
    HEADER_ROW,
    PEOPLE,
    SPECS,
    CsvSpec,
    at_row,
    cell_value,
    read_rows,
)
from tracker.practice_file.importer import read_practice_file
from tracker.staff.models import Person
from tracker.vocabulary import STAFF_ROLES, Role, TaskKind


@dataclass
class PlannedRow:
    row: int
    #: create, update or unchanged
    action: str
    #: The cells as typed, by column.
    cells: dict[str, str]
    #: (column, stored value, new value) for an update.
    changes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class ImportPlan:
    spec: CsvSpec
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: The file signs off competencies: the importer must confirm the attestations.
    needs_attestation: bool = False
    #: The file as a practice-file section.
    data: dict = field(default_factory=dict)
    #: Parsed values per row (competencies are written from these).
    values: list[tuple[int, dict]] = field(default_factory=list)
    #: The CSV row of each practice-file entry (``people[3]`` is the row at index 3).
    row_numbers: list[int] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter(r.action for r in self.rows)


_INDEX = re.compile(r"^\w+\[(\d+)\]$")
_OTHER_ENTRY = re.compile(r"\b(?:people|competencies)\[(\d+)\]")


def _locate(problem: Problem, row_numbers: list[int]) -> Problem:
    """A practice-file problem (at ``people[3]``, field ``email``) as a CSV one (row 5)."""

    def row_of(index: str) -> int:
        i = int(index)
        return row_numbers[i] if i < len(row_numbers) else i + HEADER_ROW + 1

    match = _INDEX.match(str(problem.where or ""))
    if match is None:
        return at_row(None, None, str(problem))
    column = (problem.field or "").split("[")[0] or None
    message = _OTHER_ENTRY.sub(lambda m: f"row {row_of(m.group(1))}", problem.message)
    return at_row(row_of(match.group(1)), column, message)


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) or "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


# --------------------------------------------------------------------------- planning


def plan_import(kind: str, text: str, actor: Person, max_rows: int = 2000) -> ImportPlan:
    """Read and check the whole file; say what each row would do. Writes nothing."""
    spec = SPECS[kind]
    plan = ImportPlan(spec)
    try:
        rows = read_rows(spec, text, max_rows)
    except Refused as exc:
        plan.problems = list(exc.problems)
        return plan
    entries, row_numbers = [], []
    for number, cells in rows:
        entry = {}
        for column in spec.columns:
            value = cell_value(column, cells.get(column.name, ""), number, plan.problems)
            if value is not None:
                entry[column.name] = value
        entries.append(entry)
        row_numbers.append(number)
    plan.data = {spec.kind: entries}
    plan.row_numbers = row_numbers
    try:
        parsed, _warnings = read_practice_file(plan.data)
    except Refused as exc:
        plan.problems.extend(_locate(p, row_numbers) for p in exc.problems)
        parsed = {}
    if not plan.problems:
        plan.values = [(row_numbers[i], values) for i, values in parsed.get(spec.kind, [])]
        cells_by_row = dict(rows)
        if kind == PEOPLE:
            _plan_people(plan, cells_by_row, actor)
        else:
            _plan_competencies(plan, cells_by_row)
    plan.problems.sort(key=lambda p: (p.where or 0, _column_order(spec, p.field)))
    return plan


def _column_order(spec: CsvSpec, column: str | None) -> int:
    return spec.names.index(column) if column in spec.names else -1


def people_by_email(emails) -> dict[str, Person]:
    emails = sorted(set(emails))
    if not emails:
        return {}
    return {
        p.email: p
        for p in db.session.scalars(
            select(Person)
            .where(Person.email.in_(emails))
            .options(selectinload(Person.sites), selectinload(Person.licenses))
        )
    }


def _plan_people(plan: ImportPlan, cells_by_row: dict, actor: Person) -> None:
    stored = people_by_email(values["email"] for _, values in plan.values)
    for row, values in plan.values:
        person = stored.get(values["email"])
        role = values["role"]
        changes = _person_changes(person, values) if person is not None else []
        changed = {name for name, _, _ in changes}
        if actor.role != Role.admin:
            # As on the staff forms: a manager keeps assistants' and providers' records; only
            # an administrator adds or changes other accounts, or changes anyone's role.
            if person is None and role not in STAFF_ROLES:
                plan.problems.append(
                    at_row(row, "role", f"only an administrator may add {_a(role)}.")
                )
            elif person is not None and changes and person.role not in STAFF_ROLES:
                plan.problems.append(
                    at_row(row, "email", f"{person.email} is {_a(person.role)}; "
                            "only an administrator may change their record.")
                )  # fmt: skip
            elif "role" in changed:
                plan.problems.append(
                    at_row(row, "role", "only an administrator may change a role "
                            f"({person.role.value} to {role.value}).")
                )  # fmt: skip
        if person is not None and person.id == actor.id:
            if "role" in changed:
                plan.problems.append(at_row(row, "role", "you cannot change your own role."))
            if "active" in changed and values.get("active") is False:
                plan.problems.append(at_row(row, "active", "you cannot deactivate yourself."))
        action = "create" if person is None else "update" if changes else "unchanged"
        plan.rows.append(PlannedRow(row, action, cells_by_row[row], changes))


def _a(role: Role) -> str:
    """The role's name with its article: "an administrator", "a practice manager"."""
    label = role.label.lower()
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"


def _person_changes(person: Person, values: dict) -> list[tuple[str, str, str]]:
    current = {
        "name": person.name,
        "role": person.role,
        "job_level": person.job_level,
        "sites": sorted(s.code for s in person.sites),
        "can_validate": person.can_validate,
        "active": person.active,
    }
    return [
        (name, _show(current[name]), _show(new))
        for name, new in values.items()
        if name in current and (sorted(new) if name == "sites" else new) != current[name]
    ]


def competency_key(person_id, task_id, trained_on, validated_on) -> tuple:
    return (person_id, task_id, trained_on, validated_on)


def _plan_competencies(plan: ImportPlan, cells_by_row: dict) -> None:
    people, tasks, stored = _competency_records(plan.values)
    for row, values in plan.values:
        assistant, task = people[values["person"]], tasks[values["task"]]
        validator = people.get(values.get("validated_by") or "")
        validated_on = values.get("validated_on")
        problems = _sign_off_problems(row, assistant, task, validator, validated_on)
        if problems:
            plan.problems.extend(problems)
            continue
        comp = stored.get(
            competency_key(assistant.id, task.id, values.get("trained_on"), validated_on)
        )
        _plan_competency_row(plan, row, values, cells_by_row[row], comp)


def _competency_records(rows: list[tuple[int, dict]]) -> tuple[dict, dict, dict]:
    """The people (assistants and validators) and tasks the rows name, by email and code,
    and the assistants' stored competencies by ``competency_key``: one query each."""
    emails = set()
    for _, values in rows:
        emails.add(values["person"])
        if values.get("validated_by"):
            emails.add(values["validated_by"])
    people = people_by_email(emails)
    codes = {values["task"] for _, values in rows}
    tasks = {t.code: t for t in db.session.scalars(select(Task).where(Task.code.in_(codes)))}
    assistant_ids = [p.id for p in people.values()]
    stored = {
        competency_key(c.person_id, c.task_id, c.trained_on, c.validated_on): c
        for c in db.session.scalars(
            select(Competency)
            .where(Competency.person_id.in_(assistant_ids))
            .options(selectinload(Competency.validated_by))
        )
    }
    return people, tasks, stored


def _sign_off_problems(
    row: int, assistant: Person, task: Task, validator: Person | None, validated_on
) -> list[Problem]:
    """What only a sign-off needs checked beyond the practice file's rules."""
    problems = []
    if task.kind == TaskKind.reserved:
        problems.append(
            at_row(row, "task", f"{task.code} is reserved for licensed providers in every "
                    "state; no competency can be signed off for it.")
        )  # fmt: skip
    if assistant.role != Role.assistant:
        problems.append(
            at_row(row, "person", f"{assistant.email} is not a medical assistant "
                    f"(their role is {assistant.role.value}).")
        )  # fmt: skip
    if validated_on is not None:
        problems.extend(_validation_problems(row, assistant, validator, validated_on))
    elif validator is not None:
        problems.append(
            at_row(row, "validated_on", f"give the day {validator.email} validated it.")
        )
    return problems


def _validation_problems(
    row: int, assistant: Person, validator: Person | None, validated_on
) -> list[Problem]:
    """A sign-off names someone who may validate, on a day not after today."""
    problems = []
    if validator is None:
        problems.append(
            at_row(row, "validated_by", "name who validated it (required with "
                    "validated_on).")
        )  # fmt: skip
    elif problem := validator_problem(validator, assistant, validated_on):
        problems.append(at_row(row, "validated_by", problem))
    today = local_today(assistant)
    if validated_on > today:
        problems.append(
            at_row(row, "validated_on", f"cannot be after today ({today.isoformat()}).")
        )
    return problems


def _plan_competency_row(
    plan: ImportPlan, row: int, values: dict, cells: dict, comp: Competency | None
) -> None:
    """A new record, or what changes in the stored one; whether a sign-off is attested."""
    validated_on = values.get("validated_on")
    if comp is None:
        plan.rows.append(PlannedRow(row, "create", cells))
        plan.needs_attestation |= validated_on is not None
        return
    changes = _competency_changes(comp, values)
    if validated_on is not None and (
        comp.attested_at is None or any(name == "validated_by" for name, _, _ in changes)
    ):
        plan.needs_attestation = True
    plan.rows.append(PlannedRow(row, "update" if changes else "unchanged", cells, changes))


def _competency_changes(comp: Competency, values: dict) -> list[tuple[str, str, str]]:
    current = {
        "training_hours": comp.training_hours,
        "validated_by": comp.validated_by.email if comp.validated_by else None,
        "expires_on": comp.expires_on,
        "prior_employer": comp.prior_employer,
        "evidence": comp.evidence,
    }
    return [
        (name, _show(current[name]), _show(new))
        for name, new in values.items()
        if name in current and new != current[name]
    ]
