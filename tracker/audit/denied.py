"""Access refused, on the record: the one place a page says 403 for a reason."""

from __future__ import annotations

from flask import abort, request

from tracker.audit.services import record_event
from tracker.extensions import db
from tracker.form_pages import current_person


def refuse(reason: str):
    """Record the signed-in person's refused access as an audit event, then answer 403."""
    record_event(
        "access_denied",
        record_type="endpoint",
        record_id=request.endpoint,
        after={"path": request.path, "method": request.method, "reason": reason},
        actor=current_person(),
    )
    db.session.commit()
    abort(403)
