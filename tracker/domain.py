"""The clinic's vocabulary: roles, task kinds, supervision levels and the task catalog.

Pure Python (no Flask, no SQLAlchemy) so the decision rule, the models, the forms and the
practice file all share one source of truth.
"""

from __future__ import annotations

import enum
import re
from typing import NamedTuple

from tracker.names import name_key


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


class TaskKind(enum.StrEnum):
    administrative = "administrative"
    clinical = "clinical"
    reserved = "reserved"


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


class DelegationStatus(enum.StrEnum):
    planned = "planned"
    performed = "performed"
    declined = "declined"
    cancelled = "cancelled"


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


class CatalogTask(NamedTuple):
    code: str
    name: str
    kind: TaskKind
    description: str = ""


A, C, R = TaskKind.administrative, TaskKind.clinical, TaskKind.reserved

#: The built-in task catalog (DESIGN section 2). Present in every database.
TASK_CATALOG: tuple[CatalogTask, ...] = (
    CatalogTask("scheduling", "Scheduling", A, "Scheduling, phones, check-in, correspondence"),
    CatalogTask("records-entry", "Records entry", A, "Updating records, entering data"),
    CatalogTask("billing-insurance", "Billing and insurance", A),
    CatalogTask("vital-signs", "Vital signs", C),
    CatalogTask("patient-history", "Patient history", C),
    CatalogTask("room-prep", "Room preparation", C),
    CatalogTask("procedure-assist", "Procedure assistance", C),
    CatalogTask("specimen-collection", "Specimen collection", C),
    CatalogTask("venipuncture", "Venipuncture", C),
    CatalogTask("injection", "Injection", C, "Intramuscular, subcutaneous, intradermal"),
    CatalogTask("iv-therapy", "IV therapy", C),
    CatalogTask("xray", "X-ray and imaging", C, "X-rays and other imaging"),
    CatalogTask("suture-removal", "Suture removal", C),
    CatalogTask("ear-lavage", "Ear lavage", C),
    CatalogTask("point-of-care-test", "Point-of-care test", C),
    CatalogTask(
        "relay-instructions",
        "Relay instructions",
        C,
        "Relaying provider-approved instructions and provider-reviewed results",
    ),
    CatalogTask(
        "refill-transmission",
        "Refill transmission",
        C,
        "Transmitting a provider's decision exactly as directed",
    ),
    CatalogTask(
        "protocol-phone-routing",
        "Protocol phone routing",
        C,
        "Routing calls under a provider-approved protocol",
    ),
    CatalogTask("instrument-sterilization", "Instrument sterilization", C),
    CatalogTask("diagnosis", "Diagnosis", R),
    CatalogTask("prescribing", "Prescribing", R, "Including independently approving refills"),
    CatalogTask("result-interpretation", "Result interpretation", R),
    CatalogTask("treatment-planning", "Treatment planning", R),
    CatalogTask("medical-advice", "Medical advice", R),
    CatalogTask("triage-judgment", "Triage by own judgment", R),
)

BUILTIN_TASK_CODES = frozenset(t.code for t in TASK_CATALOG)


def task_key(text: str | None) -> str:
    """A task code or name as compared for look-alikes: the typed-name normal form
    (tracker.names), with hyphens, underscores and dots read as spaces."""
    return " ".join(re.split(r"[\s_.-]+", name_key(text))).strip()


#: Every reserved task by the normal form of its code and of its name.
_RESERVED_BY_KEY = {
    task_key(text): task
    for task in TASK_CATALOG
    if task.kind == TaskKind.reserved
    for text in (task.code, task.name)
}
_BUILTIN_BY_KEY = {task_key(task.code): task for task in TASK_CATALOG}


def reserved_lookalike(*texts: str | None) -> CatalogTask | None:
    """The reserved task a custom task's code or name would pass for ("DIAGNOSIS",
    "Diagnosis", "result_interpretation", "Ｐｒｅｓｃｒｉｂｉｎｇ"), or None."""
    for text in texts:
        found = _RESERVED_BY_KEY.get(task_key(text))
        if found is not None:
            return found
    return None


def builtin_lookalike(code: str | None) -> CatalogTask | None:
    """The built-in task whose code this one is in another case or spelling, or None."""
    return _BUILTIN_BY_KEY.get(task_key(code))


def custom_task_problems(code: str | None, name: str | None) -> list[tuple[str, str]]:
    """Why a practice may not add (or rename to) this task: (field, message) pairs.

    The one rule for the form, the practice file and any import: a custom task never
    passes for a reserved one, nor takes a built-in task's code in another spelling.
    """
    problems = []
    reserved = reserved_lookalike(code, name)
    if reserved is not None:
        field = "code" if reserved_lookalike(code) else "name"
        problems.append(
            (
                field,
                f"{(code if field == 'code' else name)!s} reads as the reserved task "
                f"{reserved.name} ({reserved.code}), which is for licensed providers only; "
                "a practice cannot add it or a look-alike.",
            )
        )
    elif builtin_lookalike(code) is not None:
        builtin = builtin_lookalike(code)
        problems.append(("code", f"{code} is the built-in task {builtin.code}; pick another code."))
    return problems


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
