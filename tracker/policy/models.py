"""What the law and the employer say about a task: state rules and written policy."""

from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.catalog.models import Task
from tracker.db_types import enum_column
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.vocabulary import RuleStatus, SupervisionLevel


class StateRule(db.Model):
    """What a state's law says about an MA performing one task."""

    __tablename__ = "state_rules"
    __table_args__ = (UniqueConstraint("state", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(2))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    status: Mapped[RuleStatus] = mapped_column(enum_column(RuleStatus, "rule_status"))
    #: Any one of these credential types satisfies the rule; empty means none needed.
    requires_credentials: Mapped[list] = mapped_column(
        JSON, default=list, info={"label": "Credentials required"}
    )
    min_training_hours: Mapped[Optional[float]] = mapped_column(
        info={"label": "Minimum training hours"}
    )
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
    requires_credentials: Mapped[list] = mapped_column(
        JSON, default=list, info={"label": "Credentials required"}
    )
    supervision: Mapped[SupervisionLevel] = mapped_column(
        enum_column(SupervisionLevel, "supervision_level")
    )
    #: Months a competency stays valid after validation when it has no expiry of its own.
    competency_valid_months: Mapped[Optional[int]] = mapped_column(
        info={"label": "Competency valid for (months)"}
    )
    #: Name and version of the written policy.
    document: Mapped[str] = mapped_column(String(200), default="", server_default="")
    effective_from: Mapped[Optional[date]]
    effective_to: Mapped[Optional[date]]

    task: Mapped[Task] = relationship()
    site: Mapped[Optional[Site]] = relationship()
