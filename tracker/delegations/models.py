"""Delegations and the decisions recorded for them."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.catalog.models import Task
from tracker.db_types import UTCDateTime, enum_column, utcnow
from tracker.decision.models import DecisionRecord
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import DelegationStatus


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
    in_room: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info={"label": "Provider in the room"}
    )
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The decision made when the delegation was recorded (a snapshot).
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision_records.id"), info={"label": "Decision when recorded"}
    )
    status: Mapped[DelegationStatus] = mapped_column(
        enum_column(DelegationStatus, "delegation_status"), default=DelegationStatus.planned
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Its standing: the latest decision (the recorded one until a re-check adds another).
    standing_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("decision_records.id"), info={"label": "Standing decision"}
    )
    #: When a re-check last changed the standing's status (empty: never changed).
    standing_changed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: The written reason given when it was marked performed while its standing was flagged.
    status_reason: Mapped[Optional[str]] = mapped_column(Text, info={"label": "Reason given"})
    #: Marked performed while its standing was flagged (compliance lists these).
    performed_while_flagged: Mapped[bool] = mapped_column(
        default=False, server_default=false(), index=True
    )

    assistant: Mapped[Person] = relationship(foreign_keys=[assistant_id])
    delegated_by: Mapped[Person] = relationship(foreign_keys=[delegated_by_id])
    entered_by: Mapped[Person] = relationship(foreign_keys=[entered_by_id])
    task: Mapped[Task] = relationship()
    site: Mapped[Site] = relationship()
    decision: Mapped[DecisionRecord] = relationship(foreign_keys=[decision_id])
    standing: Mapped[DecisionRecord] = relationship(foreign_keys=[standing_id])
    checks: Mapped[list[DelegationCheck]] = relationship(
        back_populates="delegation", order_by="DelegationCheck.id"
    )

    @property
    def flagged(self) -> bool:
        """Its standing (the latest decision) is not clear."""
        return self.standing.status != "clear"


class DelegationCheck(db.Model):
    """One re-check of a delegation: the decision it gave, kept in order."""

    __tablename__ = "delegation_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision_records.id"), unique=True)
    #: The status went from the previous standing's to another on this re-check.
    changed: Mapped[bool] = mapped_column(
        default=False,
        server_default=false(),
        info={"label": "Standing changed on this re-check"},
    )

    delegation: Mapped[Delegation] = relationship(back_populates="checks")
    decision: Mapped[DecisionRecord] = relationship()
