"""Verbs on protocols, acknowledgments and directions (DESIGN section 15).

Every writer (the pages, the API, the practice file) goes through these: each checks
everything first and raises ``Refused`` before it changes anything, then changes the
record, flushes and writes an audit event naming its actor. The caller commits.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from tracker.audit.services import record_create, record_event, record_update, snapshot
from tracker.catalog.models import Task
from tracker.dates import add_months, local_day, zone
from tracker.errors import Problems, Refused
from tracker.extensions import db
from tracker.protocols.models import Direction, Protocol, ProtocolAcknowledgment
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.validation import CODE_RE, unfit_text
from tracker.vocabulary import ProtocolState, Role, TaskKind, state_name

#: A protocol's approval counts this many months unless the provider names a review date.
REVIEW_MONTHS = 12

REFERENCE_WARNING = (
    "The reference names the request in the practice's own system (an order or message "
    "number); never a patient's name or any other identifier of a patient."
)


# --------------------------------------------------------------------------- helpers


def current_license_in(person: Person, state: str, day: date) -> bool:
    """An active provider with a license in ``state`` current on ``day``."""
    return (
        person.role == Role.provider
        and person.active
        and any(
            lic.state == state and (lic.expires_on is None or day <= lic.expires_on)
            for lic in person.licenses
        )
    )


def covered_sites(protocol: Protocol) -> list[Site]:
    """The sites a protocol covers: its own, or every site of the practice."""
    if protocol.sites:
        return list(protocol.sites)
    return list(db.session.scalars(select(Site).order_by(Site.code)))


def end_of_local_day(moment: datetime, timezone: str) -> datetime:
    """The next midnight at the site after ``moment``: the end of that day there."""
    day = local_day(moment, timezone)
    return datetime.combine(day + timedelta(days=1), time(0), zone(timezone))


def _check_one_line(problems: Problems, field: str, value: str | None, limit: int, label: str):
    if not value or not value.strip():
        problems.add(field, f"Give the {label}.")
    elif len(value) > limit:
        problems.add(field, f"The {label} may be at most {limit} characters.")
    elif unfit_text(value, multiline=False):
        problems.add(field, unfit_text(value, multiline=False))


# --------------------------------------------------------------------------- protocols


def _check_protocol(problems, code, title, version, tasks, document, own_id=None) -> None:
    if not code or not CODE_RE.match(code) or len(code) > 64:
        problems.add("code", "Use letters, digits, hyphens, dots and underscores (at most 64).")
    _check_one_line(problems, "title", title, 200, "title")
    if document and (len(document) > 200 or unfit_text(document, multiline=False)):
        problems.add("document", "The document reference is one line of at most 200 characters.")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 10_000:
        problems.add("version", "The version is a whole number from 1.")
    elif code and "code" not in problems:
        query = select(Protocol.id).where(Protocol.code == code, Protocol.version == version)
        if own_id is not None:
            query = query.where(Protocol.id != own_id)
        if db.session.scalar(query.limit(1)) is not None:
            problems.add("version", f"Protocol {code} already has a version {version}.")
    if not tasks:
        problems.add("tasks", "Name at least one task the protocol covers.")
    for task in tasks:
        if task.kind == TaskKind.reserved:
            problems.add(
                "tasks",
                f"{task.name} is reserved for licensed providers; no protocol makes it an "
                "assistant's.",
            )
        elif not task.needs_direction:
            problems.add(
                "tasks",
                f"{task.name} does not need a provider's direction; a protocol covers only "
                "tasks that do.",
            )


def create_protocol(
    actor,
    *,
    code: str,
    title: str,
    version: int,
    tasks: list[Task],
    sites: list[Site] = (),
    document: str = "",
) -> Protocol:
    """Write a protocol version as a draft; it counts only once a provider approves it."""
    problems = Problems()
    _check_protocol(problems, code, title, version, tasks, document)
    problems.raise_any()
    protocol = Protocol(
        code=code,
        title=title.strip(),
        version=version,
        document=(document or "").strip(),
        state=ProtocolState.draft,
        tasks=list(tasks),
        sites=list(sites),
    )
    return record_create(protocol, actor)


def update_protocol(
    actor,
    protocol: Protocol,
    *,
    title: str,
    tasks: list[Task],
    sites: list[Site] = (),
    document: str = "",
) -> None:
    """Change a draft (an approved version is changed by writing a new version)."""
    problems = Problems()
    if protocol.state != ProtocolState.draft:
        problems.add(
            None,
            f"{protocol.label} is {protocol.state.value}; write a new version to change it.",
        )
    _check_protocol(problems, protocol.code, title, protocol.version, tasks, document, protocol.id)
    problems.raise_any()
    before = _protocol_snapshot(protocol)
    protocol.title, protocol.document = title.strip(), (document or "").strip()
    protocol.tasks, protocol.sites = list(tasks), list(sites)
    db.session.flush()
    after = _protocol_snapshot(protocol)
    if after != before:
        record_event("update", protocol, before=before, after=after, actor=actor)


def _protocol_snapshot(protocol: Protocol) -> dict:
    values = snapshot(protocol)
    values["tasks"] = [t.code for t in protocol.tasks]
    values["sites"] = [s.code for s in protocol.sites]
    return values


def approval_problems(protocol: Protocol, provider: Person, day: date) -> list[str]:
    """Why ``provider`` may not approve ``protocol`` on ``day`` (empty: they may)."""
    if provider.role != Role.provider or not provider.active:
        return [f"{provider.name} is not an active provider; only a provider approves a protocol."]
    return [
        f"{provider.name} has no {state_name(site.state)} license current on {day} "
        f"({site.name} is covered), so cannot approve it for that site."
        for site in covered_sites(protocol)
        if not current_license_in(provider, site.state, day)
    ]


def approve_protocol(
    actor,
    protocol: Protocol,
    *,
    approved_by: Person,
    approved_on: date,
    review_by: date | None = None,
) -> Protocol:
    """A provider approves a draft; the approved version of the same code before it retires.

    Only a provider licensed (a current license) in the state of every covered site may.
    """
    problems = Problems()
    if protocol.state != ProtocolState.draft:
        problems.add(None, f"{protocol.label} is {protocol.state.value}, not a draft.")
    for message in approval_problems(protocol, approved_by, approved_on):
        problems.add("approved_by", message)
    review_by = review_by or add_months(approved_on, REVIEW_MONTHS)
    if review_by < approved_on:
        problems.add("review_by", "The review date must be on or after the approval.")
    newer = db.session.scalar(
        select(Protocol).where(
            Protocol.code == protocol.code,
            Protocol.version > protocol.version,
            Protocol.state != ProtocolState.draft,
        )
    )
    if newer is not None:
        problems.add(
            None, f"Version {newer.version} of {protocol.code} is already approved; "
            "an older version cannot replace it."
        )  # fmt: skip
    problems.raise_any()
    for previous in db.session.scalars(
        select(Protocol).where(
            Protocol.code == protocol.code,
            Protocol.id != protocol.id,
            Protocol.state == ProtocolState.approved,
        )
    ):
        _set_state(actor, previous, ProtocolState.retired, "retire")
    before = snapshot(protocol)
    protocol.state = ProtocolState.approved
    protocol.approved_by = approved_by
    protocol.approved_on, protocol.review_by = approved_on, review_by
    db.session.flush()
    record_event("approve", protocol, before=before, after=snapshot(protocol), actor=actor)
    return protocol


def retire_protocol(actor, protocol: Protocol) -> None:
    """Withdraw an approved protocol without a new version (it stays in the history)."""
    if protocol.state != ProtocolState.approved:
        raise Refused.because(f"{protocol.label} is {protocol.state.value}, not approved.")
    _set_state(actor, protocol, ProtocolState.retired, "retire")


def _set_state(actor, protocol: Protocol, state: ProtocolState, action: str) -> None:
    before = snapshot(protocol)
    protocol.state = state
    db.session.flush()
    record_event(action, protocol, before=before, after=snapshot(protocol), actor=actor)


# --------------------------------------------------------------------------- acknowledgments


def acknowledge_protocol(
    actor, protocol: Protocol, person: Person, acknowledged_at: datetime
) -> ProtocolAcknowledgment:
    """An assistant confirms having read this version; kept with the moment, never edited."""
    problems = Problems()
    if person.role != Role.assistant:
        problems.add("person", f"{person.name} is not a medical assistant.")
    if protocol.state == ProtocolState.draft:
        problems.add("protocol", f"{protocol.label} is a draft: no provider has approved it yet.")
    if acknowledged_at.tzinfo is None:
        problems.add("acknowledged_at", "Give the moment with its offset.")
    existing = db.session.scalar(
        select(ProtocolAcknowledgment).where(
            ProtocolAcknowledgment.person_id == person.id,
            ProtocolAcknowledgment.protocol_id == protocol.id,
        )
    )
    if existing is not None:
        problems.add(
            "protocol",
            f"{person.name} already acknowledged {protocol.label} "
            f"({existing.acknowledged_at:%Y-%m-%d %H:%M} UTC).",
        )
    problems.raise_any()
    ack = ProtocolAcknowledgment(person=person, protocol=protocol, acknowledged_at=acknowledged_at)
    return record_create(ack, actor)


# --------------------------------------------------------------------------- directions


def give_direction(
    actor,
    *,
    provider: Person,
    assistant: Person,
    task: Task,
    site: Site,
    given_at: datetime,
    valid_until: datetime | None = None,
    reference: str,
    carried_out: bool = False,
) -> Direction:
    """A provider's direction for one request: this assistant, task and site, until the end
    of that day at the site at the latest."""
    problems = Problems()
    if given_at.tzinfo is None:
        problems.add("given_at", "Give the moment with its offset.")
        problems.raise_any()
    day = local_day(given_at, site.timezone)
    if provider.role != Role.provider or not provider.active:
        problems.add("provider", f"{provider.name} is not an active provider.")
    elif not current_license_in(provider, site.state, day):
        problems.add(
            "provider",
            f"{provider.name} has no {state_name(site.state)} license current on {day}; a "
            f"direction at {site.name} is a provider licensed there's to give.",
        )
    if assistant.role != Role.assistant or not assistant.active:
        problems.add("assistant", f"{assistant.name} is not an active medical assistant.")
    if task.kind == TaskKind.reserved:
        problems.add(
            "task", f"{task.name} is reserved for licensed providers; it is never directed."
        )
    elif not task.needs_direction:
        problems.add(
            "task",
            f"{task.name} does not need a provider's direction; delegate it as usual.",
        )
    _check_one_line(problems, "reference", reference, 100, "reference of the request")
    end_of_day = end_of_local_day(given_at, site.timezone)
    if valid_until is None:
        valid_until = end_of_day
    elif valid_until.tzinfo is None:
        problems.add("valid_until", "Give the moment with its offset.")
    elif valid_until <= given_at:
        problems.add("valid_until", "The direction must end after it is given.")
    elif valid_until > end_of_day:
        problems.add(
            "valid_until",
            "A direction is for one request on one day: it ends at the latest at the end "
            "of that day at the site.",
        )
    problems.raise_any()
    direction = Direction(
        provider=provider,
        assistant=assistant,
        task=task,
        site=site,
        given_at=given_at,
        valid_until=valid_until,
        reference=reference.strip(),
        carried_out=bool(carried_out),
    )
    return record_create(direction, actor)


def mark_carried_out(actor, direction: Direction) -> None:
    """The assistant (or the provider) says the direction was carried out."""
    if direction.carried_out:
        return
    before = snapshot(direction)
    direction.carried_out = True
    db.session.flush()
    record_update(direction, before, actor)
