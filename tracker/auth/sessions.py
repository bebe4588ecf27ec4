"""Server-side sign-in sessions: start, load, end, and end them all.

Flask-Login keeps ``Person.get_id()`` (``id:generation:key``) in the signed session
cookie and, with "keep me signed in", in the remember cookie. :func:`load_person` opens a
request only while the matching :class:`SignInSession` row is live, so the server decides
when a cookie stops working, not the cookie's own age.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g
from flask_login import login_user
from sqlalchemy import bindparam, select, update

from tracker import dates
from tracker.auth.models import SignInSession, TwoFactor
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


#: last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


def session_problem(row: SignInSession, now=None) -> str | None:
    """Why a live-looking session no longer opens the app, or None while it does."""
    now = now or dates.now()
    config = current_app.config
    if row.ended_at is not None:
        return row.ended_reason or "ended"
    if row.remember and now - row.started_at > config["REMEMBER_COOKIE_DURATION"]:
        return "expired"
    if now - row.started_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]):
        return "expired"
    # TOUCH_EVERY of slack: the last request may not have been written down.
    if now - row.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"]) + TOUCH_EVERY:
        return "idle"
    return None


#: What a person reads on the sign-in page when their session ended by itself.
ENDED_WORDS = {
    "idle": "You were signed out after {idle} minutes without activity. Please sign in again.",
    "expired": "Your session reached its {hours}-hour limit. Please sign in again.",
}


def ended_message() -> str | None:
    """Words for the sign-in page when this request's session ended by time, else None."""
    reason = g.get("session_ended")
    words = ENDED_WORDS.get(reason or "")
    if words is None:
        return None
    config = current_app.config
    return words.format(idle=config["SESSION_IDLE_MINUTES"], hours=config["SESSION_ABSOLUTE_HOURS"])


#: The person, their session row and whether two-factor is on, in one query. It runs on
#: every request, so it is built once: building the statement cost more than running it.
_LIVE_SESSION = (
    select(Person, SignInSession, TwoFactor.person_id)
    .join(SignInSession, SignInSession.person_id == Person.id)
    .outerjoin(TwoFactor, TwoFactor.person_id == Person.id)
    .where(
        Person.id == bindparam("person_id"),
        Person.session_generation == bindparam("generation"),
        SignInSession.key_hash == bindparam("key_hash"),
        SignInSession.generation == bindparam("generation"),
    )
)


def load_person(user_id: str) -> Person | None:
    """The person a session or remember cookie names, while that session is live."""
    parsed = _parse(user_id)
    if parsed is None:
        return None
    person_id, generation, key = parsed
    found = db.session.execute(
        _LIVE_SESSION, {"person_id": person_id, "generation": generation, "key_hash": _hash(key)}
    ).first()
    if found is None:
        return None
    person, row, two_factor = found
    if not person.active:
        return None
    now = dates.now()
    problem = session_problem(row, now)
    if problem is not None:
        g.session_ended = problem
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        # Nothing else is pending this early in the request; the commit is the touch alone.
        row.last_seen_at = now
        db.session.commit()
    person.session_key = key
    person.two_factor_on = two_factor is not None
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


def _on_password_set(person: Person, **_) -> None:
    end_every_session(person, "password_changed")


def _on_active_changed(person: Person, *, active: bool, **_) -> None:
    # Either way no session from before survives: a reactivated person signs in afresh.
    end_every_session(person, "reactivated" if active else "deactivated")


def end_sessions_when_people_change() -> None:
    """Connect to the verbs on people (at app creation; connecting again changes nothing):
    a new password or a change of active ends every session of the person, at once."""
    from tracker.staff import signals

    signals.password_set.connect(_on_password_set)
    signals.active_changed.connect(_on_active_changed)
