"""Read the audit log: filtered event lists, one record's history, values made safe to show.

Nothing here writes; the chain itself lives in ``tracker.audit.services``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from tracker.audit.models import AuditEvent
from tracker.audit.services import SECRET_FIELDS
from tracker.extensions import db
from tracker.incidents.visibility import audit_events_visible_to
from tracker.records.models import Task
from tracker.sites.queries import practice_timezone
from tracker.staff.models import Person, Site

#: Shown in place of any value whose name says it is a secret.
HIDDEN = "[hidden]"
#: Parts of a field name that mark it as a secret, whatever the record.
SECRET_WORDS = ("password", "token", "secret", "api_key", "csrf")


def is_secret(name: str) -> bool:
    lowered = str(name).lower()
    return lowered in SECRET_FIELDS or any(word in lowered for word in SECRET_WORDS)


def without_secrets(value: Any) -> Any:
    """The value with every secret-named key dropped, at any depth."""
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items() if not is_secret(k)}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


def show_value(value: Any) -> str:
    """One value as people read it: empty as a dash, lists joined, objects as JSON."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  #: None when the event has no "before" (a creation, a sign-in)
    after: str | None  #: None when the event has no "after"


@dataclass(frozen=True)
class EventLine:
    event: AuditEvent
    changes: list[Change]


#: Columns every record carries that say nothing about what changed.
_QUIET_FIELDS = frozenset({"id", "created_at"})


#: Records whose ids an event's values name, and the column that says who or what they are.
_LABELS = {"people": Person.name, "tasks": Task.name, "sites": Site.name}


@lru_cache(maxsize=1)
def reference_fields() -> dict[str, str]:
    """Column names that hold the id of a person, task or site, from the schema itself."""
    found: dict[str, set[str]] = defaultdict(set)
    for table in db.metadata.tables.values():
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name in _LABELS:
                    found[column.name].add(key.column.table.name)
    return {name: next(iter(tables)) for name, tables in found.items() if len(tables) == 1}


def reference_labels(events) -> dict[tuple[str, int], str]:
    """Names for the people, tasks and sites the events' values name: one query per kind."""
    fields = reference_fields()
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        for side in (event.before, event.after):
            if isinstance(side, dict):
                for name, value in side.items():
                    if name in fields and isinstance(value, int) and not isinstance(value, bool):
                        wanted[fields[name]].add(value)
    labels = {}
    for table, ids in wanted.items():
        column = _LABELS[table]
        model = column.class_
        for record_id, label in db.session.execute(
            select(model.id, column).where(model.id.in_(sorted(ids)))
        ):
            labels[(table, record_id)] = f"{label} (#{record_id})"
    return labels


def changes_of(event: AuditEvent, labels: dict | None = None) -> list[Change]:
    """What an event changed, field by field, secrets left out.

    An update lists the fields that differ; a creation (or any event with one side only)
    lists the values it carries. With ``labels`` (from reference_labels), an id of a
    person, task or site is shown with its name.
    """
    fields = reference_fields() if labels else {}

    def show(name: str, value) -> str:
        if name in fields and (fields[name], value) in labels:
            return labels[(fields[name], value)]
        return show_value(value)

    before = without_secrets(event.before) if isinstance(event.before, dict) else None
    after = without_secrets(event.after) if isinstance(event.after, dict) else None
    if before is not None and after is not None:
        names = list(before) + [k for k in after if k not in before]
        return [
            Change(name, show(name, before.get(name)), show(name, after.get(name)))
            for name in names
            if before.get(name) != after.get(name)
        ]
    side = after if after is not None else before
    if side is None:
        return []
    return [
        Change(
            name,
            show(name, value) if after is None else None,
            show(name, value) if after is not None else None,
        )
        for name, value in side.items()
        if name not in _QUIET_FIELDS and value not in (None, "", [])
    ]


def lines(events) -> list[EventLine]:
    """Each event with what it changed, people, tasks and sites named."""
    events = list(events)
    labels = reference_labels(events)
    return [EventLine(event, changes_of(event, labels)) for event in events]


def history_for(
    record_type: str, record_id: Any, viewer: Person | None, limit: int = 100
) -> list[EventLine]:
    """One record's events the viewer may see, newest first, with what each changed."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == str(record_id))
        .where(audit_events_visible_to(viewer))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return lines(events)


def display_timezone() -> str:
    """The zone audit times are shown in (the practice's)."""
    return practice_timezone()


@dataclass(frozen=True)
class EventFilter:
    person: Person | None = None
    action: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _start_of(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def events_query(filters: EventFilter, tz: str, viewer: Person | None):
    """Events matching the filters that the viewer may see, newest first.

    Dates are whole days in ``tz``. Events about an incident pass only for those who may see
    the incident: a person named as its requester never reads it here either.
    """
    query = select(AuditEvent).where(audit_events_visible_to(viewer)).order_by(AuditEvent.id.desc())
    person = filters.person
    if person is not None:
        # The person acted, or the event is about their own record or their sign-ins.
        query = query.where(
            or_(
                AuditEvent.actor_id == person.id,
                and_(AuditEvent.record_type == "people", AuditEvent.record_id == str(person.id)),
                and_(AuditEvent.record_type == "login", AuditEvent.record_id == person.email),
            )
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.record_type:
        query = query.where(AuditEvent.record_type == filters.record_type)
    if filters.record_id:
        query = query.where(AuditEvent.record_id == filters.record_id)
    if filters.date_from:
        query = query.where(AuditEvent.occurred_at >= _start_of(filters.date_from, tz))
    if filters.date_to:
        end = _start_of(filters.date_to + timedelta(days=1), tz)
        query = query.where(AuditEvent.occurred_at < end)
    return query


def known_values() -> tuple[list[str], list[str]]:
    """The actions and record types present in the log, for the filter menus."""
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    types = db.session.scalars(
        select(AuditEvent.record_type)
        .where(AuditEvent.record_type != "")
        .distinct()
        .order_by(AuditEvent.record_type)
    )
    return list(actions), list(types)


#: A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A value safe to put in a CSV cell that a spreadsheet will open."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_rows(events):
    """Header and one row per event for the CSV download, secrets left out."""
    yield ["id", "occurred_at_utc", "actor", "action", "record_type", "record_id", "before",
           "after"]  # fmt: skip
    for event in events:
        before = without_secrets(event.before) if event.before is not None else None
        after = without_secrets(event.after) if event.after is not None else None
        yield [
            csv_cell(v)
            for v in (
                event.id,
                event.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                event.actor_label,
                event.action,
                event.record_type,
                event.record_id,
                "" if before is None else json.dumps(before, sort_keys=True),
                "" if after is None else json.dumps(after, sort_keys=True),
            )
        ]
