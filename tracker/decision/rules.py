"""The decision: may this assistant do this task, at this site, at this moment?

PURE. Facts come in as frozen dataclasses of plain values; a ``Decision`` comes out. Nothing
here imports Flask or the database, so the rule can be tested alone and run in bulk, and
every page, the CLI and the API give the same answer (DESIGN section 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.dates import add_months, format_utc, local_day, zone
from tracker.vocabulary import (
    DEFAULT_SUPERVISION,
    US_STATES,
    RuleStatus,
    SupervisionLevel,
    TaskKind,
)

STATE_LAW = "state_law"
EMPLOYER_POLICY = "employer_policy"
COMPETENCY = "competency"
SUPERVISION = "supervision"

CLEAR, FLAGGED, PROHIBITED = "clear", "flagged", "prohibited"

#: A state rule verified longer ago than this many months earns a warning.
STALE_RULE_MONTHS = 12


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
    status: str
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
            "status": self.status,
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


# --------------------------------------------------------------------------- helpers


def in_range(day: date, first: date | None, last: date | None) -> bool:
    """Inclusive on both ends; an empty bound is open."""
    return (first is None or first <= day) and (last is None or day <= last)


def credential_held(credential: CredentialFacts, day: date) -> bool:
    """Issued on or before the day and not expired (expires_on is the last valid day)."""
    if credential.issued_on is not None and credential.issued_on > day:
        return False
    return credential.expires_on is None or day <= credential.expires_on


def license_current(license_: LicenseFacts, day: date, state: str | None = None) -> bool:
    if state is not None and license_.state != state:
        return False
    return license_.expires_on is None or day <= license_.expires_on


def licensed_provider(person: PersonFacts, day: date, state: str | None = None) -> bool:
    """A provider with a license current on the day (in ``state`` when given)."""
    return person.role == "provider" and any(
        license_current(lic, day, state) for lic in person.licenses
    )


def may_validate(person: PersonFacts, day: date) -> bool:
    """A provider licensed on the day of sign-off, or an approved observer."""
    return person.can_validate or licensed_provider(person, day)


def state_name(code: str) -> str:
    return US_STATES.get(code, code)


def _join(words: list[str] | tuple[str, ...], last: str = "or") -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def _fmt_hours(hours: float | None) -> str:
    hours = hours or 0
    return str(int(hours)) if float(hours).is_integer() else f"{hours:g}"


def _credential_check(
    person: PersonFacts, required: tuple[str, ...], day: date
) -> tuple[CredentialFacts | None, str]:
    """A current credential of a required type, or words on what is missing.

    A verified credential is preferred, so an unverified duplicate adds no warning when a
    verified one already meets the requirement.
    """
    wanted = set(required)
    lapsed = []
    held = [c for c in person.credentials if c.type in wanted and credential_held(c, day)]
    if held:
        return next((c for c in held if c.verified_on is not None), held[0]), ""
    for cred in person.credentials:
        if cred.type not in wanted:
            continue
        if cred.issued_on is not None and cred.issued_on > day:
            lapsed.append(f"their {cred.type} is issued only from {cred.issued_on}")
        else:
            lapsed.append(f"their {cred.type} expired on {cred.expires_on}")
    detail = f" ({'; '.join(lapsed)})" if lapsed else ""
    return None, f"{person.name} holds no current {_join(required)}{detail}"


def _credential_ref(cred: CredentialFacts) -> RecordRef:
    expiry = f", expires {cred.expires_on}" if cred.expires_on else ", no expiry"
    number = f" #{cred.number}" if cred.number else ""
    return RecordRef("credential", cred.id, f"credential {cred.type}{number}{expiry}")


def _unverified_warning(person: PersonFacts, cred: CredentialFacts) -> str | None:
    if cred.verified_on is None:
        return (
            f"{person.name}'s {cred.type} credential has never been verified with its "
            "issuer; verify it and record the date."
        )
    return None


# --------------------------------------------------------------------------- conditions


def _state_law(assistant, task, site, day, rule, warnings) -> Condition:
    state = state_name(site.state)
    if rule is None:
        if task.kind == TaskKind.administrative:
            return Condition(
                STATE_LAW,
                True,
                f"{task.name} is an administrative task; no {state} rule is needed.",
            )
        return Condition(
            STATE_LAW,
            False,
            f"No {state} rule is recorded for {task.name}, so it is not verified. Verify it "
            f"with the {state} medical board and the AAMA state scope resource, then record "
            "the rule.",
        )
    citation = f" ({rule.citation})" if rule.citation else ""
    refs = [RecordRef("state_rule", rule.id, f"{rule.state} rule for {rule.task}{citation}")]
    # A rule with no verification date is shown as such on the state-rules page; the
    # decision warns only about rules verified too long ago (DESIGN section 4).
    if rule.verified_on is not None and rule.verified_on < add_months(day, -STALE_RULE_MONTHS):
        warnings.append(
            f"The {state} rule for {task.name} was last verified on {rule.verified_on}, more "
            f"than {STALE_RULE_MONTHS} months ago; re-verify it."
        )
    if rule.status != RuleStatus.permitted:
        return Condition(
            STATE_LAW,
            False,
            f"{state} law does not permit a medical assistant to perform {task.name}"
            f"{citation}. Only a licensed provider can do it there.",
            tuple(refs),
        )
    if rule.requires_credentials:
        cred, missing = _credential_check(assistant, rule.requires_credentials, day)
        if cred is None:
            return Condition(
                STATE_LAW,
                False,
                f"{state} requires {_join(rule.requires_credentials)} for {task.name}; "
                f"{missing} on {day}. Record a current credential to meet it.",
                tuple(refs),
            )
        refs.append(_credential_ref(cred))
        if warning := _unverified_warning(assistant, cred):
            warnings.append(warning)
        return Condition(
            STATE_LAW,
            True,
            f"{state} permits {task.name} for a medical assistant holding "
            f"{_join(rule.requires_credentials)}{citation}; {assistant.name} holds a current "
            f"{cred.type}.",
            tuple(refs),
        )
    return Condition(
        STATE_LAW,
        True,
        f"{state} permits a medical assistant to perform {task.name}{citation}.",
        tuple(refs),
    )


def policy_applies(policy: PolicyFacts, job_level: str | None, site_code: str) -> bool:
    return (policy.site is None or policy.site == site_code) and (
        not policy.job_levels or job_level in policy.job_levels
    )


def _specificity(policy: PolicyFacts):
    # A site's policy over a practice-wide one, then a named job level over every level;
    # among equals the latest effective, and a refusal over an authorization.
    return (
        policy.site is not None,
        bool(policy.job_levels),
        policy.effective_from or date.min,
        not policy.authorized,
    )


def select_policy(
    policies, task_code: str, job_level: str | None, site_code: str, day: date
) -> PolicyFacts | None:
    """The most specific policy for the task that applies here and is in effect on the day."""
    best = None
    for policy in policies:
        if (
            policy.task == task_code
            and policy_applies(policy, job_level, site_code)
            and in_range(day, policy.effective_from, policy.effective_to)
            and (best is None or _specificity(policy) > _specificity(best))
        ):
            best = policy
    return best


def _policy_ref(policy: PolicyFacts) -> RecordRef:
    scope = f"site {policy.site}" if policy.site else "every site"
    levels = _join(policy.job_levels, "and") if policy.job_levels else "every job level"
    doc = policy.document or "written policy"
    return RecordRef("policy", policy.id, f"policy: {doc} ({scope}, {levels})")


def _employer_policy(assistant, task, site, day, policies, policy, warnings) -> Condition:
    level = assistant.job_level or "their job level"
    if policy is None:
        hint = ""
        for other in policies:
            if other.task != task.code or not policy_applies(other, assistant.job_level, site.code):
                continue
            name = other.document or "a policy"
            if other.effective_from and day < other.effective_from:
                hint = f" ({name} takes effect on {other.effective_from})"
            elif other.effective_to and day > other.effective_to:
                hint = f" ({name} ended on {other.effective_to})"
        return Condition(
            EMPLOYER_POLICY,
            False,
            f"No written policy in effect on {day} authorizes {task.name} for {level} at "
            f"{site.name}{hint}. Ask the practice manager to add it to the written policy.",
        )
    refs = [_policy_ref(policy)]
    doc = policy.document or "The written policy"
    if not policy.authorized:
        return Condition(
            EMPLOYER_POLICY,
            False,
            f"{doc} does not authorize {task.name} for {level} at {site.name}.",
            tuple(refs),
        )
    if policy.requires_credentials:
        cred, missing = _credential_check(assistant, policy.requires_credentials, day)
        if cred is None:
            return Condition(
                EMPLOYER_POLICY,
                False,
                f"{doc} authorizes {task.name} only with {_join(policy.requires_credentials)};"
                f" {missing} on {day}.",
                tuple(refs),
            )
        refs.append(_credential_ref(cred))
        if (warning := _unverified_warning(assistant, cred)) and warning not in warnings:
            warnings.append(warning)
    return Condition(
        EMPLOYER_POLICY,
        True,
        f"{doc} authorizes {task.name} for {level} at {site.name}.",
        tuple(refs),
    )


def competency_expiry(comp: CompetencyFacts, policy: PolicyFacts | None) -> date | None:
    """The last day a competency counts: its own expiry, else derived from the policy."""
    if comp.expires_on is not None:
        return comp.expires_on
    if comp.validated_on is not None and policy is not None and policy.competency_valid_months:
        return add_months(comp.validated_on, policy.competency_valid_months)
    return None


def competency_problems(
    comp: CompetencyFacts,
    assistant: PersonFacts,
    day: date,
    policy: PolicyFacts | None,
    min_hours: float | None,
    state: str,
) -> list[str]:
    """What keeps a competency record from counting on the day (empty: it counts)."""
    problems = []
    if comp.prior_employer:
        problems.append("was documented at a prior employer and has not been validated here")
    if comp.validated_on is None:
        problems.append("has not been validated")
    elif comp.validated_on > day:
        problems.append(f"is validated only from {comp.validated_on}")
    validator = comp.validated_by
    if comp.validated_on is not None:
        if validator is None:
            problems.append("has no validator recorded")
        elif validator.email == assistant.email:
            problems.append("was signed off by the assistant themselves")
        elif not may_validate(validator, comp.validated_on):
            problems.append(
                f"was signed off by {validator.name}, who on {comp.validated_on} was neither a "
                "licensed provider nor an approved observer"
            )
    if comp.revoked_on is not None and comp.revoked_on <= day:
        problems.append(f"was revoked on {comp.revoked_on}")
    expiry = competency_expiry(comp, policy)
    if expiry is not None and day > expiry:
        problems.append(f"expired on {expiry}")
    if min_hours and (comp.training_hours or 0) < min_hours:
        problems.append(
            f"records {_fmt_hours(comp.training_hours)} training hours where {state} requires "
            f"at least {_fmt_hours(min_hours)}"
        )
    return problems


def _competency_ref(comp: CompetencyFacts, expiry: date | None) -> RecordRef:
    by = f" by {comp.validated_by.email}" if comp.validated_by else ""
    validated = f"validated {comp.validated_on}{by}" if comp.validated_on else "not validated"
    until = f", current until {expiry}" if expiry else ""
    return RecordRef("competency", comp.id, f"competency for {comp.task}: {validated}{until}")


def _competency(assistant, task, site, day, competencies, rule, policy) -> Condition:
    state = state_name(site.state)
    min_hours = rule.min_training_hours if rule is not None else None
    mine = [c for c in competencies if c.task == task.code]
    if not mine:
        return Condition(
            COMPETENCY,
            False,
            f"{assistant.name} has no documented {task.name} competency. A provider or an "
            "approved observer must watch them perform it and sign it off.",
        )
    judged = []
    for comp in mine:
        problems = competency_problems(comp, assistant, day, policy, min_hours, state)
        if not problems:
            expiry = competency_expiry(comp, policy)
            until = f"current until {expiry}" if expiry else "with no expiry"
            who = comp.validated_by.name if comp.validated_by else "a validator"
            return Condition(
                COMPETENCY,
                True,
                f"{assistant.name}'s {task.name} competency was validated on "
                f"{comp.validated_on} by {who}, {until}.",
                (_competency_ref(comp, expiry),),
            )
        judged.append((len(problems), comp.validated_on or date.min, comp, problems))
    # Explain the record closest to counting: fewest problems, then the latest validated.
    judged.sort(key=lambda j: (j[0], -j[1].toordinal()))
    _, _, comp, problems = judged[0]
    if any("expired" in p or "revoked" in p for p in problems):
        fix = "a provider must re-validate it"
    elif any("training hours" in p for p in problems) and len(problems) == 1:
        fix = "record the missing training before it can count"
    else:
        fix = "a provider or an approved observer must validate it here"
    return Condition(
        COMPETENCY,
        False,
        f"{assistant.name}'s {task.name} competency {_join(problems, 'and')}; {fix}.",
        tuple(_competency_ref(c, competency_expiry(c, policy)) for _, _, c, _ in judged),
    )


def required_level(task: TaskFacts, rule, policy) -> SupervisionLevel:
    """The highest of the task's default, the state rule's and the policy's levels."""
    level = DEFAULT_SUPERVISION[task.kind]
    for source in (rule, policy):
        if source is not None and source.supervision.rank > level.rank:
            level = source.supervision
    return level


def _provider_problem(person: PersonFacts, day: date, state: str) -> str | None:
    if person.role != "provider":
        return f"{person.name} is not a provider"
    if not person.active:
        return f"{person.name} is deactivated"
    if not licensed_provider(person, day, state):
        return f"{person.name} has no {state_name(state)} license current on {day}"
    return None


def _supervision(assistant, task, site, at, day, level, assignments, shifts,
                 delegated_by, in_room) -> Condition:  # fmt: skip
    problems: list[str] = []
    refs: list[RecordRef] = []
    met_words = ""
    if delegated_by is not None:
        problem = _provider_problem(delegated_by, day, site.state)
        if problem:
            problems.append(
                f"the delegation is made by {delegated_by.name}, but {problem}; delegation is "
                "a licensed provider's to make"
            )
    if level == SupervisionLevel.none:
        met_words = f"{task.name} needs no supervision"
    else:
        covering = []
        lapsed = []
        for a in assignments:
            if a.site != site.code:
                continue
            if not in_range(day, a.starts_on, a.ends_on):
                when = f"starts on {a.starts_on}" if a.starts_on > day else f"ended on {a.ends_on}"
                lapsed.append(f"the assignment to {a.provider.name} {when}")
                continue
            problem = _provider_problem(a.provider, day, site.state)
            if problem:
                lapsed.append(problem)
                continue
            covering.append(a)
        if not covering:
            detail = f" ({'; '.join(lapsed)})" if lapsed else ""
            problems.append(
                f"{assistant.name} has no supervising provider assigned at {site.name} on "
                f"{day}{detail}; the manager must assign a licensed provider"
            )
        else:
            names = _join(sorted({a.provider.name for a in covering}))
            refs.extend(
                RecordRef("supervision", a.id, f"supervision by {a.provider.email} at {a.site}")
                for a in covering
            )
            met_words = f"{names} supervises {assistant.name} at {site.name}"
            if level.rank >= SupervisionLevel.on_site.rank:
                emails = {a.provider.email for a in covering}
                on_shift = [
                    s
                    for s in shifts
                    if s.provider in emails
                    and s.site == site.code
                    and s.starts_at <= at < s.ends_at
                ]
                if not on_shift:
                    local = at.astimezone(zone(site.timezone)).strftime("%Y-%m-%d %H:%M")
                    who = f"none of {names} is" if len(covering) > 1 else f"{names} is not"
                    problems.append(
                        f"{who} on shift at {site.name} at {local}; record the provider's shift "
                        "or wait until they are on site"
                    )
                else:
                    shift = on_shift[0]
                    until = shift.ends_at.astimezone(zone(site.timezone)).strftime("%H:%M")
                    refs.append(
                        RecordRef(
                            "shift",
                            shift.id,
                            f"shift of {shift.provider} at {shift.site} "
                            f"{format_utc(shift.starts_at)} to {format_utc(shift.ends_at)}",
                        )
                    )
                    met_words += f", and is on site until {until}"
                    if level == SupervisionLevel.in_room:
                        if in_room:
                            met_words += ", in the room (attested)"
                        else:
                            problems.append(
                                f"{task.name} needs the provider in the room, and their "
                                "presence has not been attested"
                            )
    needs = f"Needs {level.label}"
    if problems:
        text = "; ".join(problems)
        return Condition(SUPERVISION, False, f"{needs}: {text}.", tuple(refs))
    return Condition(SUPERVISION, True, f"{needs}: {met_words}.", tuple(refs))


# --------------------------------------------------------------------------- the decision


def reserved_reason(task: TaskFacts) -> str:
    return (
        f"{task.name} is reserved for licensed providers in every state; it is never "
        "delegated to a medical assistant."
    )


def decide(
    assistant: PersonFacts,
    task: TaskFacts,
    site: SiteFacts,
    at: datetime,
    delegated_by: PersonFacts | None = None,
    in_room: bool = False,
    *,
    state_rule: StateRuleFacts | None = None,
    policies: tuple[PolicyFacts, ...] | list[PolicyFacts] = (),
    competencies: tuple[CompetencyFacts, ...] | list[CompetencyFacts] = (),
    supervision: tuple[SupervisionFacts, ...] | list[SupervisionFacts] = (),
    shifts: tuple[ShiftFacts, ...] | list[ShiftFacts] = (),
) -> Decision:
    """Evaluate all four conditions (never stopping at the first failure)."""
    if at.tzinfo is None:
        raise ValueError("the moment of a decision must carry a time zone")
    day = local_day(at, site.timezone)
    if task.kind == TaskKind.reserved:
        return Decision(
            PROHIBITED, assistant.email, task.code, site.code, at,
            reason=reserved_reason(task), day=day,
        )  # fmt: skip
    if state_rule is not None and (state_rule.state != site.state or state_rule.task != task.code):
        state_rule = None
    warnings: list[str] = []
    policy = select_policy(policies, task.code, assistant.job_level, site.code, day)
    level = required_level(task, state_rule, policy)
    conditions = (
        _state_law(assistant, task, site, day, state_rule, warnings),
        _employer_policy(assistant, task, site, day, policies, policy, warnings),
        _competency(assistant, task, site, day, competencies, state_rule, policy),
        _supervision(
            assistant, task, site, at, day, level, supervision, shifts, delegated_by, in_room,
        ),
    )  # fmt: skip
    if site.code not in assistant.site_codes:
        warnings.append(f"{assistant.name} does not work at {site.name} ({site.code}).")
    if not assistant.active:
        warnings.append(f"{assistant.name}'s account is deactivated.")
    if assistant.role != "assistant":
        warnings.append(f"{assistant.name} is not recorded as a medical assistant.")
    status = CLEAR if all(c.met for c in conditions) else FLAGGED
    return Decision(
        status,
        assistant.email,
        task.code,
        site.code,
        at,
        conditions,
        tuple(warnings),
        required_supervision=level,
        day=day,
    )
