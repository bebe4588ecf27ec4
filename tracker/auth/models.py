"""Sign-in sessions, kept on the server so that signing out ends them for good."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String, false
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


class TwoFactor(db.Model):
    """A person's authenticator (RFC 6238 time-based codes), once they turned it on.

    Kept apart from ``people`` so that a sign-in (which records the last code used) does
    not touch a table the decision's facts are read from.
    """

    __tablename__ = "two_factor"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    #: The shared secret (base32), needed as such to check codes; never logged or shown again.
    secret: Mapped[str] = mapped_column(String(64))
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The 30-second step of the last code accepted: a code is good once.
    last_step: Mapped[Optional[int]] = mapped_column(Integer)


class RecoveryCode(db.Model):
    """One of ten one-use codes for signing in without the authenticator."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: SHA-256 (hex) of the code: codes are random (50 bits), so a fast hash is enough.
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
