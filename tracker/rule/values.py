"""The values the decision rule works on: facts in, a decision out (DESIGN section 4).

Frozen dataclasses of plain values, so pages, the CLI, the API and tests can build them
without the database. Pure: nothing of Flask, SQLAlchemy or any feature.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.dates import format_utc
from tracker.vocabulary import RuleStatus, SupervisionLevel, TaskKind

#: The four conditions, in the order a decision gives them.
STATE_LAW = "state_law"
EMPLOYER_POLICY = "employer_policy"
COMPETENCY = "competency"
SUPERVISION = "supervision"


class DecisionStatus(enum.StrEnum):
    """A decision's outcome; the values are the strings of the JSON, pages and decision log."""

    clear = "clear"
    flagged = "flagged"
    prohibited = "prohibited"


class ProblemCode(enum.StrEnum):
    """Why a condition is not met, one code per problem its reason names.

    Internal: kept with a decision's records so a page can choose the fix by code rather
    than by the reason's words; never part of the decision's JSON (DESIGN section 4).
    """

    # state_law
    no_state_rule = "no_state_rule"
    not_permitted = "not_permitted"
    state_credential_missing = "state_credential_missing"
    # employer_policy
    no_policy = "no_policy"
    not_authorized = "not_authorized"
    policy_credential_missing = "policy_credential_missing"
    no_longer_works_here = "no_longer_works_here"
    # competency: none recorded, or what keeps the record closest to counting from counting
    no_competency = "no_competency"
    prior_employer = "prior_employer"
    not_validated = "not_validated"
    validated_later = "validated_later"
    no_validator = "no_validator"
    self_signed = "self_signed"
    validator_unqualified = "validator_unqualified"
    revoked = "revoked"
    expired = "expired"
    training_short = "training_short"
    # supervision
    delegator_unqualified = "delegator_unqualified"
    no_supervisor = "no_supervisor"
    not_on_shift = "not_on_shift"
    not_in_room = "not_in_room"


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class SiteFacts:
    code: str
    name: str
    state: str
    timezone: str


@dataclass(frozen=True, slots=True)
class TaskFacts:
    code: str
    name: str
    kind: TaskKind


@dataclass(frozen=True, slots=True)
class LicenseFacts:
    type: str
    number: str
    state: str
    expires_on: date | None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CredentialFacts:
    type: str
    number: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    verified_on: date | None = None
    issuer: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class PersonFacts:
    email: str
    name: str
    role: str
    active: bool = True
    job_level: str | None = None
    site_codes: frozenset[str] = frozenset()
    can_validate: bool = False
    licenses: tuple[LicenseFacts, ...] = ()
    credentials: tuple[CredentialFacts, ...] = ()
    id: int | None = None
    #: The day they were deactivated (None: unknown, or active).
    deactivated_on: date | None = None


@dataclass(frozen=True, slots=True)
class StateRuleFacts:
    state: str
    task: str
    status: RuleStatus
    supervision: SupervisionLevel
    requires_credentials: tuple[str, ...] = ()
    min_training_hours: float | None = None
    citation: str = ""
    verified_on: date | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class PolicyFacts:
    task: str
    authorized: bool
    supervision: SupervisionLevel
    site: str | None = None
    job_levels: tuple[str, ...] = ()
    requires_credentials: tuple[str, ...] = ()
    competency_valid_months: int | None = None
    document: str = ""
    effective_from: date | None = None
    effective_to: date | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CompetencyFacts:
    task: str
    validated_on: date | None = None
    validated_by: PersonFacts | None = None
    trained_on: date | None = None
    training_hours: float | None = None
    expires_on: date | None = None
    prior_employer: bool = False
    revoked_on: date | None = None
    id: int | None = None


class ExpiryCause(enum.StrEnum):
    """What sets a competency's last day (DESIGN section 13)."""

    own = "own"  #: the record's own ``expires_on``
    policy = "policy"  #: ``validated_on`` plus the applying policy's ``competency_valid_months``
    revoked = "revoked"  #: the day before ``revoked_on``


@dataclass(frozen=True, slots=True)
class Expiry:
    """A competency's last day at one site, as ``tracker.rule.rules.competency_expiry``
    works it out (the one place it is): ``on`` None is no expiry."""

    on: date | None = None
    cause: ExpiryCause | None = None
    #: The policy whose validity sets it (cause ``policy``).
    policy: PolicyFacts | None = None
    #: The site it is reckoned at ("": no site, so practice-wide policies only).
    site: str = ""

    @property
    def from_policy(self) -> bool:
        return self.cause is ExpiryCause.policy


@dataclass(frozen=True, slots=True)
class SupervisionFacts:
    provider: PersonFacts
    site: str
    starts_on: date
    ends_on: date | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ShiftFacts:
    provider: str  #: the provider's email
    site: str
    starts_at: datetime
    ends_at: datetime
    id: int | None = None


# --------------------------------------------------------------------------- outcome


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A record a condition rests on, for links on pages."""

    kind: str
    id: int | None
    label: str


@dataclass(frozen=True, slots=True)
class Condition:
    condition: str
    met: bool
    reason: str
    records: tuple[RecordRef, ...] = ()
    #: What keeps it from being met, in the order its reason says it (empty when met).
    codes: tuple[ProblemCode, ...] = ()

    @property
    def evidence(self) -> list[str]:
        return [r.label for r in self.records]

    def to_json(self) -> dict:
        return {
            "condition": self.condition,
            "met": self.met,
            "reason": self.reason,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    status: DecisionStatus
    assistant: str
    task: str
    site: str
    at: datetime
    conditions: tuple[Condition, ...] = ()
    warnings: tuple[str, ...] = ()
    reason: str | None = None
    #: Level of supervision the task needs here (None for a prohibited task).
    required_supervision: SupervisionLevel | None = None
    day: date | None = field(default=None, compare=False)

    @property
    def unmet(self) -> list[Condition]:
        return [c for c in self.conditions if not c.met]

    def to_json(self) -> dict:
        out = {
            "status": str(self.status),
            "assistant": self.assistant,
            "task": self.task,
            "site": self.site,
            "at": format_utc(self.at),
        }
        if self.reason is not None:
            out["reason"] = self.reason
        out["conditions"] = [c.to_json() for c in self.conditions]
        out["warnings"] = list(self.warnings)
        return out
