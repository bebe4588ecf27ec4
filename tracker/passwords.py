"""What makes a password acceptable (NIST SP 800-63B, section 5.1.1.2).

12 to 128 characters, any characters at all (spaces, emoji, accents), taken exactly as
typed: nothing is stripped or changed. No composition rules (no "one digit, one capital").
Refused: a password on the list of common ones shipped with the app, one made of a single
repeated character, and one containing the name part of the person's email.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from tracker.errors import Refused

MIN_LENGTH = 12
MAX_LENGTH = 128


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, case-folded (a few thousand entries, read once)."""
    text = resources.files("tracker").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.casefold() for line in text.splitlines() if line and not line.startswith("#")
    )


def password_problem(
    password: str | None, email: str | None = None, min_length: int = MIN_LENGTH
) -> str | None:
    """Why this password may not be set, or None when it may."""
    password = password or ""
    if len(password) < min_length:
        return f"The password must be at least {min_length} characters long."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters long."
    folded = password.casefold()
    if len(set(password)) == 1:
        return "The password is one character repeated; choose a passphrase of a few words."
    if folded in common_passwords():
        return "That password is on the list of common passwords; choose another."
    local = (email or "").partition("@")[0].casefold()
    if len(local) >= 3 and local in folded:
        return "The password must not contain the name part of the email address."
    return None


def check_password_rules(
    password: str | None, email: str | None = None, min_length: int = MIN_LENGTH
) -> None:
    problem = password_problem(password, email, min_length)
    if problem:
        raise Refused.because(problem, "password")


#: How passwords are hashed (Werkzeug's method string). scrypt with Werkzeug's parameters in
#: every real configuration; the testing configuration names a cheap one through
#: ``PASSWORD_HASH_METHOD`` (a test keeps the real one honest).
DEFAULT_HASH_METHOD = "scrypt"


def hash_method() -> str:
    """The configured hash method (the default outside an app)."""
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_HASH_METHOD
    return DEFAULT_HASH_METHOD


def hash_password(password: str) -> str:
    """The stored form of a password, by the configured method."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method=hash_method())
