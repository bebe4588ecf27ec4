"""The values the decision rule works on: facts in, a decision out (DESIGN section 4).

Frozen dataclasses of plain values, so pages, the CLI, the API and tests can build them
without the database; what the rule makes (a ``Decision``, its conditions, an
``Expiry``) is made hundreds of thousands of times by the matrix, so those are built
without the cost of freezing, and never changed once made. Pure: nothing of Flask,
SQLAlchemy or any feature.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
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
    # supervision of a task that needs a provider's direction (DESIGN section 15)
    no_direction = "no_direction"
    protocol_unacknowledged = "protocol_unacknowledged"
    protocol_not_current = "protocol_not_current"


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
    #: Only transmits a provider's decision: a protocol or a direction is needed.
    needs_direction: bool = False


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


@dataclass(slots=True, unsafe_hash=True)
class CompetencyFacts:
    """One competency record. Not frozen, for speed, like ``Expiry`` and ``Decision``: a
    matrix at 10,000 assistants loads 160,000, and a frozen dataclass sets each field
    through a call (0.6 s of them against 0.24); never changed once made. Only what the
    rule reads (the training day is not: the hours are)."""

    task: str
    validated_on: date | None = None
    validated_by: PersonFacts | None = None
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


@dataclass(slots=True, unsafe_hash=True)
class Expiry:
    """A competency's last day at one site, as ``tracker.rule.rules.competency_expiry``
    works it out (the one place it is): ``on`` None is no expiry. Not frozen, for speed
    (like ``Decision``), and never changed once made."""

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


@dataclass(frozen=True, slots=True)
class ProtocolFacts:
    """One version of a protocol (DESIGN section 15); ``sites`` empty: every site."""

    code: str
    title: str
    version: int
    state: str  #: draft, approved or retired
    tasks: frozenset[str] = frozenset()
    sites: frozenset[str] = frozenset()
    approved_by: PersonFacts | None = None
    approved_on: date | None = None
    review_by: date | None = None
    document: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class DirectionFacts:
    """A provider's direction for one request, counting in [given_at, valid_until)."""

    provider: PersonFacts
    assistant: str  #: the assistant's email
    task: str
    site: str
    given_at: datetime
    valid_until: datetime
    reference: str = ""
    carried_out: bool = False
    id: int | None = None


# --------------------------------------------------------------------------- outcome


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A record a condition rests on, for links on pages."""

    kind: str
    id: int | None
    label: str


class Condition:
    """One of the four conditions: met or not, the codes of what keeps it from being met
    (in the order its reason says them; empty when met), its reason and the records it
    rests on.

    The words (``reason`` and ``records``) may be given as they are or, with ``later``, as
    a function of no arguments that returns them both: they are then worked out the first
    time either is read. The matrix and the finder decide thousands of cells and show the
    words of a page of them (DESIGN section 17). Once made a condition is never changed:
    kept facts and bulk decisions share it between cells and threads.
    """

    __slots__ = ("condition", "met", "codes", "_reason", "_records", "_words")

    def __init__(
        self,
        condition: str,
        met: bool,
        reason: str = "",
        records: tuple[RecordRef, ...] = (),
        codes: tuple[ProblemCode, ...] = (),
    ) -> None:
        self.condition = condition
        self.met = met
        self.codes = codes
        self._reason = reason
        self._records = records
        self._words = None

    @classmethod
    def later(
        cls,
        condition: str,
        met: bool,
        codes: tuple[ProblemCode, ...],
        words: Callable[[], tuple[str, tuple[RecordRef, ...]]],
    ) -> Condition:
        """A condition whose reason and records ``words()`` gives when first read."""
        made = object.__new__(cls)
        made.condition = condition
        made.met = met
        made.codes = codes
        made._words = words  # ``_reason`` and ``_records`` are set when first read
        return made

    def _say(self) -> None:
        words = self._words
        if words is not None:
            # Two threads may both work them out: the same words, so either may win.
            self._reason, self._records = words()
            self._words = None

    @property
    def reason(self) -> str:
        if self._words is not None:
            self._say()
        return self._reason

    @property
    def records(self) -> tuple[RecordRef, ...]:
        if self._words is not None:
            self._say()
        return self._records

    def _key(self) -> tuple:
        return (self.condition, self.met, self.reason, self.records, self.codes)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Condition:
            return NotImplemented
        return self is other or self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())  # pragma: no mutate (a constant hash is a valid hash too)

    def __repr__(self) -> str:
        return (
            f"Condition(condition={self.condition!r}, met={self.met!r}, "
            f"reason={self.reason!r}, records={self.records!r}, codes={self.codes!r})"
        )

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


@dataclass(slots=True, unsafe_hash=True)
class Decision:
    """The answer: clear, flagged or prohibited, with the four conditions (none for a
    prohibited task, which has a ``reason``), the warnings and the level of supervision
    the task needs here. ``day`` (the moment's day at the site) is not compared.

    Not frozen, for speed (a frozen dataclass sets each field through a call; the matrix
    makes hundreds of thousands): still never changed once made, like the conditions."""

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
