"""Make a decision from stored records, and keep it in the decision log."""

from __future__ import annotations

from datetime import datetime

from tracker.decision.facts import load_for_decision
from tracker.decision.rules import Decision
from tracker.delegations.models import DecisionRecord
from tracker.extensions import db
from tracker.records.models import Task
from tracker.staff.models import Person, Site


def evaluate(
    assistant: Person,
    task: Task,
    site: Site,
    at: datetime,
    delegated_by: Person | None = None,
    in_room: bool = False,
) -> Decision:
    """The decision for one assistant, task, site and moment, from what is stored."""
    book = load_for_decision(assistant, site, at, delegated_by)
    return book.decide(
        assistant.email,
        task.code,
        site.code,
        at,
        delegated_by.email if delegated_by is not None else None,
        in_room,
    )


def record_decision(
    decision: Decision,
    *,
    source: str,
    assistant: Person,
    task: Task,
    site: Site,
    delegated_by: Person | None = None,
    in_room: bool = False,
    asked_by: Person | None = None,
) -> DecisionRecord:
    """Keep a decision with its inputs, who asked and the outcome (the caller commits)."""
    record = DecisionRecord(
        source=source,
        asked_by=asked_by,
        assistant=assistant,
        task=task,
        site=site,
        at=decision.at,
        delegated_by=delegated_by,
        in_room=in_room,
        status=decision.status,
        result=stored_result(decision),
    )
    db.session.add(record)
    db.session.flush()
    return record


def stored_result(decision: Decision) -> dict:
    """The decision's JSON, each condition also naming its records (for links on pages)."""
    result = decision.to_json()
    for out, condition in zip(result["conditions"], decision.conditions, strict=True):
        out["records"] = [
            {"kind": ref.kind, "id": ref.id, "label": ref.label} for ref in condition.records
        ]
    return result


def public_result(result: dict) -> dict:
    """A stored result in the exact JSON shape of DESIGN section 4."""
    return {
        **result,
        "conditions": [
            {k: v for k, v in c.items() if k != "records"} for c in result.get("conditions", [])
        ],
    }


def rerun(record: DecisionRecord) -> Decision:
    """The same decision made again "as of" its moment, on the records as they are now."""
    return evaluate(
        record.assistant,
        record.task,
        record.site,
        record.at,
        record.delegated_by,
        record.in_room,
    )
