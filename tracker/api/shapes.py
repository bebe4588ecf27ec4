"""The API's responses that carry decisions: a decision's JSON (DESIGN section 4) is the
decision package's own (``Decision.to_json``, ``public_result`` of a kept one), passed on
as it is, with the API's fields written around it. (Responses of plain records are
dumped by their schemas: ``tracker.api.schemas``.)"""

from __future__ import annotations

from datetime import datetime

from tracker import dates
from tracker.decision.models import DecisionRecord
from tracker.decision.services import public_result
from tracker.delegations.models import Delegation
from tracker.delegations.queries import standing_of


def decision_json(record_id: int, decision) -> dict:
    """A decision just made, with its entry in the decision log."""
    return {"id": record_id, **decision.to_json()}


def stored_json(record: DecisionRecord) -> dict:
    """A kept decision, with its entry and when it was made."""
    return {
        "id": record.id,
        **public_result(record.result),
        "made_at": dates.format_utc(record.made_at),
    }


def delegation_json(d: Delegation) -> dict:
    """A delegation with the decision it was recorded with and its standing."""
    return {
        "id": d.id,
        "assistant": d.assistant.email,
        "task": d.task.code,
        "site": d.site.code,
        "scheduled_for": dates.format_utc(d.scheduled_for),
        "delegated_by": d.delegated_by.email,
        "entered_by": d.entered_by.email,
        "in_room": d.in_room,
        "notes": d.notes or "",
        "status": d.status.value,
        "status_reason": d.status_reason,
        "performed_while_flagged": d.performed_while_flagged,
        "decision": stored_json(d.decision),
        "standing": stored_json(standing_of(d)),
        "standing_changed_at": (
            dates.format_utc(d.standing_changed_at) if d.standing_changed_at else None
        ),
        "rechecks": len(d.checks),
    }


def eligible_json(result, at: datetime) -> dict:
    """Who may do a task at a site at ``at`` (``tracker.decision.eligible``)."""
    return {
        "task": result.task.code,
        "site": result.site.code,
        "at": dates.format_utc(at),
        "clear": [c.assistant.email for c in result.clear],
        "flagged": [
            {
                "assistant": c.assistant.email,
                "unmet": [u.condition for u in c.unmet],
                "reasons": [u.reason for u in c.unmet],
            }
            for c in result.flagged
        ],
        "reason": result.reserved,
    }
