"""An assistant's documented training and validated competency for a task."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import ForeignKey, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.catalog.models import Task
from tracker.db_types import UTCDateTime, utcnow
from tracker.extensions import db
from tracker.staff.models import Person


class Competency(db.Model):
    """An assistant's documented training and validated competency for a task."""

    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    trained_on: Mapped[Optional[date]]
    training_hours: Mapped[Optional[float]]
    validated_on: Mapped[Optional[date]]
    validated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"))
    #: Empty: the policy's competency_valid_months after validated_on, else no expiry.
    expires_on: Mapped[Optional[date]]
    #: Training documented elsewhere; does not count here until validated here.
    prior_employer: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info={"label": "From a prior employer"}
    )
    #: First day the competency no longer counts.
    revoked_on: Mapped[Optional[date]]
    evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: When the validator attested they observed the assistant perform the task.
    attested_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: Who typed the record in, when not the validator (a manager on their behalf).
    entered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    task: Mapped[Task] = relationship()
    validated_by: Mapped[Optional[Person]] = relationship(foreign_keys=[validated_by_id])
    entered_by: Mapped[Optional[Person]] = relationship(foreign_keys=[entered_by_id])
