"""Plain reads of people: the staff list. (A person's training file, which reads their
competencies, supervision and the rule, is ``tracker.training.queries``.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.validation import normalise_email
from tracker.vocabulary import OVERSEERS, Role

#: Who may see anyone's training file; an assistant sees only their own.
FILE_READERS = OVERSEERS | {Role.provider}


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


def may_see_person(viewer: Person, person: Person) -> bool:
    """Whether ``viewer`` may see this person's training file (fails closed: a role not
    named here sees no one)."""
    if viewer.role == Role.assistant:
        return person.id == viewer.id
    return viewer.role in FILE_READERS


def visible_person_by_email(viewer: Person, email: str) -> Person | None:
    """The person with this email if ``viewer`` may see them, else None (whether or not
    anyone has it)."""
    person = person_by_email(email)
    return person if person is not None and may_see_person(viewer, person) else None


def may_ask_about(viewer: Person, emails) -> bool:
    """Whether ``viewer`` may ask about the people of these emails: an assistant only about
    themselves. Judged on the emails as given, before anything is looked up, so that the
    answer to any other email, whether someone has it or not, tells no one who has an
    account."""
    if viewer.role != Role.assistant:
        return True
    return all(normalise_email(email) == viewer.email for email in emails)


def may_name_as_delegator(viewer: Person, delegator) -> bool:
    """Whether ``viewer`` may name this person (a record or a row with role and active) as
    the one delegating: an assistant only an active provider, so that any other email (a
    manager's, a former provider's, no one's) is answered alike, as unknown."""
    if viewer.role != Role.assistant:
        return True
    return delegator.role == Role.provider and delegator.active
