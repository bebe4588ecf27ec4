"""Device cookies: a stranger's wrong passwords do not keep a person out.

The sign-in throttle counts attempts per account, so five wrong passwords a minute from
anyone would make the real person wait too. OWASP's guidance on blocking brute force with
*device cookies* separates them: a browser where someone signed in successfully gets a
signed cookie naming that account; an attempt on that account from that browser is then
counted on its own (per device), not with the strangers' attempts, which stay slowed down
as before. The cookie proves only that the browser once knew the password: it opens
nothing, and its own wrong attempts are slowed down the same (a stolen cookie gains a
thief one counter of five a minute, on one account).

The cookie is signed with the app's key (itsdangerous) and holds, for each of the last
``MAX_ACCOUNTS`` accounts signed in on that browser (a clinic's shared computer serves
several people), a keyed digest of the email (no email in the clear), a random device id
and when it was given; an entry older than ``LOGIN_DEVICE_DAYS`` counts for nothing. It is
sent only to the sign-in pages (``Path=/login``), HttpOnly and SameSite=Strict, Secure in
production.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, g, request
from itsdangerous import BadData, URLSafeSerializer

from tracker import dates

COOKIE = "tracker_device"
SALT = "tracker.login-device"
#: Accounts one browser keeps a device entry for (the most recent sign-ins).
MAX_ACCOUNTS = 10
#: A cookie longer than this is not read (a browser keeps at most about 4 KB per cookie).
MAX_COOKIE_LENGTH = 4096


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def account_digest(email: str) -> str:
    """The email as the cookie names it: keyed, so no one can test a guess against it."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    normalised = (email or "").strip().lower().encode("utf-8", "replace")
    return hmac.new(key, SALT.encode() + b":" + normalised, hashlib.sha256).hexdigest()[:32]


def _entries() -> list[list]:
    """The browser's device entries ``[digest, device id, given at]`` still in date."""
    raw = request.cookies.get(COOKIE, "")
    if not raw or len(raw) > MAX_COOKIE_LENGTH:
        return []
    try:
        entries = _serializer().loads(raw)
    except BadData:
        return []  # forged, or signed with another key: a stranger's browser
    oldest = dates.now().timestamp() - current_app.config["LOGIN_DEVICE_DAYS"] * 86400
    if not isinstance(entries, list):
        return []
    return [
        e
        for e in entries
        if isinstance(e, list)
        and len(e) == 3
        and all(isinstance(part, str) for part in e[:2])
        and isinstance(e[2], int | float)
        and e[2] >= oldest
    ]


def known_device(email: str) -> str | None:
    """This browser's device id for ``email``, when someone signed in as it here; else None.

    Read once per request (the throttle asks for each of its limits)."""
    cache = g.setdefault("known_devices", {})
    if email not in cache:
        digest = account_digest(email)
        cache[email] = next(
            (device for name, device, _ in _entries() if hmac.compare_digest(name, digest)),
            None,
        )
    return cache[email]


def remember_device(response, email: str):
    """Give (or renew) this browser's device entry for ``email`` after a sign-in."""
    digest = account_digest(email)
    kept = [e for e in _entries() if e[0] != digest]
    device = known_device(email) or secrets.token_urlsafe(12)
    entries = [[digest, device, int(dates.now().timestamp())], *kept][:MAX_ACCOUNTS]
    response.set_cookie(
        COOKIE,
        _serializer().dumps(entries),
        max_age=current_app.config["LOGIN_DEVICE_DAYS"] * 86400,
        path="/login",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Strict",
    )
    return response
