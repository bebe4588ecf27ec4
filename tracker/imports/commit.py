"""Committing a planned CSV import, all or nothing, in the caller's transaction.

The file is planned again (it may have gone stale since the preview); nothing is written
unless every row is right. Every row goes through its feature's verbs, as a form's change
does: people through the practice file's importer (the person verbs), competencies through
``check_competency`` then ``create_competency`` / ``update_competency`` (the importer is who
entered them, and the attestation is kept, as on the sign-off form). A verb's refusal is
located at its row and column.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from tracker.audit.services import record_event
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.competencies.services import (
    CompetencyInput,
    check_competency,
    create_competency,
    update_competency,
)
from tracker.errors import Problem, Refused
from tracker.extensions import db
from tracker.imports.plan import (
    ImportPlan,
    _locate,
    competency_key,
    people_by_email,
    plan_import,
)
from tracker.imports.reader import PEOPLE
from tracker.practice_file.importer import import_practice
from tracker.staff.models import Person

#: The field of the importer's confirmation that each validator observed the assistant.
ATTEST = "attest"


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
        raise Refused(plan.problems)
    if plan.needs_attestation and not attested:
        raise Refused.because(
            "Confirm that each validator observed the assistant perform the task.", ATTEST
        )
    if kind == PEOPLE:
        try:
            counts, _warnings = import_practice(plan.data, actor=actor)
        except Refused as refused:  # a person verb's refusal, placed in the practice file
            raise Refused(_locate(p, plan.row_numbers) for p in refused.problems) from None
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
    """Each row through the competency verbs (checked, then created or corrected)."""
    emails = {v["person"] for _, v in plan.values} | {
        v["validated_by"] for _, v in plan.values if v.get("validated_by")
    }
    people = people_by_email(emails)
    codes = {v["task"] for _, v in plan.values}
    tasks = {t.code: t for t in db.session.scalars(select(Task).where(Task.code.in_(codes)))}
    stored = {
        competency_key(c.person_id, c.task_id, c.trained_on, c.validated_on): c
        for c in db.session.scalars(
            select(Competency).where(Competency.person_id.in_([p.id for p in people.values()]))
        )
    }
    tally: Counter = Counter()
    problems: list[Problem] = []
    for row, values in plan.values:
        assistant, task = people[values["person"]], tasks[values["task"]]
        comp = stored.get(
            competency_key(
                assistant.id, task.id, values.get("trained_on"), values.get("validated_on")
            )
        )
        given = {**_stored_input(comp), **values}
        data = CompetencyInput(
            trained_on=given.get("trained_on"),
            training_hours=given.get("training_hours"),
            validated_on=given.get("validated_on"),
            validated_by=people.get(given.get("validated_by") or ""),
            expires_on=given.get("expires_on"),
            prior_employer=bool(given.get("prior_employer")),
            evidence=given.get("evidence") or "",
            # The importer confirmed the attestations, or the file needs none (commit_import).
            attested=True,
        )
        change = check_competency(assistant, task, data, existing=comp, unique=True)
        try:
            if comp is None:
                create_competency(change, actor)
                tally["created"] += 1
            else:
                tally["updated" if update_competency(change, actor) else "unchanged"] += 1
        except Refused as refused:
            problems.extend(refused.at(row).problems)
    if problems:
        raise Refused(problems)
    return tally


def _stored_input(comp: Competency | None) -> dict:
    """A stored competency's values as a row gives them (a row's empty cell keeps them)."""
    if comp is None:
        return {}
    return {
        "training_hours": comp.training_hours,
        "validated_by": comp.validated_by.email if comp.validated_by else None,
        "expires_on": comp.expires_on,
        "prior_employer": comp.prior_employer,
        "evidence": comp.evidence,
    }
