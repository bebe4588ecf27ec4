"""Declined-task incidents: an MA's record of a request they declined. Append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tracker.catalog.models import Task
from tracker.db_types import UTCDateTime, enum_column, utcnow
from tracker.decision.models import DecisionRecord
from tracker.delegations.models import Delegation
from tracker.extensions import db
from tracker.names import name_key
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import DeclineReason, IncidentStatus

incident_raised_with = Table(
    "incident_raised_with",
    db.metadata,
    Column("incident_id", ForeignKey("incidents.id"), primary_key=True),
    Column("person_id", ForeignKey("people.id"), primary_key=True),
)


class Incident(db.Model):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True, info={"label": "When"})
    site_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sites.id"))
    #: The person who asked, when they are in the system…
    requester_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"), index=True)
    #: …or a name and role typed in.
    requester_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    requester_role: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: ``tracker.names.name_key`` of the typed name: what visibility and alerts compare.
    requester_key: Mapped[str] = mapped_column(
        String(200), default="", server_default="", index=True
    )
    task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tasks.id"))
    task_description: Mapped[str] = mapped_column(Text, default="", server_default="")
    what_was_asked: Mapped[str] = mapped_column(Text)
    what_was_said: Mapped[str] = mapped_column(Text, default="", server_default="")
    reason: Mapped[DeclineReason] = mapped_column(enum_column(DeclineReason, "decline_reason"))
    #: Steps the MA took, by code (paused, said_what_needed, …).
    steps: Mapped[list] = mapped_column(JSON, default=list)
    delegation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delegations.id"))
    decision_id: Mapped[Optional[int]] = mapped_column(ForeignKey("decision_records.id"))
    status: Mapped[IncidentStatus] = mapped_column(
        enum_column(IncidentStatus, "incident_status"), default=IncidentStatus.open
    )

    logged_by: Mapped[Person] = relationship(foreign_keys=[logged_by_id])
    requester: Mapped[Optional[Person]] = relationship(foreign_keys=[requester_id])
    site: Mapped[Optional[Site]] = relationship()
    task: Mapped[Optional[Task]] = relationship()
    raised_with: Mapped[list[Person]] = relationship(
        secondary=incident_raised_with, order_by="Person.name"
    )
    #: The delegation declined in the app, and the decision recorded with it.
    delegation: Mapped[Optional[Delegation]] = relationship()
    decision: Mapped[Optional[DecisionRecord]] = relationship()
    addenda: Mapped[list[IncidentAddendum]] = relationship(
        back_populates="incident", order_by="IncidentAddendum.written_at"
    )

    @validates("requester_name")
    def _keep_requester_key(self, _key, name):
        """The compared form follows the typed name, whoever writes it (verb, import, test)."""
        self.requester_key = name_key(name)
        return name

    @property
    def requester_label(self) -> str:
        """Who asked, in words: the person picked, or the name and role typed in."""
        if self.requester is not None:
            return f"{self.requester.name} ({self.requester.role.label})"
        if self.requester_role:
            return f"{self.requester_name} ({self.requester_role})"
        return self.requester_name

    @property
    def task_label(self) -> str:
        """The task from the catalog, or as the MA described it."""
        if self.task is not None:
            return self.task.name
        return self.task_description

    @property
    def timezone(self) -> str | None:
        """The time zone its moments are shown in: the site's (UTC when it has none)."""
        return self.site.timezone if self.site is not None else None


class IncidentAddendum(db.Model):
    """A later fact added to an incident, or a step of its review."""

    __tablename__ = "incident_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    body: Mapped[str] = mapped_column(Text)
    #: The status the review moved the incident to, if it did.
    new_status: Mapped[Optional[IncidentStatus]] = mapped_column(
        enum_column(IncidentStatus, "incident_status")
    )
    #: For an escalation: to whom (e.g. the state board's name).
    escalated_to: Mapped[str] = mapped_column(String(200), default="", server_default="")

    incident: Mapped[Incident] = relationship(back_populates="addenda")
    author: Mapped[Person] = relationship()
