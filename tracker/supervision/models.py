"""Who supervises whom, where, and when providers are on site."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import Person


class SupervisionAssignment(db.Model):
    __tablename__ = "supervision_assignments"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    starts_on: Mapped[date]
    #: Last day of the assignment; empty means open-ended.
    ends_on: Mapped[Optional[date]]

    assistant: Mapped[Person] = relationship(foreign_keys=[assistant_id])
    provider: Mapped[Person] = relationship(foreign_keys=[provider_id])
    site: Mapped[Site] = relationship()


class Shift(db.Model):
    """A provider physically on site during [starts_at, ends_at)."""

    __tablename__ = "shifts"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    provider: Mapped[Person] = relationship()
    site: Mapped[Site] = relationship()
