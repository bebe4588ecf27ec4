"""Reads shared by the protocol pages, the API, reminders and the training file."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.protocols.models import Direction, Protocol, ProtocolAcknowledgment
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import OVERSEERS, ProtocolState, Role


def protocols_in_force() -> list[Protocol]:
    """Approved protocols, with their tasks and sites, by title."""
    return list(
        db.session.scalars(
            select(Protocol)
            .where(Protocol.state == ProtocolState.approved)
            .options(selectinload(Protocol.tasks), selectinload(Protocol.sites))
            .order_by(Protocol.title, Protocol.version)
        )
    )


def covers_person(protocol: Protocol, person: Person) -> bool:
    """The protocol applies where the person works (no sites: every site)."""
    if not protocol.sites:
        return True
    return bool({s.id for s in protocol.sites} & {s.id for s in person.sites})


def acknowledged_ids(person_ids) -> set[tuple[int, int]]:
    """(person id, protocol id) of every acknowledgment by these people."""
    rows = db.session.execute(
        select(ProtocolAcknowledgment.person_id, ProtocolAcknowledgment.protocol_id).where(
            ProtocolAcknowledgment.person_id.in_(list(person_ids))
        )
    )
    return {(p, q) for p, q in rows}


def active_assistants() -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.role == Role.assistant, Person.active.is_(True))
            .options(selectinload(Person.sites))
            .order_by(Person.name)
        )
    )


def not_acknowledged(protocols: list[Protocol]) -> dict[int, list[Person]]:
    """For each approved protocol, the active assistants it covers who have not read its
    current version (two queries whatever the number)."""
    assistants = active_assistants()
    read = acknowledged_ids(a.id for a in assistants)
    return {
        p.id: [a for a in assistants if covers_person(p, a) and (a.id, p.id) not in read]
        for p in protocols
    }


def to_acknowledge(person: Person) -> list[Protocol]:
    """The approved protocols covering the person's sites that they have not read yet."""
    if person.role != Role.assistant:
        return []
    read = acknowledged_ids([person.id])
    return [
        p
        for p in protocols_in_force()
        if covers_person(p, person) and (person.id, p.id) not in read
    ]


def visible_directions(viewer: Person, first: datetime, last: datetime) -> list[Direction]:
    """Directions whose window meets [first, last) that the viewer may see: an assistant
    their own, a provider those they gave, managers, compliance and admins all."""
    query = (
        select(Direction)
        .where(Direction.given_at < last, Direction.valid_until > first)
        .options(
            selectinload(Direction.provider),
            selectinload(Direction.assistant),
            selectinload(Direction.task),
            selectinload(Direction.site),
        )
        .order_by(Direction.given_at)
    )
    if viewer.role == Role.assistant:
        query = query.where(Direction.assistant_id == viewer.id)
    elif viewer.role == Role.provider:
        query = query.where(Direction.provider_id == viewer.id)
    elif viewer.role not in OVERSEERS:
        return []
    return list(db.session.scalars(query))


def may_see_direction(viewer: Person, direction: Direction) -> bool:
    return (
        viewer.role in OVERSEERS
        or direction.assistant_id == viewer.id
        or direction.provider_id == viewer.id
    )


def day_window(day, timezone) -> tuple[datetime, datetime]:
    from tracker.dates import zone

    start = datetime.combine(day, datetime.min.time(), zone(timezone))
    return start, start + timedelta(days=1)


def sites_by_code() -> dict[str, Site]:
    return {s.code: s for s in db.session.scalars(select(Site).order_by(Site.code))}


def acknowledgments_of(person: Person) -> list[ProtocolAcknowledgment]:
    """Every protocol version the person acknowledged, latest first (the training file)."""
    return list(
        db.session.scalars(
            select(ProtocolAcknowledgment)
            .where(ProtocolAcknowledgment.person_id == person.id)
            .options(selectinload(ProtocolAcknowledgment.protocol))
            .order_by(ProtocolAcknowledgment.acknowledged_at.desc())
        )
    )
