"""Verbs on the task catalog: the built-in tasks and the practice's own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from tracker.audit.services import record_create, record_update, snapshot
from tracker.catalog.builtin import BUILTIN_TASK_CODES, TASK_CATALOG, custom_task_problems
from tracker.catalog.models import Task
from tracker.errors import Problems
from tracker.extensions import db
from tracker.validation import check_one_line
from tracker.vocabulary import TaskKind

if TYPE_CHECKING:  # a person's record comes after the sites and tasks
    from tracker.staff.models import Person


def ensure_catalog() -> int:
    """Add any built-in task that is missing; never changes one that is there."""
    present = set(db.session.scalars(select(Task.code)))
    added = 0
    for item in TASK_CATALOG:
        if item.code not in present:
            db.session.add(
                Task(
                    code=item.code,
                    name=item.name,
                    kind=item.kind,
                    description=item.description,
                    builtin=True,
                    needs_direction=item.needs_direction,
                )
            )
            added += 1
    db.session.flush()
    return added


# --------------------------------------------------------------------------- tasks


def _check_task(problems, code: str, name: str, kind, task_id=None, needs_direction=False):
    check_one_line(problems, code=code, name=name)
    if problems:
        return
    if code in BUILTIN_TASK_CODES:
        problems.add(
            "code", f"{code} is in the built-in catalog and cannot be redefined; pick another code."
        )
    elif lookalike := custom_task_problems(code, name):
        for field, message in lookalike:
            problems.add(field, message)
    else:
        query = select(Task.id).where(Task.code == code)
        if task_id is not None:
            query = query.where(Task.id != task_id)
        if db.session.scalar(query.limit(1)) is not None:
            problems.add("code", f"There is already a task with code {code}.")
    if kind not in (TaskKind.administrative, TaskKind.clinical):
        problems.add(
            "kind",
            "Reserved tasks are for licensed providers only; a practice may add only "
            "administrative or clinical tasks.",
        )
    if needs_direction and kind != TaskKind.clinical:
        problems.add(
            "needs_direction",
            "Only a clinical task can need a provider's direction; an administrative task "
            "needs none.",
        )


def create_task(
    actor: Person,
    *,
    code: str,
    name: str,
    kind: TaskKind,
    description: str = "",
    needs_direction: bool = False,
) -> Task:
    """Add one of the practice's own tasks (administrative or clinical, never reserved)."""
    problems = Problems()
    kind = _task_kind(kind)
    _check_task(problems, code, name, kind, needs_direction=bool(needs_direction))
    problems.raise_any()
    task = Task(
        code=code,
        name=name,
        kind=kind,
        description=description or "",
        builtin=False,
        needs_direction=bool(needs_direction),
    )
    return record_create(task, actor)


def update_task(
    actor: Person,
    task: Task,
    *,
    code: str,
    name: str,
    kind: TaskKind,
    description: str = "",
    needs_direction: bool = False,
) -> None:
    problems = Problems()
    if task.builtin:
        problems.add(None, f"{task.name} is in the built-in catalog and cannot be changed.")
    kind = _task_kind(kind)
    _check_task(problems, code, name, kind, task.id, bool(needs_direction))
    problems.raise_any()
    before = snapshot(task)
    task.code, task.name, task.kind, task.description = code, name, kind, description or ""
    task.needs_direction = bool(needs_direction)
    db.session.flush()
    record_update(task, before, actor)


def _task_kind(kind) -> TaskKind | None:
    try:
        return TaskKind(kind)
    except ValueError:
        return None
