"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db_types import UTCDateTime, utcnow
from tracker.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"), index=True)
    #: Who acted, in words ("cli", an email, "anonymous"): kept even if the person changes.
    actor_label: Mapped[str] = mapped_column(String(254))
    #: create, update, end, login, login_failed, access_denied, import…
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: A record's id, an endpoint, or the email a sign-in was tried with (up to 254 long).
    record_id: Mapped[Optional[str]] = mapped_column(String(254), index=True)
    before: Mapped[Optional[dict]] = mapped_column(JSON)
    after: Mapped[Optional[dict]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: sha256 over this event's content and prev_hash.
    hash: Mapped[str] = mapped_column(String(64), unique=True)
