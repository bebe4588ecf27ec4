"""Delegations and the decisions recorded for them."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db_types import UTCDateTime, enum_column, utcnow
from tracker.domain import DelegationStatus
from tracker.extensions import db
from tracker.records.models import Task
from tracker.staff.models import Person, Site


class DecisionRecord(db.Model):
    """One decision as it was made: its inputs, the moment, who asked, and the outcome."""

    __tablename__ = "decision_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: page, cli, api or delegation
    source: Mapped[str] = mapped_column(String(16))
    asked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"))
    assistant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    #: The moment the decision is about (not when it was made).
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    delegated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"))
    in_room: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16))
    #: The decision as JSON (DESIGN section 4 shape).
    result: Mapped[dict] = mapped_column(JSON)

    asked_by: Mapped[Optional[Person]] = relationship(foreign_keys=[asked_by_id])
    assistant: Mapped[Person] = relationship(foreign_keys=[assistant_id])
    delegated_by: Mapped[Optional[Person]] = relationship(foreign_keys=[delegated_by_id])
    task: Mapped[Task] = relationship()
    site: Mapped[Site] = relationship()


class Delegation(db.Model):
    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    delegated_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    #: The provider's presence in the room was attested when it was recorded.
    in_room: Mapped[bool] = mapped_column(default=False, server_default=false())
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The decision made when the delegation was recorded (a snapshot).
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_records.id"))
    status: Mapped[DelegationStatus] = mapped_column(
        enum_column(DelegationStatus, "delegation_status"), default=DelegationStatus.planned
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assistant: Mapped[Person] = relationship(foreign_keys=[assistant_id])
    delegated_by: Mapped[Person] = relationship(foreign_keys=[delegated_by_id])
    entered_by: Mapped[Person] = relationship(foreign_keys=[entered_by_id])
    task: Mapped[Task] = relationship()
    site: Mapped[Site] = relationship()
    decision: Mapped[DecisionRecord] = relationship()

    @property
    def flagged(self) -> bool:
        return self.decision.status != "clear"
