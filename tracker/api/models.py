"""API tokens and the idempotency keys of recorded delegations."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db_types import UTCDateTime, utcnow
from tracker.extensions import db
from tracker.staff.models import Person


class ApiToken(db.Model):
    """A bearer token acting as its person. Only a hash of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: SHA-256 of the token, hex: the token has 256 random bits, so a fast hash is enough.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: decide, read and/or write
    scopes: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class IdempotencyKey(db.Model):
    """A delegation recorded through the API under a client's Idempotency-Key."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("person_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    key: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the request body as parsed, to tell a retry from a different request.
    request_hash: Mapped[str] = mapped_column(String(64))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
