"""People and what they hold: licenses and credentials, and the sites they work at."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from tracker.db_types import UTCDateTime, enum_column, utcnow
from tracker.extensions import db
from tracker.passwords import hash_password
from tracker.sites.models import Site
from tracker.vocabulary import Role

person_sites = Table(
    "person_sites",
    db.metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)


class Person(UserMixin, db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    #: For assistants: the practice's own level, e.g. "MA I" or "CMA".
    job_level: Mapped[Optional[str]] = mapped_column(String(64))
    #: An approved observer who may sign off competencies.
    can_validate: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info={"label": "Approved observer"}
    )
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: The practice's day the person was deactivated (empty while active, and for people
    #: deactivated before it was kept: the rule then counts them deactivated on every day).
    deactivated_on: Mapped[Optional[date]]
    password_hash: Mapped[Optional[str]] = mapped_column(String(256))
    #: Every sign-in session carries the generation it started in; raising it (sign out
    #: everywhere, a new password, deactivation, reactivation) ends them all at once.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    #: An administrator asked for a new password at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sites: Mapped[list[Site]] = relationship(
        secondary=person_sites, back_populates="people", order_by="Site.code"
    )
    licenses: Mapped[list[License]] = relationship(
        back_populates="person", order_by="License.expires_on"
    )
    credentials: Mapped[list[Credential]] = relationship(
        back_populates="person", order_by="Credential.issued_on"
    )

    def __repr__(self) -> str:
        return f"<Person {self.email}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    #: The key of the sign-in session this request runs in (set by tracker.auth.sessions).
    session_key = None
    #: Whether two-factor sign-in is on (set by tracker.auth.sessions when loading).
    two_factor_on = False

    def get_id(self) -> str:
        """Flask-Login's alternative id: person, session generation and session key.

        Without a session key it names no session, so it can never sign anyone in.
        """
        return f"{self.id}:{self.session_generation}:{self.session_key or ''}"

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def site_codes(self) -> list[str]:
        return [s.code for s in self.sites]


class License(db.Model):
    """A provider's license to practice in one state."""

    __tablename__ = "licenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(2))
    #: Last day the license counts; empty means no expiry.
    expires_on: Mapped[Optional[date]]

    person: Mapped[Person] = relationship(back_populates="licenses")


class Credential(db.Model):
    """A certification or permit (CMA, RMA, x-ray permit…)."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    type: Mapped[str] = mapped_column(String(64))
    number: Mapped[Optional[str]] = mapped_column(String(64))
    issuer: Mapped[Optional[str]] = mapped_column(String(200))
    issued_on: Mapped[Optional[date]]
    #: Last day it counts; empty means no expiry.
    expires_on: Mapped[Optional[date]]
    #: When someone checked it with the issuer; never verified adds a warning.
    verified_on: Mapped[Optional[date]]

    person: Mapped[Person] = relationship(back_populates="credentials")


__all__ = [
    "Credential",
    "License",
    "Person",
    "person_sites",
]
