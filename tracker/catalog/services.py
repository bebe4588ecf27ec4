"""Verbs on the task catalog: the built-in tasks and the practice's own."""

from __future__ import annotations

from sqlalchemy import select

from tracker.catalog.builtin import TASK_CATALOG
from tracker.catalog.models import Task
from tracker.extensions import db


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
                )
            )
            added += 1
    db.session.flush()
    return added
