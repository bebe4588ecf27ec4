"""The practice and its sites."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db

if TYPE_CHECKING:  # a person's model imports this one, not the other way round
    from tracker.staff.models import Person


class Practice(db.Model):
    """The one practice this deployment serves (a single row)."""

    __tablename__ = "practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Site(db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: USPS two-letter code of the state whose law applies at this site.
    state: Mapped[str] = mapped_column(String(2))
    #: IANA time zone; "the day" of a decision is taken here.
    timezone: Mapped[str] = mapped_column(String(64))

    people: Mapped[list[Person]] = relationship(secondary="person_sites", back_populates="sites")

    def __repr__(self) -> str:
        return f"<Site {self.code}>"
