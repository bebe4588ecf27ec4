"""The people, tasks and sites a request names, found (or refused) as the API answers:
an unknown name is a 422 naming the field; an assistant's token names only that assistant
(403) and, as delegator, only an active provider."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from tracker.api.blueprint import refuse
from tracker.catalog.models import Task
from tracker.decision.cache import Snapshot
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff import queries as staff_queries
from tracker.staff.models import Person
from tracker.validation import normalise_email
from tracker.vocabulary import Role


class PersonRow(NamedTuple):
    id: int
    email: str
    role: Role
    active: bool


class CodeRow(NamedTuple):
    id: int
    code: str


class Names:
    """People, tasks and sites named in a request, each loaded in one query.

    With a ``snapshot`` (a batch, which names hundreds of people and needs no more of
    them): plain rows (id, email and role; id and code) instead of records, kept under the
    fact stamp like the facts themselves (people, tasks and sites are fact tables), so a
    scheduler asking about the same people again reads nothing more.

    Each look-up adds ``(field, message)`` to ``errors`` for a name it does not find.
    """

    def __init__(self, emails=(), task_codes=(), site_codes=(), snapshot: Snapshot | None = None):
        def load(model, key, wanted, row_type):
            if not wanted:
                return {}
            if snapshot is None:
                found = db.session.scalars(select(model).where(key.in_(wanted)))
                return {getattr(r, key.key): r for r in found}

            def rows():
                columns = [getattr(model, name) for name in row_type._fields]
                found = db.session.execute(select(*columns).where(key.in_(wanted)))
                return {getattr(r, key.key): row_type(*r) for r in found}

            return snapshot.get(("names", model.__tablename__, frozenset(wanted)), rows)

        emails = {normalise_email(e) for e in emails if e}
        self.people = load(Person, Person.email, emails, PersonRow)
        self.tasks = load(Task, Task.code, {c.strip() for c in task_codes}, CodeRow)
        self.sites = load(Site, Site.code, {c.strip() for c in site_codes}, CodeRow)

    def person(self, email, field, errors, what="person"):
        if email is None:
            return None
        found = self.people.get(normalise_email(email))
        if found is None:
            errors.append((field, f"no {what} with email {email}"))
        return found

    def task(self, code, field, errors):
        found = self.tasks.get(code.strip())
        if found is None:
            errors.append((field, f"no task with code {code}"))
        return found

    def site(self, code, field, errors):
        found = self.sites.get(code.strip())
        if found is None:
            errors.append((field, f"no site with code {code}"))
        return found

    def delegator(self, viewer: Person, email, field: str, errors: list):
        """The delegator named, as the viewer may name one (``may_name_as_delegator``)."""
        delegator = self.person(email, field, errors, "delegator")
        if delegator is None or staff_queries.may_name_as_delegator(viewer, delegator):
            return delegator
        errors.append((field, f"no delegator with email {email}"))
        return None


def may_ask_about(person: Person, emails) -> None:
    """An assistant's token asks only about that assistant (403 otherwise, audited), judged
    before anything is looked up."""
    if not staff_queries.may_ask_about(person, emails):
        refuse(
            person,
            "assistant asked about another person",
            "An assistant's token may ask only about that assistant.",
        )
