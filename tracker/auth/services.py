"""Accounts: set passwords (by tracker.auth.passwords' rules) and check sign-ins."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.audit.services import ANONYMOUS, record_event
from tracker.auth.passwords import check_password_rules
from tracker.extensions import db
from tracker.staff.models import Person

__all__ = ["authenticate", "normalise_email", "set_password"]


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_password(password: str, min_length: int = 12, email: str | None = None) -> None:
    """Refuse (field ``password``) unless the password meets tracker.auth.passwords' rules."""
    check_password_rules(password, email, min_length)


def set_password(person: Person, password: str, min_length: int = 12, *, actor) -> None:
    """Give the person a new password; every session they had ends (the caller commits).

    ``actor`` is who sets it: the person, an administrator, or ``CLI``."""
    from tracker.auth.sessions import end_every_session

    validate_password(password, min_length, email=person.email)
    person.set_password(password)
    if person.id is not None:
        end_every_session(person, "password_changed")
    record_event("password_set", person, actor=actor, after={"email": person.email})


_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    """A hash of no one's password, made once, with the same method as real ones."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def authenticate(email: str, password: str):
    """Return (person, None) on success or (None, message) on refusal. Commits the event.

    Exactly one password hash is checked whatever the email: an unknown email (or an
    account without a password) is checked against a dummy hash, so the answer takes as
    long as for a real account and does not tell who has one.
    """
    email = normalise_email(email)
    person = db.session.scalar(select(Person).where(Person.email == email))
    if person is not None and person.password_hash:
        matches = person.check_password(password)
    else:
        check_password_hash(_dummy_hash(), password or "")
        matches = False
    if not matches or not person.active:
        reason = "inactive" if person is not None and not person.active else "bad credentials"
        record_event(
            "login_failed",
            record_type="login",
            record_id=email,
            actor=ANONYMOUS,
            after={"reason": reason},
        )
        db.session.commit()
        if reason == "inactive" and matches:
            return None, "This account is deactivated. Ask your practice administrator."
        return None, "Email or password is not right."
    return person, None  # the caller records the sign-in once it is complete
