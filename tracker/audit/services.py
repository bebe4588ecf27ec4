"""Write and verify audit events. Events join the caller's transaction; nothing commits here."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select, text

from tracker.audit.models import AuditEvent
from tracker.db_types import utcnow
from tracker.extensions import db

GENESIS = "0" * 64
#: Never written to the log, whatever the record.
SECRET_FIELDS = frozenset(
    {"password_hash", "password", "token", "secret", "session_generation", "code_hash"}
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(record) -> dict:
    """The column values of a model instance, ready for JSON, without secrets."""
    mapper = inspect(record).mapper
    return {
        attr.key: _jsonable(getattr(record, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in SECRET_FIELDS
    }


def _content(event: AuditEvent) -> str:
    return json.dumps(
        {
            "occurred_at": event.occurred_at.isoformat(),
            "actor_id": event.actor_id,
            "actor_label": event.actor_label,
            "action": event.action,
            "record_type": event.record_type,
            "record_id": event.record_id,
            "before": event.before,
            "after": event.after,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def compute_hash(event: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + _content(event)).encode()).hexdigest()


@dataclass(frozen=True)
class SystemActor:
    """Who acts when no signed-in person does; ``label`` is what the audit trail shows."""

    label: str
    #: No person's id: a record's "created by" stays empty.
    id: None = None


#: The command line (import-practice, create-user, tokens made on the server).
CLI = SystemActor("cli")
#: A visitor not signed in (a refused sign-in, a throttled one).
ANONYMOUS = SystemActor("anonymous")


#: Key of the PostgreSQL advisory lock that serialises writers of the chain.
CHAIN_LOCK_KEY = 0x61756469  # "audi"


def _lock_chain() -> None:
    """Hold the right to append to the chain until this transaction ends.

    Two transactions that both read the same last hash would each chain onto it and fork the
    log (verify-audit would then report a break nobody made). ``SELECT ... FOR UPDATE`` does
    not prevent it: a waiting PostgreSQL transaction re-reads the locked row, not the newer
    one. So PostgreSQL takes a transaction-level advisory lock, and SQLite takes its single
    write lock (a write that changes nothing) before the last hash is read.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:key AS BIGINT))"), {"key": CHAIN_LOCK_KEY}
        )
    elif dialect == "sqlite":
        db.session.execute(text("UPDATE audit_events SET id = id WHERE 1 = 0"))


def record_event(
    action: str,
    record=None,
    *,
    record_type: str | None = None,
    record_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    actor,
) -> AuditEvent:
    """Append one event to the chain inside the current transaction.

    ``actor`` is always named by the caller: the person who acts, or a ``SystemActor``
    (``CLI``, ``ANONYMOUS``) where nobody signed in does.
    """
    if record is not None:
        db.session.flush()
        record_type = record_type or record.__tablename__
        record_id = record_id if record_id is not None else record.id
    if isinstance(actor, SystemActor):
        actor_id, label = None, actor.label
    elif actor is not None:
        actor_id, label = actor.id, actor.email
    else:
        raise ValueError(f"audit event {action!r} names no actor")
    _lock_chain()
    prev = db.session.scalars(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    event = AuditEvent(
        occurred_at=utcnow().replace(microsecond=0),
        actor_id=actor_id,
        actor_label=label,
        action=action,
        record_type=record_type or "",
        record_id=None if record_id is None else str(record_id),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        prev_hash=prev or GENESIS,
    )
    event.hash = compute_hash(event, event.prev_hash)
    db.session.add(event)
    db.session.flush()
    return event


def verify_chain() -> tuple[bool, str]:
    """Walk the chain in order; report the first broken link."""
    prev_hash = GENESIS
    prev_id = None
    count = 0
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        count += 1
        if event.prev_hash != prev_hash:
            where = f"after event {prev_id}" if prev_id else "at the start"
            return False, (
                f"broken link at event {event.id}: it does not follow the event {where} "
                "(an event was deleted or altered)"
            )
        if compute_hash(event, prev_hash) != event.hash:
            return False, f"broken link at event {event.id}: its content does not match its hash"
        prev_hash, prev_id = event.hash, event.id
    return True, f"audit chain is whole: {count} events"


def record_create(record, actor):
    """Add a new record and write its "create" audit event in the same transaction."""
    db.session.add(record)
    db.session.flush()
    record_event("create", record, after=snapshot(record), actor=actor)
    return record


def record_update(record, before: dict, actor) -> None:
    """Write an "update" audit event when the record's values changed."""
    after = snapshot(record)
    if after != before:
        record_event("update", record, before=before, after=after, actor=actor)
