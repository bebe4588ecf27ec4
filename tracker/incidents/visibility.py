"""Who may see a declined-task incident (DESIGN section 6), in one place.

Every list, count, alert and panel starts from :func:`visible_incidents`; every detail page
asks :func:`can_see`, which runs the same clause. Nothing else in the app may select
incidents for a person to see.

May see an incident: the MA who logged it; compliance officers, administrators and
practice managers; a person it was raised with. Never, whatever their role: the person named
as the requester, whether picked from the staff list or typed in by a name whose key is
theirs (``tracker.names``).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Select, String, and_, cast, exists, false, or_, select, true

from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tracker.incidents.models import Incident, IncidentAddendum, incident_raised_with
from tracker.names import name_forms
from tracker.staff.models import Person
from tracker.vocabulary import OVERSEERS

#: Audit record types that carry an incident's content.
INCIDENT_RECORD_TYPES = ("incidents", "incident_addenda")


def visibility_clause(person: Person | None):
    """The SQL condition for the incidents this person may see."""
    if person is None or not getattr(person, "is_authenticated", False):
        return false()
    not_requester = or_(Incident.requester_id.is_(None), Incident.requester_id != person.id)
    # A typed name is compared by its key (tracker.names, DESIGN section 14), stored on
    # write: "Mоrgan Rеyes" with a Cyrillic о, "Reyes, Morgan", "Dr. Morgan Reyes" or a
    # pasted invisible character is Morgan Reyes, who never sees it (failing closed).
    forms = name_forms(person.name)
    if forms:
        not_requester = and_(not_requester, Incident.requester_key.not_in(sorted(forms)))
    if person.role in OVERSEERS:
        allowed = true()
    else:
        raised_with_them = exists().where(
            incident_raised_with.c.incident_id == Incident.id,
            incident_raised_with.c.person_id == person.id,
        )
        allowed = or_(Incident.logged_by_id == person.id, raised_with_them)
    return and_(not_requester, allowed)


def visible_incidents(person: Person | None) -> Select:
    """``select(Incident)`` limited to what this person may see; add filters and order."""
    return select(Incident).where(visibility_clause(person))


def can_see(person: Person | None, incident: Incident | None) -> bool:
    """May this person open this incident? (Detail pages answer 404 when not.)"""
    if incident is None or incident.id is None:
        return False
    found = db.session.scalar(
        select(Incident.id).where(Incident.id == incident.id, visibility_clause(person))
    )
    return found is not None


def audit_events_visible_to(person: Person | None):
    """The SQL condition on audit events this person may see, as far as incidents go.

    Events about other records pass; events about an incident or one of its addenda pass
    only when the person may see that incident. The audit trail, its CSV export and any
    record history add ``.where(audit_events_visible_to(user))`` to their query.
    """
    clause = visibility_clause(person)
    visible = select(cast(Incident.id, String)).where(clause)
    visible_addenda = (
        select(cast(IncidentAddendum.id, String))
        .join(Incident, IncidentAddendum.incident_id == Incident.id)
        .where(clause)
    )
    return or_(
        AuditEvent.record_type.not_in(INCIDENT_RECORD_TYPES),
        and_(AuditEvent.record_type == "incidents", AuditEvent.record_id.in_(visible)),
        and_(
            AuditEvent.record_type == "incident_addenda",
            AuditEvent.record_id.in_(visible_addenda),
        ),
    )


def people_by_name_key() -> dict[str, set[int]]:
    """Every person's id, active or former, under each form of their name's key (one
    query): what a typed requester's key is looked up in."""
    found: dict[str, set[int]] = defaultdict(set)
    for person_id, name in db.session.execute(select(Person.id, Person.name)):
        for form in name_forms(name):
            found[form].add(person_id)
    return found


def counted_as(incident: Incident) -> list[Person]:
    """The people an incident's typed requester counts as (none when a person was picked
    or no one's name has that key), by name: the MA who logs it is told."""
    if incident.requester_id is not None or not incident.requester_key:
        return []
    ids = people_by_name_key().get(incident.requester_key, set())
    if not ids:
        return []
    return list(db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.name)))


def is_reviewer(person: Person | None) -> bool:
    """Compliance, admins and managers review incidents they can see."""
    return bool(person is not None and person.role in OVERSEERS)


__all__ = [
    "audit_events_visible_to",
    "can_see",
    "counted_as",
    "is_reviewer",
    "people_by_name_key",
    "visible_incidents",
]
