"""The clinic's vocabulary: roles, task kinds, supervision levels, states.

Pure Python (no Flask, no SQLAlchemy) so the decision rule, the models, the forms and the
practice file all share one source of truth.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    assistant = "assistant"
    provider = "provider"
    manager = "manager"
    compliance = "compliance"
    admin = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.assistant: "Medical assistant",
    Role.provider: "Provider",
    Role.manager: "Practice manager",
    Role.compliance: "Compliance officer",
    Role.admin: "Administrator",
}

#: Assistants and providers: the staff whose records a manager keeps (and may give these
#: roles); any other role is an account that only an administrator creates or changes.
STAFF_ROLES = frozenset({Role.assistant, Role.provider})
#: Managers and admins: keep the records, enter a sign-off on its validator's behalf, and
#: move any delegation's status.
RECORD_KEEPERS = frozenset({Role.manager, Role.admin})
#: Managers, admins and compliance: see every incident, review them, and see flagged
#: delegations first.
OVERSEERS = frozenset({Role.manager, Role.admin, Role.compliance})


class TaskKind(enum.StrEnum):
    administrative = "administrative"
    clinical = "clinical"
    reserved = "reserved"


#: The order tasks are listed in, by kind (the matrix's columns, the policy pages' lists).
KIND_ORDER = {TaskKind.administrative: 0, TaskKind.clinical: 1, TaskKind.reserved: 2}


class SupervisionLevel(enum.StrEnum):
    """Levels in rising order; the order is the one source of truth for comparisons."""

    none = "none"
    available = "available"
    on_site = "on_site"
    in_room = "in_room"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]

    @property
    def label(self) -> str:
        return SUPERVISION_LABELS[self]


_LEVEL_ORDER = [
    SupervisionLevel.none,
    SupervisionLevel.available,
    SupervisionLevel.on_site,
    SupervisionLevel.in_room,
]
_LEVEL_RANK = {level: rank for rank, level in enumerate(_LEVEL_ORDER)}

SUPERVISION_LABELS = {
    SupervisionLevel.none: "no supervision",
    SupervisionLevel.available: "a supervising provider available",
    SupervisionLevel.on_site: "a supervising provider on site",
    SupervisionLevel.in_room: "a supervising provider in the room",
}

#: What a task needs when neither the state rule nor the policy asks for more.
DEFAULT_SUPERVISION = {
    TaskKind.administrative: SupervisionLevel.none,
    TaskKind.clinical: SupervisionLevel.available,
    TaskKind.reserved: SupervisionLevel.in_room,
}


class RuleStatus(enum.StrEnum):
    permitted = "permitted"
    prohibited = "prohibited"


class ProtocolState(enum.StrEnum):
    """A protocol's life: written (draft), approved by a provider, replaced (retired)."""

    draft = "draft"
    approved = "approved"
    retired = "retired"


class DelegationStatus(enum.StrEnum):
    planned = "planned"
    performed = "performed"
    declined = "declined"
    cancelled = "cancelled"


class DocumentRecordType(enum.StrEnum):
    """The records an evidence document may be attached to (DESIGN section 16)."""

    competency = "competency"
    credential = "credential"
    license = "license"
    state_rule = "state_rule"
    policy = "policy"
    protocol = "protocol"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


#: What an evidence document may be, as its content says (never its name): the MIME type
#: it is served with, and the extension its exported copy is named with.
DOCUMENT_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


class IncidentStatus(enum.StrEnum):
    open = "open"
    under_review = "under_review"
    resolved = "resolved"
    escalated = "escalated"


class DeclineReason(enum.StrEnum):
    not_trained = "not_trained"
    outside_scope = "outside_scope"
    unsure_of_scope = "unsure_of_scope"
    supervision_not_in_place = "supervision_not_in_place"
    state_law = "state_law"
    #: A task that needs a provider's decision, in a situation the protocol does not cover.
    not_covered_by_protocol = "not_covered_by_protocol"
    other = "other"


#: What an MA does when a request is outside what they may do: the steps an incident records,
#: and the advice the self-check gives when a condition is unmet. (code, label, one-line why)
RESPONSE_STEPS: tuple[tuple[str, str, str], ...] = (
    ("paused", "Pause", "Stop before starting the task; nothing is lost by waiting."),
    ("said_what_needed", "Say what you need",
     "Tell the requester plainly what is missing (training, supervision, authorization)."),
    ("checked_policy", "Check the written policy or ask compliance",
     "The written policy and the compliance officer say what this practice authorizes."),
    ("asked_supervisor", "Ask the supervising provider directly",
     "The provider who supervises you decides and stays responsible for the delegation."),
    ("documented", "Document it", "Record what was asked and what you said, while it is fresh."),
    ("escalated", "Escalate",
     "If the pressure continues, take it to compliance or the state board."),
)  # fmt: skip


#: The 50 states, DC and the territories, by USPS code.
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
    "GU": "Guam", "VI": "U.S. Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}  # fmt: skip


def state_name(code: str) -> str:
    """A state's name from its USPS code (the code itself when unknown)."""
    return US_STATES.get(code, code)
