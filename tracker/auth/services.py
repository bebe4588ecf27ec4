"""Accounts: create people who can sign in, check sign-ins, throttle failures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tracker.audit.models import AuditEvent
from tracker.audit.services import record_event
from tracker.db_types import utcnow
from tracker.extensions import db
from tracker.staff.models import Person


class PasswordTooShort(ValueError):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_password(password: str, min_length: int = 12) -> None:
    if len(password or "") < min_length:
        raise PasswordTooShort(f"The password must be at least {min_length} characters long.")


def set_password(person: Person, password: str, min_length: int = 12, actor=None) -> None:
    """Give the person a new password; every session they had ends (the caller commits)."""
    from tracker.auth.sessions import end_every_session

    validate_password(password, min_length)
    person.set_password(password)
    if person.id is not None:
        end_every_session(person, "password_changed")
    record_event("password_set", person, actor=actor, after={"email": person.email})


def recent_failures(email: str, minutes: int) -> int:
    since = utcnow() - timedelta(minutes=minutes)
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "login_failed",
            AuditEvent.record_id == email,
            AuditEvent.occurred_at >= since,
        )
    )


def authenticate(email: str, password: str, max_failures: int, window_minutes: int):
    """Return (person, None) on success or (None, message) on refusal. Commits the event."""
    email = normalise_email(email)
    if recent_failures(email, window_minutes) >= max_failures:
        record_event(
            "login_throttled", record_type="login", record_id=email, actor_label="anonymous"
        )
        db.session.commit()
        return None, (
            f"Too many failed sign-ins for this account. Try again in {window_minutes} minutes."
        )
    person = db.session.scalar(select(Person).where(Person.email == email))
    if person is None or not person.check_password(password) or not person.active:
        reason = "inactive" if person is not None and not person.active else "bad credentials"
        record_event(
            "login_failed",
            record_type="login",
            record_id=email,
            actor_label="anonymous",
            after={"reason": reason},
        )
        db.session.commit()
        if reason == "inactive" and person.check_password(password):
            return None, "This account is deactivated. Ask your practice administrator."
        return None, "Email or password is not right."
    record_event("login", person, actor=person)
    db.session.commit()
    return person, None
