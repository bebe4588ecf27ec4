"""A decision in plain words, for the terminal."""

from __future__ import annotations

from tracker.dates import zone
from tracker.rule.values import Decision, DecisionStatus

CONDITION_LABELS = {
    "state_law": "State law",
    "employer_policy": "Employer policy",
    "competency": "Competency",
    "supervision": "Supervision",
}

STATUS_LABELS = {
    DecisionStatus.clear: "CLEAR: all four conditions are met.",
    DecisionStatus.flagged: "FLAGGED: at least one condition is not met.",
    DecisionStatus.prohibited: "PROHIBITED: this task is never delegated to a medical assistant.",
}


def decision_in_words(decision: Decision, timezone: str) -> str:
    local = decision.at.astimezone(zone(timezone))
    lines = [
        STATUS_LABELS[decision.status],
        f"{decision.assistant}, {decision.task} at {decision.site}, "
        f"{local:%Y-%m-%d %H:%M} {local.tzname()}",
    ]
    if decision.reason:
        lines.append(decision.reason)
    for condition in decision.conditions:
        mark = "met    " if condition.met else "NOT MET"
        lines.append(f"  [{mark}] {CONDITION_LABELS[condition.condition]}: {condition.reason}")
        lines.extend(f"            - {item}" for item in condition.evidence)
    if decision.warnings:
        lines.append("Warnings:")
        lines.extend(f"  - {warning}" for warning in decision.warnings)
    return "\n".join(lines)
