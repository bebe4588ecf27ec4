"""How incidents are put into words on forms and pages (one place for every label)."""

from __future__ import annotations

from tracker.vocabulary import RESPONSE_STEPS, DeclineReason, IncidentStatus

REASON_LABELS = {
    DeclineReason.not_trained: "I am not trained for it (or my competency is not current)",
    DeclineReason.outside_scope: "It is outside what an MA may do here",
    DeclineReason.unsure_of_scope: "I was not sure it is within my scope",
    DeclineReason.supervision_not_in_place: "The supervision it needs was not in place",
    DeclineReason.state_law: "State law does not allow it",
    DeclineReason.not_covered_by_protocol: (
        "It is not covered by the protocol, and no provider gave a direction for it"
    ),
    DeclineReason.other: "Another reason (say it in “What you said”)",
}

#: Short forms for tables and badges.
REASON_SHORT = {
    DeclineReason.not_trained: "not trained",
    DeclineReason.outside_scope: "outside scope",
    DeclineReason.unsure_of_scope: "unsure of scope",
    DeclineReason.supervision_not_in_place: "supervision not in place",
    DeclineReason.state_law: "state law",
    DeclineReason.not_covered_by_protocol: "not covered by the protocol",
    DeclineReason.other: "other",
}

STATUS_LABELS = {
    IncidentStatus.open: "open",
    IncidentStatus.under_review: "under review",
    IncidentStatus.resolved: "resolved",
    IncidentStatus.escalated: "escalated",
}

#: Bootstrap colour of each status badge, keyed by its label.
STATUS_STYLE = {
    "open": "warning",
    "under review": "info",
    "resolved": "success",
    "escalated": "danger",
}

#: What a reviewer's button says for each move.
MOVE_LABELS = {
    IncidentStatus.under_review: "Start the review",
    IncidentStatus.resolved: "Resolve",
    IncidentStatus.escalated: "Escalate (e.g. to the state board)",
}

STEP_CODES = tuple(code for code, _label, _why in RESPONSE_STEPS)
STEP_LABELS = {code: label for code, label, _why in RESPONSE_STEPS}
STEP_WHY = {code: why for code, _label, why in RESPONSE_STEPS}

#: A decision's first unmet condition suggests the reason an MA declines a delegation.
REASON_FOR_CONDITION = {
    "state_law": DeclineReason.state_law,
    "employer_policy": DeclineReason.outside_scope,
    "competency": DeclineReason.not_trained,
    "supervision": DeclineReason.supervision_not_in_place,
}

PRACTICE_LEVEL = (
    "Repeated pressure is a practice-level problem, not the individual MA's: the assistants "
    "who declined and documented these requests did the right thing. Look at how tasks are "
    "delegated, staffed and supervised, and talk with the person who asked."
)
