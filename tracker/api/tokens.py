"""Verbs on API tokens: create one (shown once), revoke one, find the token of a request.

Only a SHA-256 hash of a token is stored; the token itself is returned once to whoever
created it and never written to a log, an audit event or a page again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import dates
from tracker.api.models import ApiToken
from tracker.audit.services import SystemActor, record_event
from tracker.errors import Refused
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.validation import unfit_text

#: What a token may do: ask for decisions and the finder, read, record and change.
SCOPES = ("decide", "read", "write")
SCOPE_WORDS = {
    "decide": "ask for decisions and who may do a task",
    "read": "read what you may read",
    "write": "record delegations and change their status",
}
PREFIX = "trk_"
NAME_MAX_LENGTH = 100
#: A token's last use is written at most once a minute (a write per call would cost more).
LAST_USED_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _token_event(token: ApiToken) -> dict:
    """What the audit log keeps of a token: never the token or its hash."""
    return {
        "person_id": token.person_id,
        "name": token.name,
        "scopes": list(token.scopes),
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


def live_tokens(person: Person) -> list[ApiToken]:
    """The person's tokens that are not revoked (expired ones included), newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create_token(
    person: Person,
    name: str,
    scopes: list[str] | tuple[str, ...],
    days: int | None,
    actor: Person | SystemActor,
    *,
    default_days: int = 90,
    max_days: int = 365,
) -> tuple[str, ApiToken]:
    """Create a token for ``person``; returns the token (to show once) and its record."""
    if unfit := unfit_text(name or "", multiline=False):
        raise Refused.because(unfit, "name")
    name = (name or "").strip()
    if not name:
        raise Refused.because("Give the token a name, e.g. the system that will use it.", "name")
    if len(name) > NAME_MAX_LENGTH:
        raise Refused.because(f"A token's name is at most {NAME_MAX_LENGTH} characters.", "name")
    chosen = sorted(set(scopes), key=SCOPES.index) if set(scopes) <= set(SCOPES) else None
    if not chosen:
        raise Refused.because(f"Choose one or more scopes among {', '.join(SCOPES)}.", "scope")
    days = default_days if days is None else days
    if not 1 <= days <= max_days:
        raise Refused.because(f"A token lasts from 1 to {max_days} days.", "days")
    if not person.active:
        raise Refused.because(f"{person.email} is deactivated.", "person")
    if any(t.name == name for t in live_tokens(person)):
        raise Refused.because(f"{person.email} already has a token named {name!r}.", "name")
    token = PREFIX + secrets.token_urlsafe(32)
    now = dates.now()
    record = ApiToken(
        person_id=person.id,
        name=name,
        token_hash=hash_token(token),
        scopes=chosen,
        created_at=now,
        created_by_id=actor.id,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(record)
    db.session.flush()
    record_event(
        "create_token",
        record,
        after=_token_event(record),
        actor=actor,
    )
    return token, record


def revoke_token(token: ApiToken, actor: Person | SystemActor, reason: str = "revoked") -> bool:
    """Revoke a token at once; False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    before = _token_event(token)
    token.revoked_at = dates.now()
    record_event(
        "revoke_token",
        token,
        before=before,
        after={**_token_event(token), "reason": reason},
        actor=actor,
    )
    return True


def revoke_all(person: Person, actor: Person | SystemActor, reason: str) -> int:
    """Revoke every live token of a person (on deactivation); returns how many."""
    return sum(revoke_token(t, actor, reason) for t in live_tokens(person))


def _on_person_deactivated(person: Person, *, actor, **_) -> None:
    revoke_all(person, actor, "person deactivated")


def revoke_tokens_on_deactivation() -> None:
    """Connect to the verbs on people (at app creation; connecting again changes nothing):
    a deactivated person's tokens are revoked at once, in the same transaction."""
    from tracker.staff.signals import person_deactivated

    person_deactivated.connect(_on_person_deactivated)


def token_by_name(person: Person, name: str) -> ApiToken | None:
    return next((t for t in live_tokens(person) if t.name == name.strip()), None)


def authenticate(raw: str) -> ApiToken | None:
    """The live token of a bearer value: known, not revoked, not expired, person active."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == hash_token(raw))
        .options(selectinload(ApiToken.person))
    )
    now = dates.now()
    if (
        token is None
        or token.revoked_at is not None
        or token.expires_at <= now
        or not token.person.active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        token.last_used_at = now
        db.session.commit()
    return token
