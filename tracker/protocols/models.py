"""Provider-approved protocols, assistants' acknowledgments, and providers' directions
(DESIGN section 15): the provider's decision an assistant transmits, never makes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.catalog.models import Task
from tracker.db_types import UTCDateTime, enum_column, utcnow
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import ProtocolState

protocol_tasks = Table(
    "protocol_tasks",
    db.metadata,
    Column("protocol_id", ForeignKey("protocols.id"), primary_key=True),
    Column("task_id", ForeignKey("tasks.id"), primary_key=True),
)

#: The sites a protocol covers; none: every site of the practice.
protocol_sites = Table(
    "protocol_sites",
    db.metadata,
    Column("protocol_id", ForeignKey("protocols.id"), primary_key=True),
    Column("site_id", ForeignKey("sites.id"), primary_key=True),
)


class Protocol(db.Model):
    """One version of a written protocol; a new version's approval retires the previous."""

    __tablename__ = "protocols"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "review_by IS NULL OR approved_on IS NULL OR review_by >= approved_on",
            name="review_after_approval",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    #: Name and version of the written document (the signed paper), for the assistant.
    document: Mapped[str] = mapped_column(String(200), default="", server_default="")
    state: Mapped[ProtocolState] = mapped_column(
        enum_column(ProtocolState, "protocol_state"), default=ProtocolState.draft
    )
    approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"), index=True)
    approved_on: Mapped[Optional[date]]
    #: The last day the approval counts without a new review.
    review_by: Mapped[Optional[date]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    approved_by: Mapped[Optional[Person]] = relationship()
    tasks: Mapped[list[Task]] = relationship(secondary=protocol_tasks, order_by=Task.code)
    sites: Mapped[list[Site]] = relationship(secondary=protocol_sites, order_by=Site.code)

    @property
    def label(self) -> str:
        return f"{self.title} (v{self.version})"

    def __repr__(self) -> str:
        return f"<Protocol {self.code} v{self.version}>"


class ProtocolAcknowledgment(db.Model):
    """An assistant read this version of a protocol; kept with the moment, never edited."""

    __tablename__ = "protocol_acknowledgments"
    __table_args__ = (UniqueConstraint("person_id", "protocol_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"), index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()
    protocol: Mapped[Protocol] = relationship()


class Direction(db.Model):
    """A provider's direction for one request: this assistant, task and site, for a window
    of at most one day [given_at, valid_until)."""

    __tablename__ = "directions"
    __table_args__ = (CheckConstraint("valid_until > given_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: The first moment it no longer counts (default: the next midnight at the site).
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The request in the practice's own system; never a patient's name or identifier.
    reference: Mapped[str] = mapped_column(String(100))
    carried_out: Mapped[bool] = mapped_column(default=False, server_default=false())

    provider: Mapped[Person] = relationship(foreign_keys=[provider_id])
    assistant: Mapped[Person] = relationship(foreign_keys=[assistant_id])
    task: Mapped[Task] = relationship()
    site: Mapped[Site] = relationship()
