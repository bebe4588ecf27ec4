"""Sign-in sessions, kept on the server so that signing out ends them for good."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db_types import UTCDateTime, utcnow
from tracker.extensions import db
from tracker.staff.models import Person


class SignInSession(db.Model):
    """One sign-in on one browser.

    The browser's session (and remember) cookie carries ``person id : generation : key``;
    only a SHA-256 hash of the random key is stored. The cookie opens the app while this row
    is not ended and its generation is the person's current one, so signing out, signing
    out everywhere, a password change and (de)activation all end it server-side: a copied
    or replayed cookie is worth nothing afterwards.
    """

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: SHA-256 (hex) of the random key in the cookie; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The person's session generation when it started.
    generation: Mapped[int]
    #: "Keep me signed in": the remember cookie may restore it after the browser closes.
    remember: Mapped[bool] = mapped_column(default=False, server_default=false())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: Why it ended: logout, logout_everywhere, password_changed, deactivated, …
    ended_reason: Mapped[Optional[str]] = mapped_column(String(32))

    person: Mapped[Person] = relationship()
