"""Server-side sign-in sessions: start, load, end, and end them all.

Flask-Login keeps ``Person.get_id()`` (``id:generation:key``) in the signed session
cookie and, with "keep me signed in", in the remember cookie. :func:`load_person` opens a
request only while the matching :class:`SignInSession` row is live, so the server decides
when a cookie stops working, not the cookie's own age.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, g
from flask_login import login_user
from sqlalchemy import select, update

from tracker import dates
from tracker.auth.models import SignInSession
from tracker.extensions import db
from tracker.staff.models import Person


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(person: Person, remember: bool = False) -> SignInSession:
    """Sign this person in on this browser (the caller commits)."""
    key = secrets.token_urlsafe(32)
    row = SignInSession(
        person_id=person.id,
        key_hash=_hash(key),
        generation=person.session_generation,
        remember=bool(remember),
    )
    db.session.add(row)
    db.session.flush()
    person.session_key = key
    login_user(person, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])
    g.sign_in_session = row
    return row


def _parse(user_id: str) -> tuple[int, int, str] | None:
    parts = (user_id or "").split(":")
    if len(parts) != 3 or not parts[2]:
        return None
    try:
        return int(parts[0]), int(parts[1]), parts[2]
    except ValueError:
        return None


def session_problem(row: SignInSession, now=None) -> str | None:
    """Why a live-looking session no longer opens the app, or None while it does."""
    now = now or dates.now()
    if row.ended_at is not None:
        return row.ended_reason or "ended"
    if row.remember and now - row.started_at > current_app.config["REMEMBER_COOKIE_DURATION"]:
        return "expired"
    return None


def load_person(user_id: str) -> Person | None:
    """The person a session or remember cookie names, while that session is live."""
    parsed = _parse(user_id)
    if parsed is None:
        return None
    person_id, generation, key = parsed
    # One query for both: this runs on every request.
    found = db.session.execute(
        select(Person, SignInSession)
        .join(SignInSession, SignInSession.person_id == Person.id)
        .where(
            Person.id == person_id,
            Person.session_generation == generation,
            SignInSession.key_hash == _hash(key),
            SignInSession.generation == generation,
        )
    ).first()
    if found is None:
        return None
    person, row = found
    if not person.active:
        return None
    if session_problem(row) is not None:
        return None
    person.session_key = key
    g.sign_in_session = row
    return person


def current_session() -> SignInSession | None:
    return g.get("sign_in_session")


def end_current_session(reason: str = "logout") -> None:
    """End this browser's session on the server (the caller commits)."""
    row = current_session()
    if row is not None and row.ended_at is None:
        row.ended_at = dates.now()
        row.ended_reason = reason


def end_every_session(person: Person, reason: str) -> None:
    """End every session of this person, on every browser (the caller commits).

    Raising the generation is what makes this immediate and complete: every cookie issued
    before names the old generation. The rows are marked too, for the record.
    """
    person.session_generation = (person.session_generation or 0) + 1
    db.session.execute(
        update(SignInSession)
        .where(SignInSession.person_id == person.id, SignInSession.ended_at.is_(None))
        .values(ended_at=dates.now(), ended_reason=reason)
    )


def keep_this_browser(person: Person) -> None:
    """After ``end_every_session`` by the person themselves: a new session here, so the
    browser they acted from stays signed in (with the same "keep me signed in" choice)."""
    row = current_session()
    start_session(person, remember=bool(row and row.remember))
