"""Accounts: check sign-ins (a password is set by ``tracker.staff.services.set_password``)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash

from tracker.audit.services import ANONYMOUS, record_event
from tracker.extensions import db
from tracker.passwords import hash_method, hash_password
from tracker.staff.models import Person
from tracker.staff.services import set_password
from tracker.validation import normalise_email

__all__ = ["authenticate", "normalise_email", "set_password"]


#: A hash of no one's password per hash method, made once each.
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of no one's password, made with the same method as real ones."""
    method = hash_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[method]


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
