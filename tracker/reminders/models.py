"""The reminder log: which reminder went to whom, so a reminder is sent once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db_types import UTCDateTime, utcnow
from tracker.extensions import db


class ReminderSent(db.Model):
    """One item reminded to one person at one threshold, written only once the mail left."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("recipient_id", "item_key", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: What was reminded, e.g. ``competency:12:2027-01-31`` (a new expiry date is a new item).
    item_key: Mapped[str] = mapped_column(String(200))
    #: The threshold crossed: ``60``, ``30``, ``7`` or ``0`` days; ``once`` for the rest.
    stage: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
