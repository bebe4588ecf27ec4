"""Plain reads of people: the staff list. (A person's training file, which reads their
competencies, supervision and the rule, is ``tracker.training.queries``.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.validation import normalise_email
from tracker.vocabulary import Role


def staff_query(site_code: str | None = None, role: Role | None = None, search: str = ""):
    """The people on the staff list, by name: of a site, a role, matching a name or email."""
    query = select(Person).options(selectinload(Person.sites)).order_by(Person.name, Person.id)
    if site_code:
        query = query.where(Person.sites.any(Site.code == site_code))
    if role:
        query = query.where(Person.role == role)
    for word in search.split():
        query = query.where(
            Person.name.icontains(word, autoescape=True)
            | Person.email.icontains(word, autoescape=True)
        )
    return query


def staff_list(site_code: str | None = None, role: Role | None = None) -> list[Person]:
    return list(db.session.scalars(staff_query(site_code, role)))


def people_by_name() -> list[Person]:
    """Everyone, by name then email: the people the audit trail's filter offers."""
    return list(db.session.scalars(select(Person).order_by(Person.name, Person.email)))


def person_by_email(email: str) -> Person | None:
    """The person with this email (as typed: trimmed and lower-cased), or None."""
    return db.session.scalar(select(Person).where(Person.email == normalise_email(email)))
