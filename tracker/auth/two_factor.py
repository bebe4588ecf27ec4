"""Two-factor sign-in: time-based one-time codes (RFC 6238, pyotp) and recovery codes.

Turning it on takes a code from the new authenticator, so a mistyped secret cannot lock a
person out; it then gives ten one-use recovery codes, shown once and stored hashed. A code
is accepted once (the step of the last one is kept). Turning it on or off and using a
recovery code are audit events; the secret and the codes never are.
"""

from __future__ import annotations

import hashlib
import io
import secrets

import pyotp
import segno
from sqlalchemy import delete, select

from tracker import dates
from tracker.audit.services import record_event
from tracker.auth.models import RecoveryCode, TwoFactor
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.vocabulary import Role

RECOVERY_CODE_COUNT = 10
#: Unambiguous letters and digits (no 0/O, 1/I/L) for codes read off paper.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def required_roles(setting: str | None) -> frozenset[Role]:
    """REQUIRE_2FA_ROLES ("admin,compliance") as roles; unknown names are an error."""
    roles = set()
    for name in (setting or "").split(","):
        name = name.strip()
        if name:
            try:
                roles.add(Role(name))
            except ValueError:
                raise ValueError(f"REQUIRE_2FA_ROLES names no role {name!r}") from None
    return frozenset(roles)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str) -> bytes:
    """The otpauth URI as an SVG QR code, drawn here (nothing leaves the server)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=True)
    return out.getvalue()


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _clean_code(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").upper()


def _step_of(secret: str, code: str) -> int | None:
    """The time step a six-digit code belongs to (now, or one step either side), or None."""
    totp = pyotp.TOTP(secret)
    moment = dates.now()
    for drift in (0, -1, 1):
        at = moment.timestamp() + drift * totp.interval
        if secrets.compare_digest(totp.at(at), code):
            return int(at // totp.interval)
    return None


def code_matches(secret: str, code: str | None) -> bool:
    """A code from the authenticator for this secret (before it is turned on)."""
    code = _clean_code(code)
    return len(code) == 6 and code.isdigit() and _step_of(secret, code) is not None


def _hash(code: str) -> str:
    return hashlib.sha256(_clean_code(code).encode()).hexdigest()


def new_recovery_codes(person: Person) -> list[str]:
    """Ten fresh codes (any old ones are dropped); returns them for showing once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.person_id == person.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(person_id=person.id, code_hash=_hash(raw)))
    return codes


def turn_on(person: Person, secret: str, code: str | None) -> list[str] | None:
    """Turn two-factor on with a code from the new authenticator; returns the recovery
    codes, or None when the code is not right (nothing is changed). The caller commits."""
    code = _clean_code(code)
    step = _step_of(secret, code) if len(code) == 6 and code.isdigit() else None
    if step is None:
        return None
    existing = db.session.get(TwoFactor, person.id)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    db.session.add(TwoFactor(person_id=person.id, secret=secret, last_step=step))
    codes = new_recovery_codes(person)
    db.session.flush()
    record_event("two_factor_enabled", person, actor=person, after={"recovery_codes": len(codes)})
    return codes


def turn_off(person: Person, actor: Person) -> None:
    """Remove the authenticator and the recovery codes (the caller commits)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.person_id == person.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.person_id == person.id))
    record_event("two_factor_disabled", person, actor=actor)


def is_on(person: Person) -> bool:
    return db.session.get(TwoFactor, person.id) is not None


def verify_sign_in(person: Person, code: str | None) -> str | None:
    """Check the second step of a sign-in: "totp", "recovery", or None when refused.

    A six-digit code must be newer than the last one accepted (no replay); a recovery code
    is spent. The caller commits.
    """
    settings = db.session.scalar(
        select(TwoFactor).where(TwoFactor.person_id == person.id).with_for_update()
    )
    if settings is None:
        return None
    cleaned = _clean_code(code)
    if len(cleaned) == 6 and cleaned.isdigit():
        step = _step_of(settings.secret, cleaned)
        if step is None or (settings.last_step is not None and step <= settings.last_step):
            return None
        settings.last_step = step
        return "totp"
    if len(cleaned) != 10:
        return None
    found = db.session.scalar(
        select(RecoveryCode)
        .where(
            RecoveryCode.person_id == person.id,
            RecoveryCode.code_hash == _hash(cleaned),
            RecoveryCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if found is None:
        return None
    found.used_at = dates.now()
    db.session.flush()
    left = db.session.scalar(
        select(db.func.count(RecoveryCode.id)).where(
            RecoveryCode.person_id == person.id, RecoveryCode.used_at.is_(None)
        )
    )
    record_event("recovery_code_used", person, actor=person, after={"codes_left": left})
    return "recovery"
