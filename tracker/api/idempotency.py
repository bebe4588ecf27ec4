"""``Idempotency-Key`` on recording a delegation (DESIGN section 10): the same request
repeated with the same key gets the first delegation, not a second; the same key with a
different body is refused (422)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from flask import request
from sqlalchemy import select, text

from tracker.api.models import IdempotencyKey
from tracker.extensions import db
from tracker.problems import invalid
from tracker.staff.models import Person
from tracker.validation import normalise_email

HEADER = "Idempotency-Key"
#: The header as the OpenAPI description documents it.
IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": (
        "Repeating a request with the same key returns the first delegation (200) "
        "instead of recording a second; the same key with a different body: 422."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}


def key_of_request() -> str | None:
    """The request's key, or None without one; 422 for one of no use."""
    key = request.headers.get(HEADER)
    if key is not None and not (1 <= len(key) <= 200 and key.isprintable()):
        raise invalid([(HEADER, "give 1 to 200 printable characters")])
    return key


def request_hash(args: dict) -> str:
    """The request's body as read, in one canonical form (moments in UTC, emails as kept)."""
    canonical = {
        k: (v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v)
        for k, v in sorted(args.items())
    }
    for key in ("assistant", "delegated_by"):
        if canonical.get(key):
            canonical[key] = normalise_email(canonical[key])
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def hold_the_keys() -> None:
    """On SQLite, take the write lock first: the look-up and the insert are then one step."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE api_idempotency_keys SET id = id WHERE 1 = 0"))


def earlier_delegation_id(person: Person, key: str, body_hash: str) -> int | None:
    """The delegation this person's key recorded before, or None; 422 when the key was used
    with a different request."""
    earlier = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.person_id == person.id,
                                     IdempotencyKey.key == key)
    )  # fmt: skip
    if earlier is None:
        return None
    if earlier.request_hash != body_hash:
        raise invalid(
            [(HEADER, "this key was used with a different request")],
            "This Idempotency-Key was already used with a different request body.",
        )
    return earlier.delegation_id


def remember(person: Person, key: str, body_hash: str, delegation_id: int) -> None:
    """Keep the key with the delegation it recorded (in the same commit)."""
    db.session.add(
        IdempotencyKey(
            person_id=person.id, key=key, request_hash=body_hash, delegation_id=delegation_id
        )
    )
