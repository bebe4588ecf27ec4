"""CSV import of people and competencies, the way spreadsheets arrive.

A CSV file becomes a practice-file section ({"people": [...]} or {"competencies": [...]})
and goes through the practice file's reader, so it is checked by the same rules as
``flask import-practice``; each problem is then located as "row 5, column email". A few
checks only a sign-off needs are added (who may validate, reserved tasks, who may change
whose role). Nothing is written unless every row is right; then people go through
``import_practice`` and competencies are written here, so that the person who imported them
and the attestation are kept, as on the sign-off form.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.audit.services import record_event, snapshot
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.competencies.services import local_today, validator_problem
from tracker.db_types import utcnow
from tracker.extensions import db
from tracker.practice_file.services import PracticeFileError, import_practice, read_practice_file
from tracker.staff.models import Person
from tracker.vocabulary import STAFF_ROLES, Role, TaskKind

PEOPLE, COMPETENCIES = "people", "competencies"
HEADER_ROW = 1

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0"})
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?$")
#: Column names that would carry a secret; never read, and named as such.
SECRET_COLUMN = re.compile(r"password|passwd|token|secret|api_key", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    name: str
    #: text, email, list, yes/no, number or date
    kind: str
    required: bool
    example: str
    help: str


@dataclass(frozen=True)
class CsvSpec:
    kind: str
    title: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


SPECS = {
    PEOPLE: CsvSpec(
        PEOPLE,
        "People",
        (
            Column("email", "email", True, "ana@example.org", "Their email; it names the person."),
            Column("name", "text", True, "Ana Ruiz", "Full name."),
            Column(
                "role",
                "text",
                True,
                "assistant",
                "assistant, provider, manager, compliance or admin.",
            ),
            Column("job_level", "text", False, "CMA", "For assistants: the practice's level."),
            Column("sites", "list", False, "main;north", "Site codes, separated by ';'."),
            Column(
                "can_validate",
                "yes/no",
                False,
                "no",
                "An approved observer who may sign off competencies.",
            ),
            Column("active", "yes/no", False, "yes", "no deactivates the person."),
        ),
    ),  # fmt: skip
    COMPETENCIES: CsvSpec(
        COMPETENCIES,
        "Competencies",
        (
            Column("person", "email", True, "ana@example.org", "The assistant's email."),
            Column("task", "text", True, "injection", "Task code from the catalog."),
            Column("trained_on", "date", False, "2026-02-01", "YYYY-MM-DD (or M/D/YYYY)."),
            Column("training_hours", "number", False, "12", "Hours of training."),
            Column(
                "validated_on",
                "date",
                False,
                "2026-02-10",
                "The day the validator watched them perform it.",
            ),
            Column(
                "validated_by",
                "email",
                False,
                "dr.lee@example.org",
                "The validator's email: a licensed provider or an approved observer.",
            ),
            Column("expires_on", "date", False, "", "Empty: the written policy's validity period."),
            Column(
                "prior_employer", "yes/no", False, "no", "Training documented at a prior employer."
            ),
            Column("evidence", "text", False, "Skills checklist #44", "Where the proof is kept."),
        ),
    ),  # fmt: skip
}


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class CsvImportError(ValueError):
    """The file cannot be imported; ``problems`` says every reason, with its row and column."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class AttestationMissing(ValueError):
    """A file with sign-offs needs the importer to confirm the validators' attestations."""


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

    def counts(self) -> Counter:
        return Counter(r.action for r in self.rows)


# --------------------------------------------------------------------------- reading


def decode(raw: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvImportError(
            [
                Problem(
                    None,
                    None,
                    f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read). In "
                    'your spreadsheet, save it as "CSV UTF-8".',
                )
            ]
        ) from None
    if "\x00" in text:
        raise CsvImportError([Problem(None, None, "The file is not a CSV text file.")])
    return text


def _header_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.replace("\ufeff", "").strip().lower())


def read_rows(spec: CsvSpec, text: str, max_rows: int) -> list[tuple[int, dict]]:
    """The data rows as (row number, {column: cell}); blank rows are skipped."""
    problems: list[Problem] = []
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        problem = Problem(None, None, f"The file cannot be read as CSV: {exc}.")
        raise CsvImportError([problem]) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise CsvImportError([Problem(HEADER_ROW, None, "The file has no header row.")])
    header = [_header_name(cell) for cell in records[0]]
    if len(header) == 1 and ";" in header[0]:
        raise CsvImportError(
            [
                Problem(
                    HEADER_ROW,
                    None,
                    "the columns are separated by ';'; save the file as CSV with commas.",
                )
            ]
        )
    seen = set()
    for name in header:
        if not name:
            continue
        if name in seen:
            problems.append(Problem(HEADER_ROW, name, "appears more than once."))
        elif SECRET_COLUMN.search(name):
            problems.append(
                Problem(HEADER_ROW, name, "passwords and other secrets are never imported; "
                        "remove this column (people set their password at sign-in setup).")
            )  # fmt: skip
        elif name not in spec.names:
            problems.append(
                Problem(
                    HEADER_ROW, name, f"unknown column; the columns are {', '.join(spec.names)}."
                )  # fmt: skip
            )
        seen.add(name)
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    if missing:
        problems.append(
            Problem(HEADER_ROW, None, f"missing required column(s): {', '.join(missing)}.")
        )
    if problems:
        raise CsvImportError(problems)

    rows = []
    for number, record in enumerate(records[1:], start=HEADER_ROW + 1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header) and any(cell.strip() for cell in record[len(header) :]):
            problems.append(
                Problem(number, None, f"has {len(record)} cells but the header has "
                        f"{len(header)} columns (a comma inside a value needs quotes).")
            )  # fmt: skip
            continue
        unnamed = [i + 1 for i, cell in enumerate(record[: len(header)]) if cell.strip()
                   and not header[i]]  # fmt: skip
        if unnamed:
            problems.append(
                Problem(number, None, f"has a value in column {unnamed[0]}, which has no header.")
            )
            continue
        cells = {name: cell.strip() for name, cell in zip(header, record, strict=False) if name}
        rows.append((number, cells))
    if not rows and not problems:
        problems.append(Problem(None, None, "The file has a header but no rows to import."))
    if len(rows) > max_rows:
        problems.append(
            Problem(None, None, f"The file has {len(rows)} rows; at most {max_rows} can be "
                    "imported at a time. Split it into smaller files.")
        )  # fmt: skip
    if problems:
        raise CsvImportError(problems)
    return rows


def _convert(column: Column, cell: str, row: int, problems: list[Problem]):
    """A cell as a practice-file value; None (left out) when empty or wrong."""
    if cell == "":
        return None
    if column.kind == "yes/no":
        word = cell.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        problems.append(Problem(row, column.name, f"{cell!r} is not yes or no."))
        return None
    if column.kind == "number":
        try:
            value = float(cell)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            problems.append(Problem(row, column.name, f"{cell!r} is not a number."))
            return None
        return int(value) if value.is_integer() else value
    if column.kind == "date":
        if match := ISO_DATE.match(cell):
            return match.group(1)  # the practice reader checks it is a real date
        if match := US_DATE.match(cell):
            month, day, year = (int(g) for g in match.groups())
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                problems.append(Problem(row, column.name, f"{cell!r} is not a real date."))
                return None
        problems.append(
            Problem(row, column.name, f"{cell!r} is not a date; write it as YYYY-MM-DD.")
        )
        return None
    if column.kind == "list":
        return [part.strip() for part in re.split(r"[;,]", cell) if part.strip()]
    return cell


_PLACE = re.compile(r"^(?P<section>\w+)\[(?P<index>\d+)\](?:\.(?P<column>\w+)(?:\[\d+\])?)?: ")
_OTHER_ENTRY = re.compile(r"\b(?:people|competencies)\[(\d+)\]")


def _locate(problem: str, row_numbers: list[int]) -> Problem:
    """A practice-file problem ("people[3].email: …") as a CSV one ("row 5, column email")."""

    def row_of(index: str) -> int:
        i = int(index)
        return row_numbers[i] if i < len(row_numbers) else i + HEADER_ROW + 1

    match = _PLACE.match(problem)
    if match is None:
        return Problem(None, None, problem)
    message = problem[match.end() :]
    message = _OTHER_ENTRY.sub(lambda m: f"row {row_of(m.group(1))}", message)
    return Problem(row_of(match.group("index")), match.group("column"), message)


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
    except CsvImportError as exc:
        plan.problems = exc.problems
        return plan
    entries, row_numbers = [], []
    for number, cells in rows:
        entry = {}
        for column in spec.columns:
            value = _convert(column, cells.get(column.name, ""), number, plan.problems)
            if value is not None:
                entry[column.name] = value
        entries.append(entry)
        row_numbers.append(number)
    plan.data = {spec.kind: entries}
    try:
        parsed, _warnings = read_practice_file(plan.data)
    except PracticeFileError as exc:
        plan.problems.extend(_locate(p, row_numbers) for p in exc.problems)
        parsed = {}
    if not plan.problems:
        plan.values = [(row_numbers[i], values) for i, values in parsed.get(spec.kind, [])]
        cells_by_row = dict(rows)
        if kind == PEOPLE:
            _plan_people(plan, cells_by_row, actor)
        else:
            _plan_competencies(plan, cells_by_row)
    plan.problems.sort(key=lambda p: (p.row or 0, _column_order(spec, p.column)))
    return plan


def _column_order(spec: CsvSpec, column: str | None) -> int:
    return spec.names.index(column) if column in spec.names else -1


def _people_by_email(emails) -> dict[str, Person]:
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
    stored = _people_by_email(values["email"] for _, values in plan.values)
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
                    Problem(row, "role", f"only an administrator may add {_a(role)}.")
                )
            elif person is not None and changes and person.role not in STAFF_ROLES:
                plan.problems.append(
                    Problem(row, "email", f"{person.email} is {_a(person.role)}; "
                            "only an administrator may change their record.")
                )  # fmt: skip
            elif "role" in changed:
                plan.problems.append(
                    Problem(row, "role", "only an administrator may change a role "
                            f"({person.role.value} to {role.value}).")
                )  # fmt: skip
        if person is not None and person.id == actor.id:
            if "role" in changed:
                plan.problems.append(Problem(row, "role", "you cannot change your own role."))
            if "active" in changed and values.get("active") is False:
                plan.problems.append(Problem(row, "active", "you cannot deactivate yourself."))
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


def _competency_key(person_id, task_id, trained_on, validated_on) -> tuple:
    return (person_id, task_id, trained_on, validated_on)


def _plan_competencies(plan: ImportPlan, cells_by_row: dict) -> None:
    emails = set()
    for _, values in plan.values:
        emails.add(values["person"])
        if values.get("validated_by"):
            emails.add(values["validated_by"])
    people = _people_by_email(emails)
    codes = {values["task"] for _, values in plan.values}
    tasks = {t.code: t for t in db.session.scalars(select(Task).where(Task.code.in_(codes)))}
    assistant_ids = [p.id for p in people.values()]
    stored = {
        _competency_key(c.person_id, c.task_id, c.trained_on, c.validated_on): c
        for c in db.session.scalars(
            select(Competency)
            .where(Competency.person_id.in_(assistant_ids))
            .options(selectinload(Competency.validated_by))
        )
    }
    for row, values in plan.values:
        assistant, task = people[values["person"]], tasks[values["task"]]
        validator = people.get(values.get("validated_by") or "")
        validated_on = values.get("validated_on")
        problems_before = len(plan.problems)
        if task.kind == TaskKind.reserved:
            plan.problems.append(
                Problem(row, "task", f"{task.code} is reserved for licensed providers in every "
                        "state; no competency can be signed off for it.")
            )  # fmt: skip
        if assistant.role != Role.assistant:
            plan.problems.append(
                Problem(row, "person", f"{assistant.email} is not a medical assistant "
                        f"(their role is {assistant.role.value}).")
            )  # fmt: skip
        if validated_on is not None:
            if validator is None:
                plan.problems.append(
                    Problem(row, "validated_by", "name who validated it (required with "
                            "validated_on).")
                )  # fmt: skip
            else:
                problem = validator_problem(validator, assistant, validated_on)
                if problem:
                    plan.problems.append(Problem(row, "validated_by", problem))
            today = local_today(assistant)
            if validated_on > today:
                plan.problems.append(
                    Problem(row, "validated_on", f"cannot be after today ({today.isoformat()}).")
                )
        elif validator is not None:
            plan.problems.append(
                Problem(row, "validated_on", f"give the day {validator.email} validated it.")
            )
        if len(plan.problems) > problems_before:
            continue
        cells = cells_by_row[row]
        comp = stored.get(
            _competency_key(assistant.id, task.id, values.get("trained_on"), validated_on)
        )
        if comp is None:
            plan.rows.append(PlannedRow(row, "create", cells))
            plan.needs_attestation |= validated_on is not None
            continue
        current = {
            "training_hours": comp.training_hours,
            "validated_by": comp.validated_by.email if comp.validated_by else None,
            "expires_on": comp.expires_on,
            "prior_employer": comp.prior_employer,
            "evidence": comp.evidence,
        }
        changes = [
            (name, _show(current[name]), _show(new))
            for name, new in values.items()
            if name in current and new != current[name]
        ]
        if validated_on is not None and (
            comp.attested_at is None or any(name == "validated_by" for name, _, _ in changes)
        ):
            plan.needs_attestation = True
        plan.rows.append(PlannedRow(row, "update" if changes else "unchanged", cells, changes))


# --------------------------------------------------------------------------- committing


def commit_import(
    kind: str,
    text: str,
    actor: Person,
    *,
    filename: str = "",
    attested: bool = False,
    max_rows: int = 2000,
) -> Counter:
    """Check the file again and import it, all or nothing, in the caller's transaction."""
    plan = plan_import(kind, text, actor, max_rows)
    if plan.problems:
        raise CsvImportError(plan.problems)
    if plan.needs_attestation and not attested:
        raise AttestationMissing(
            "Confirm that each validator observed the assistant perform the task."
        )
    if kind == PEOPLE:
        counts, _warnings = import_practice(plan.data, actor=actor)
        tally = counts.get(PEOPLE, Counter())
    else:
        tally = _write_competencies(plan, actor)
    record_event(
        "import",
        record_type="csv_import",
        record_id=kind,
        after={
            "file": filename[:200],
            "rows": len(plan.rows),
            "created": tally["created"],
            "updated": tally["updated"],
            "unchanged": tally["unchanged"],
        },
        actor=actor,
    )
    return tally


def _write_competencies(plan: ImportPlan, actor: Person) -> Counter:
    emails = {v["person"] for _, v in plan.values} | {
        v["validated_by"] for _, v in plan.values if v.get("validated_by")
    }
    people = _people_by_email(emails)
    codes = {v["task"] for _, v in plan.values}
    tasks = {t.code: t for t in db.session.scalars(select(Task).where(Task.code.in_(codes)))}
    stored = {
        _competency_key(c.person_id, c.task_id, c.trained_on, c.validated_on): c
        for c in db.session.scalars(
            select(Competency).where(Competency.person_id.in_([p.id for p in people.values()]))
        )
    }
    tally: Counter = Counter()
    now = utcnow()
    for _, values in plan.values:
        assistant, task = people[values["person"]], tasks[values["task"]]
        validator = people.get(values.get("validated_by") or "")
        validated_on = values.get("validated_on")
        columns = {
            name: values[name]
            for name in ("training_hours", "expires_on", "prior_employer", "evidence")
            if name in values
        }
        if "validated_by" in values:
            columns["validated_by_id"] = validator.id
        key = _competency_key(assistant.id, task.id, values.get("trained_on"), validated_on)
        comp = stored.get(key)
        entered_by_id = None if validator is not None and validator.id == actor.id else actor.id
        if comp is None:
            comp = Competency(
                person_id=assistant.id,
                task_id=task.id,
                trained_on=values.get("trained_on"),
                validated_on=validated_on,
                prior_employer=False,
                evidence="",
                entered_by_id=entered_by_id,
                attested_at=now if validated_on is not None else None,
            )
            for name, value in columns.items():
                setattr(comp, name, value)
            db.session.add(comp)
            db.session.flush()
            record_event("create", comp, after=snapshot(comp), actor=actor)
            stored[key] = comp
            tally["created"] += 1
            continue
        before = snapshot(comp)
        validator_changed = columns.get("validated_by_id", comp.validated_by_id) != (
            comp.validated_by_id
        )
        for name, value in columns.items():
            setattr(comp, name, value)
        if validated_on is not None and (validator_changed or comp.attested_at is None):
            comp.attested_at = now
            comp.entered_by_id = entered_by_id
        db.session.flush()
        after = snapshot(comp)
        if after == before:
            tally["unchanged"] += 1
            continue
        record_event("update", comp, before=before, after=after, actor=actor)
        tally["updated"] += 1
    return tally


def template_csv(kind: str) -> str:
    """A header and an example row, with a byte-order mark so spreadsheets read it as UTF-8."""
    spec = SPECS[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(spec.names)
    writer.writerow(c.example for c in spec.columns)
    return "\ufeff" + out.getvalue()
