"""Committing a planned CSV import, all or nothing, in the caller's transaction.

The file is planned again (it may have gone stale since the preview); nothing is written
unless every row is right. People go through the practice file's importer; competencies are
written here, so that the person who imported them and the attestation are kept, as on the
sign-off form.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from tracker.audit.services import record_event, snapshot
from tracker.db_types import utcnow
from tracker.errors import Refused
from tracker.extensions import db
from tracker.imports.plan import ImportPlan, competency_key, people_by_email, plan_import
from tracker.imports.reader import PEOPLE
from tracker.practice.importer import import_practice
from tracker.records.models import Competency, Task
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
        key = competency_key(assistant.id, task.id, values.get("trained_on"), validated_on)
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
