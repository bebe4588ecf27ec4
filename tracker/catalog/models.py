"""The tasks an assistant may be asked to do: the built-in catalog and the practice's own."""

from __future__ import annotations

from sqlalchemy import String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db_types import enum_column
from tracker.extensions import db
from tracker.vocabulary import TaskKind


class Task(db.Model):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind, "task_kind"))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Part of the shipped catalog; cannot be redefined by a practice.
    builtin: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Only transmits a provider's decision: needs a protocol or a direction (DESIGN 15).
    needs_direction: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return f"<Task {self.code}>"
