"""Coming back: a link that sends someone to fix a record carries ``next``, the page it
came from (a path on this site, nothing else); once the fix is saved, the form goes back
there instead of to its own list.

The page gone back to may want to take the fix into account at once (a delegation is
re-checked, so its standing shows the fix): a feature connects to ``came_back`` and
hands back the words to flash. This module knows no feature.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from blinker import Namespace
from flask import current_app, flash, redirect, request
from werkzeug.exceptions import HTTPException

from tracker.extensions import db

_signals = Namespace()

#: A fix was saved and the person goes back to ``path`` (sender: the endpoint of the
#: page gone back to; ``args``: its URL arguments; ``actor``: who saved the fix).
#: A receiver may change records (in the same transaction, committed after) and returns
#: words to flash, or None.
came_back = _signals.signal("came-back")


def safe_next(target: str | None) -> str | None:
    """A path on this site, or None.

    Browsers read a backslash as a slash and drop tabs and line breaks, so a target such as
    ``/`` + backslash + ``evil.example`` would leave the site: refuse them all.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def next_page() -> str | None:
    """The safe ``next`` this request carries (a form keeps it in its action's URL)."""
    return safe_next(request.args.get("next"))


def here() -> str:
    """This page's path and query, as a ``next`` for the links it shows."""
    path = request.full_path
    return path[:-1] if path.endswith("?") else path


def cancel_url(default: str) -> str:
    """Where a form's Cancel goes: back where the person came from, else ``default``."""
    return next_page() or default


def back_after_save(default, actor):
    """After a saved change: back to ``next`` (letting that page take the change into
    account), else ``default`` (a response)."""
    target = next_page()
    if target is None:
        return default
    endpoint, args = _endpoint_of(target)
    if endpoint is not None:
        for _, words in came_back.send(endpoint, args=args, actor=actor):
            if words:
                flash(words, "info")
        db.session.commit()
    return redirect(target)


def _endpoint_of(target: str) -> tuple[str | None, dict]:
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, args = adapter.match(urlsplit(target).path, method="GET")
    except HTTPException:
        return None, {}
    return endpoint, args
