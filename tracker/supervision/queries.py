"""Reads of supervision that the home pages share: who supervises whom now, whose shifts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.supervision.models import Shift, SupervisionAssignment


def _in_force(today: date):
    """Assignments not ended before ``today`` (an open end runs on)."""
    return SupervisionAssignment.ends_on.is_(None) | (SupervisionAssignment.ends_on >= today)


def _assignments(*conditions) -> list[SupervisionAssignment]:
    return list(
        db.session.scalars(
            select(SupervisionAssignment)
            .where(*conditions)
            .options(
                selectinload(SupervisionAssignment.assistant),
                selectinload(SupervisionAssignment.provider),
                selectinload(SupervisionAssignment.site),
            )
            .order_by(SupervisionAssignment.starts_on.desc())
        )
    )


def supervisors_of(assistant_id: int, today: date) -> list[SupervisionAssignment]:
    """The assistant's assignments still in force today, latest start first."""
    return _assignments(SupervisionAssignment.assistant_id == assistant_id, _in_force(today))


def supervisees_of(provider_id: int, today: date) -> list[SupervisionAssignment]:
    """The provider's assignments still in force today, latest start first."""
    return _assignments(SupervisionAssignment.provider_id == provider_id, _in_force(today))


def assignments_in_force(today: date) -> int:
    """How many assignments are still in force today."""
    return db.session.scalar(select(func.count(SupervisionAssignment.id)).where(_in_force(today)))


def shifts_of(provider_id: int, start: datetime, days: int = 7) -> list[Shift]:
    """The provider's shifts that end after ``start`` and begin within ``days`` of it."""
    return list(
        db.session.scalars(
            select(Shift)
            .where(Shift.provider_id == provider_id, Shift.ends_at >= start)
            .where(Shift.starts_at < start + timedelta(days=days))
            .options(selectinload(Shift.site))
            .order_by(Shift.starts_at)
        )
    )
