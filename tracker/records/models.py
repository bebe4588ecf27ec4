"""The practice's rules and an assistant's training: tasks, state rules, policy, competencies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db_types import UTCDateTime, enum_column, utcnow
from tracker.domain import RuleStatus, SupervisionLevel, TaskKind
from tracker.extensions import db
from tracker.staff.models import Person, Site


class Practice(db.Model):
    """The one practice this deployment serves (a single row)."""

    __tablename__ = "practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Task(db.Model):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind, "task_kind"))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Part of the shipped catalog; cannot be redefined by a practice.
    builtin: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return f"<Task {self.code}>"


class StateRule(db.Model):
    """What a state's law says about an MA performing one task."""

    __tablename__ = "state_rules"
    __table_args__ = (UniqueConstraint("state", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(2))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    status: Mapped[RuleStatus] = mapped_column(enum_column(RuleStatus, "rule_status"))
    #: Any one of these credential types satisfies the rule; empty means none needed.
    requires_credentials: Mapped[list] = mapped_column(JSON, default=list)
    min_training_hours: Mapped[Optional[float]]
    supervision: Mapped[SupervisionLevel] = mapped_column(
        enum_column(SupervisionLevel, "supervision_level")
    )
    citation: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: When someone last checked the rule against the statute or board guidance.
    verified_on: Mapped[Optional[date]]

    task: Mapped[Task] = relationship()


class Policy(db.Model):
    """The employer's written authorization for a task."""

    __tablename__ = "policies"
    __table_args__ = (
        CheckConstraint(
            "effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from",
            name="effective_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    #: Empty means every site.
    site_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sites.id"), index=True)
    #: Empty means every assistant; kept sorted.
    job_levels: Mapped[list] = mapped_column(JSON, default=list)
    authorized: Mapped[bool]
    requires_credentials: Mapped[list] = mapped_column(JSON, default=list)
    supervision: Mapped[SupervisionLevel] = mapped_column(
        enum_column(SupervisionLevel, "supervision_level")
    )
    #: Months a competency stays valid after validation when it has no expiry of its own.
    competency_valid_months: Mapped[Optional[int]]
    #: Name and version of the written policy.
    document: Mapped[str] = mapped_column(String(200), default="", server_default="")
    effective_from: Mapped[Optional[date]]
    effective_to: Mapped[Optional[date]]

    task: Mapped[Task] = relationship()
    site: Mapped[Optional[Site]] = relationship()


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
    prior_employer: Mapped[bool] = mapped_column(default=False, server_default=false())
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
