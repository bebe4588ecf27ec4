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

from tracker.audit import features
from tracker.audit.models import AuditEvent
from tracker.audit.services import SECRET_FIELDS
from tracker.extensions import db

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


#: Sign-ins, sign-outs and refused access: kept in the audit trail, not a record's history.
SESSION_ACTIONS = frozenset(
    {"login", "logout", "login_failed", "login_throttled", "access_denied", "anonymous"}
)

#: An event's action as a history panel says it.
ACTION_WORDS = {
    "create": "Created",
    "update": "Changed",
    "end": "Ended",
    "revoke": "Revoked",
    "deactivate": "Deactivated",
    "reactivate": "Reactivated",
    "review": "Reviewed",
    "import": "Imported",
    "password_set": "Password set",
    "recheck": "Re-checked",
    "status": "Status changed",
    "document_attached": "Document attached",
    "document_withdrawn": "Document withdrawn",
}


def field_labels() -> dict[str, str]:
    """Column names people read differently from the words of the name: each declared with
    its column in the feature's model, ``mapped_column(..., info={"label": "Approved
    observer"})``. A name carries one label wherever it is a column."""
    return _field_labels(tuple(db.metadata.tables))


@lru_cache(maxsize=4)
def _field_labels(tables: tuple[str, ...]) -> dict[str, str]:
    return {
        column.name: column.info["label"]
        for table in db.metadata.tables.values()
        for column in table.columns
        if "label" in column.info
    }


def field_label(name: str) -> str:
    """A column name as words: its declared label, else the name read out ("validated_by_id"
    reads "Validated by")."""
    labels = field_labels()
    if name in labels:
        return labels[name]
    words = name.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _moment(value: Any) -> datetime | None:
    """An ISO-8601 moment with an offset, as stored in an event's values; else None."""
    if not isinstance(value, str) or len(value) < 19 or value[10:11] != "T":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  #: None when the event has no "before" (a creation, a sign-in)
    after: str | None  #: None when the event has no "after"
    #: Links to the records the values name (a decision), when there is a page for them.
    before_url: str | None = None
    after_url: str | None = None


@dataclass(frozen=True)
class EventLine:
    event: AuditEvent
    changes: list[Change]


#: Columns every record carries that say nothing about what changed.
_QUIET_FIELDS = frozenset({"id", "created_at"})


def reference_fields() -> dict[str, str]:
    """Column names that hold the id of a named record (a person, task, site), from the
    schema itself; the features hand the names (``tracker.audit.features``)."""
    return _reference_fields(tuple(sorted(features.name_columns())))


@lru_cache(maxsize=4)
def _reference_fields(named_tables: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, set[str]] = defaultdict(set)
    for table in db.metadata.tables.values():
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name in named_tables:
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
    names = features.name_columns()
    for table, ids in wanted.items():
        column = names[table]
        model = column.class_
        for record_id, label in db.session.execute(
            select(model.id, column).where(model.id.in_(sorted(ids)))
        ):
            labels[(table, record_id)] = f"{label} (#{record_id})"
    return labels


def changes_of(
    event: AuditEvent, labels: dict | None = None, tz: str | None = None
) -> list[Change]:
    """What an event changed, field by field, secrets left out.

    An update lists the fields that differ; a creation (or any event with one side only)
    lists the values it carries. With ``labels`` (from reference_labels), an id of a
    person, task or site is shown with its name. With ``tz`` the changes read as words
    for a record's history: field labels, names without ids, moments on that clock.
    """
    fields = reference_fields() if labels else {}
    links = features.links() if tz else {}

    def show(name: str, value) -> tuple[str, str | None]:
        table = fields.get(name)
        if table and (table, value) in labels:
            label = labels[(table, value)]
            if not tz:
                return label, None
            if table in links:
                endpoint, argument, noun = links[table]
                return f"{noun} #{value} ({label.rsplit(' (#', 1)[0]})", _url(
                    endpoint, argument, value
                )
            return label.rsplit(" (#", 1)[0], None
        if tz and (moment := _moment(value)) is not None:
            local = moment.astimezone(ZoneInfo(tz))
            return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or ""), None
        return show_value(value), None

    def title(name: str) -> str:
        return field_label(name) if tz else name

    def change(name: str, before_value, after_value, has_before=True, has_after=True):
        before_text, before_url = show(name, before_value) if has_before else (None, None)
        after_text, after_url = show(name, after_value) if has_after else (None, None)
        return Change(title(name), before_text, after_text, before_url, after_url)

    before = without_secrets(event.before) if isinstance(event.before, dict) else None
    after = without_secrets(event.after) if isinstance(event.after, dict) else None
    if before is not None and after is not None:
        names = list(before) + [k for k in after if k not in before]
        # A value the event adds (a re-check's "changed") has no "before" to show.
        return [
            change(name, before.get(name), after.get(name), has_before=name in before)
            for name in names
            if before.get(name) != after.get(name)
        ]
    side = after if after is not None else before
    if side is None:
        return []
    return [
        change(name, value, value, has_before=after is None, has_after=after is not None)
        for name, value in side.items()
        if name not in _QUIET_FIELDS and value not in (None, "", [])
    ]


def _url(endpoint: str, argument: str, value) -> str | None:
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **{argument: value})
    except BuildError:
        return None


def lines(events, tz: str | None = None) -> list[EventLine]:
    """Each event with what it changed, people, tasks and sites named (in words with tz)."""
    events = list(events)
    labels = reference_labels(events)
    return [EventLine(event, changes_of(event, labels, tz)) for event in events]


def history_for(
    record_type: str,
    record_id: Any,
    viewer,
    limit: int = 100,
    tz: str | None = None,
) -> list[EventLine]:
    """One record's changes the viewer may see, newest first, each in words (times in ``tz``,
    the practice's zone by default). Sign-ins and refused access stay in the audit trail."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == str(record_id))
        .where(AuditEvent.action.not_in(SESSION_ACTIONS))
        .where(features.visible_to(viewer))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return lines(events, tz or display_timezone(viewer))


def display_timezone(viewer=None) -> str:
    """The zone audit times are shown in: the viewer's site's, else the practice's."""
    return features.timezone(viewer)


@dataclass(frozen=True)
class EventFilter:
    #: A person (anything with ``id`` and ``email``), as the people feature hands them.
    person: Any = None
    action: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: Words that the acting person's name or email must all hold.
    search: str = ""


def _start_of(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def events_query(filters: EventFilter, tz: str, viewer):
    """Events matching the filters that the viewer may see, newest first.

    Dates are whole days in ``tz``. Events about an incident pass only for those who may see
    the incident: a person named as its requester never reads it here either.
    """
    query = select(AuditEvent).where(features.visible_to(viewer)).order_by(AuditEvent.id.desc())
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
    person_name = features.name_columns().get("people")
    for word in filters.search.split():
        said = AuditEvent.actor_label.icontains(word, autoescape=True)
        if person_name is not None:
            named = select(person_name.class_.id).where(
                person_name.icontains(word, autoescape=True)
            )
            said = said | AuditEvent.actor_id.in_(named)
        query = query.where(said)
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
