"""The decision: may this assistant do this task, at this site, at this moment?

PURE. Facts come in as frozen dataclasses of plain values (``tracker.rule.values``); a
``Decision`` comes out, each unmet condition with the codes of its problems. Nothing
here imports Flask or the database, so the rule can be tested alone and run in bulk, and
every page, the CLI and the API give the same answer (DESIGN section 4).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from tracker.dates import add_months, format_utc, local_day, zone
from tracker.rule.values import (
    COMPETENCY,
    EMPLOYER_POLICY,
    STATE_LAW,
    SUPERVISION,
    CompetencyFacts,
    Condition,
    CredentialFacts,
    Decision,
    DecisionStatus,
    Expiry,
    ExpiryCause,
    LicenseFacts,
    PersonFacts,
    PolicyFacts,
    ProblemCode,
    RecordRef,
    ShiftFacts,
    SiteFacts,
    StateRuleFacts,
    SupervisionFacts,
    TaskFacts,
)
from tracker.vocabulary import (
    DEFAULT_SUPERVISION,
    US_STATES,
    RuleStatus,
    SupervisionLevel,
    TaskKind,
)

_ONE_DAY = timedelta(days=1)

#: A state rule verified longer ago than this many months earns a warning.
STALE_RULE_MONTHS = 12


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


def deactivated(person: PersonFacts, day: date) -> bool:
    """Whether the person no longer works here on the day: deactivated on or before it.

    One deactivated before the day was kept counts as deactivated on every day."""
    return not person.active and (person.deactivated_on is None or person.deactivated_on <= day)


def no_longer_here(person: PersonFacts) -> str:
    """``Dr. Kim no longer works here since 2026-11-20`` (or ``is deactivated``, no day kept)."""
    if person.deactivated_on is None:
        return f"{person.name} is deactivated"
    return f"{person.name} no longer works here since {person.deactivated_on}"


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
            codes=(ProblemCode.no_state_rule,),
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
            (ProblemCode.not_permitted,),
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
                (ProblemCode.state_credential_missing,),
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
    if deactivated(assistant, day):
        # The written policy authorizes the practice's own staff: not someone who has left.
        return Condition(
            EMPLOYER_POLICY,
            False,
            f"{no_longer_here(assistant)}: the written policy authorizes tasks only for the "
            "practice's active staff.",
            (_policy_ref(policy),) if policy is not None else (),
            (ProblemCode.no_longer_works_here,),
        )
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
            codes=(ProblemCode.no_policy,),
        )
    refs = [_policy_ref(policy)]
    doc = policy.document or "The written policy"
    if not policy.authorized:
        return Condition(
            EMPLOYER_POLICY,
            False,
            f"{doc} does not authorize {task.name} for {level} at {site.name}.",
            tuple(refs),
            (ProblemCode.not_authorized,),
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
                (ProblemCode.policy_credential_missing,),
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


# --------------------------------------------------------------------------- expiry
# A competency's expiry is computed here and nowhere else (DESIGN section 13): the decision,
# the competency and staff pages, the training file, the expiring list and the reminders
# all take it from ``competency_expiry`` (or ``expiry_at_sites``, which calls it per site).


def _lapse(
    comp, applying, job_level, site_code, day
) -> tuple[ExpiryCause | None, PolicyFacts | None]:
    """Why, as far as dates go, the competency does not count on the day; (None, None): it
    does. Revocation first, then its own date, then the policy in effect on the day."""
    if comp.revoked_on is not None and day >= comp.revoked_on:
        return ExpiryCause.revoked, None
    if comp.expires_on is not None and day > comp.expires_on:
        return ExpiryCause.own, None
    if comp.validated_on is not None:
        policy = select_policy(applying, comp.task, job_level, site_code, day)
        months = policy.competency_valid_months if policy is not None else None
        if months and day > add_months(comp.validated_on, months):
            return ExpiryCause.policy, policy
    return None, None


def _earliest_end(comp, policy) -> tuple[date | None, ExpiryCause | None]:
    """The earliest of its own date, the policy's validity and the day before revocation;
    a tie names the cause in ``_lapse``'s order (revocation, its own date, the policy)."""
    on, cause = None, None
    if comp.validated_on is not None and policy is not None and policy.competency_valid_months:
        on, cause = (
            add_months(comp.validated_on, policy.competency_valid_months),
            ExpiryCause.policy,
        )
    if comp.expires_on is not None and (on is None or comp.expires_on <= on):
        on, cause = comp.expires_on, ExpiryCause.own
    if comp.revoked_on is not None:
        last = comp.revoked_on - _ONE_DAY
        if on is None or last <= on:
            on, cause = last, ExpiryCause.revoked
    return on, cause


def competency_expiry(
    comp: CompetencyFacts,
    policies,
    job_level: str | None,
    site_code: str,
    day: date,
) -> Expiry:
    """The last day the competency counts at the site, for an assistant of that job level:
    the earliest of its own ``expires_on``, ``validated_on`` plus the
    ``competency_valid_months`` of the policy that applies (the one the decision picks, in
    effect on the day), and the day before ``revoked_on``.

    ``day`` is the day asked about (a decision's day; today on a page). When the policy in
    effect changes between that day and the expiry (a policy ending, a new one starting),
    the answer is still the last day the decision will count it: the record counts on
    ``on`` and not on the day after. When it no longer counts on ``day``, ``on`` is the last
    day it did.
    """
    applying = _applying(policies, comp.task, job_level, site_code)
    policy = select_policy(applying, comp.task, job_level, site_code, day)
    return _expiry(comp, applying, policy, job_level, site_code, day)


def _applying(policies, task_code: str, job_level: str | None, site_code: str) -> list:
    """The policies for the task that apply to the job level at the site, whatever their
    dates."""
    return [p for p in policies if p.task == task_code and policy_applies(p, job_level, site_code)]


def _expiry(comp, applying, policy, job_level, site_code, day) -> Expiry:
    """``competency_expiry``, given the applying policies and the one in effect on the day
    (the decision has them already)."""
    on, cause = _earliest_end(comp, policy)
    # Fast path: no policy starts or ends between the day and the expiry (either way round),
    # so the one in effect on the day decides the whole stretch.
    low, high = (day, on) if on is None or on >= day else (on, day)
    for p in applying:
        ends, starts = p.effective_to, p.effective_from
        # A turn after ``ends``, or the day before ``starts``, inside [low, high].
        if (ends is not None and low <= ends and (high is None or ends <= high)) or (
            starts is not None and low < starts and (high is None or starts - _ONE_DAY <= high)
        ):
            return _expiry_across_turns(comp, applying, job_level, site_code, day)
    return Expiry(on, cause, policy if cause is ExpiryCause.policy else None, site_code)


def _expiry_across_turns(comp, applying, job_level, site_code, day) -> Expiry:
    """The expiry when the policy in effect changes on the way: whether the record counts
    changes only on the day after one of these candidates, so they are tried in order."""
    candidates = {p.effective_to for p in applying if p.effective_to is not None}
    candidates |= {p.effective_from - _ONE_DAY for p in applying if p.effective_from}
    if comp.expires_on is not None:
        candidates.add(comp.expires_on)
    if comp.revoked_on is not None:
        candidates.add(comp.revoked_on - _ONE_DAY)
    if comp.validated_on is not None:
        candidates |= {
            add_months(comp.validated_on, p.competency_valid_months)
            for p in applying
            if p.competency_valid_months
        }
    candidates.discard(date.max)
    ordered = sorted(candidates)

    def lapse(on: date):
        return _lapse(comp, applying, job_level, site_code, on)

    if lapse(day)[0] is None:
        for candidate in ordered:
            if candidate >= day and (why := lapse(candidate + _ONE_DAY))[0]:
                return Expiry(candidate, why[0], why[1], site_code)
        return Expiry(None, None, None, site_code)
    for candidate in reversed(ordered):
        if candidate < day and lapse(candidate)[0] is None:
            why = lapse(candidate + _ONE_DAY)
            return Expiry(candidate, why[0], why[1], site_code)
    return Expiry(None, None, None, site_code)  # never reached: the earliest candidate counts


def expiry_at_sites(
    comp: CompetencyFacts,
    policies,
    job_level: str | None,
    site_codes,
    day: date,
) -> tuple[Expiry, ...]:
    """The competency's expiry at each of the sites (sorted by code); with no site, the
    practice-wide policies' (site "")."""
    return tuple(
        competency_expiry(comp, policies, job_level, code, day)
        for code in (sorted(site_codes) or [""])
    )


def earliest_expiry(expiries) -> Expiry:
    """The expiry that comes first (no expiry comes last): what a list shows."""
    return min(expiries, key=lambda e: (e.on is None, e.on or date.min, e.site))


def competency_problems(
    comp: CompetencyFacts,
    assistant: PersonFacts,
    day: date,
    expiry: Expiry,
    min_hours: float | None,
    state: str,
) -> list[tuple[ProblemCode, str]]:
    """What keeps a competency record from counting on the day, each with its code and its
    words (empty words: another problem's words already say it); an empty list: it counts.
    ``expiry`` is the record's (``competency_expiry``); for a record revoked by the day, the
    one it would have without the revocation, so the reason also says whether it had
    expired."""
    problems = []
    if comp.prior_employer:
        problems.append(
            (
                ProblemCode.prior_employer,
                "was documented at a prior employer and has not been validated here",
            )
        )
    if comp.validated_on is None:
        # A prior employer's record already says it "has not been validated here".
        words = "" if comp.prior_employer else "has not been validated"
        problems.append((ProblemCode.not_validated, words))
    elif comp.validated_on > day:
        problems.append(
            (ProblemCode.validated_later, f"is validated only from {comp.validated_on}")
        )
    validator = comp.validated_by
    if comp.validated_on is not None:
        if validator is None:
            problems.append((ProblemCode.no_validator, "has no validator recorded"))
        elif validator.email == assistant.email:
            problems.append((ProblemCode.self_signed, "was signed off by the assistant themselves"))
        elif not may_validate(validator, comp.validated_on):
            problems.append(
                (
                    ProblemCode.validator_unqualified,
                    f"was signed off by {validator.name}, who on {comp.validated_on} was "
                    "neither a licensed provider nor an approved observer",
                )
            )
    if comp.revoked_on is not None and comp.revoked_on <= day:
        problems.append((ProblemCode.revoked, f"was revoked on {comp.revoked_on}"))
    # A revocation is said as such; past its own or the policy's date, it has expired.
    if expiry.on is not None and day > expiry.on and expiry.cause is not ExpiryCause.revoked:
        problems.append((ProblemCode.expired, f"expired on {expiry.on}"))
    if min_hours and (comp.training_hours or 0) < min_hours:
        problems.append(
            (
                ProblemCode.training_short,
                f"records {_fmt_hours(comp.training_hours)} training hours where {state} "
                f"requires at least {_fmt_hours(min_hours)}",
            )
        )
    return problems


def _competency_ref(comp: CompetencyFacts, expiry: date | None) -> RecordRef:
    by = f" by {comp.validated_by.email}" if comp.validated_by else ""
    validated = f"validated {comp.validated_on}{by}" if comp.validated_on else "not validated"
    until = f", current until {expiry}" if expiry else ""
    return RecordRef("competency", comp.id, f"competency for {comp.task}: {validated}{until}")


def _competency_fix(codes: tuple[ProblemCode, ...]) -> str:
    """Who must do what before the record closest to counting counts."""
    if ProblemCode.expired in codes or ProblemCode.revoked in codes:
        return "a provider must re-validate it"
    if codes == (ProblemCode.training_short,):
        return "record the missing training before it can count"
    return "a provider or an approved observer must validate it here"


def _competency(assistant, task, site, day, competencies, rule, policies, policy) -> Condition:
    state = state_name(site.state)
    min_hours = rule.min_training_hours if rule is not None else None
    mine = [c for c in competencies if c.task == task.code]
    if not mine:
        return Condition(
            COMPETENCY,
            False,
            f"{assistant.name} has no documented {task.name} competency. A provider or an "
            "approved observer must watch them perform it and sign it off.",
            codes=(ProblemCode.no_competency,),
        )
    judged = []
    applying = _applying(policies, task.code, assistant.job_level, site.code)
    for comp in mine:
        expiry = _expiry(comp, applying, policy, assistant.job_level, site.code, day)
        lapsed = expiry
        if expiry.cause is ExpiryCause.revoked and expiry.on is not None and day > expiry.on:
            # Revoked: the reason says so, and also whether its own or the policy's date
            # has passed.
            unrevoked = replace(comp, revoked_on=None)
            lapsed = _expiry(unrevoked, applying, policy, assistant.job_level, site.code, day)
        problems = competency_problems(comp, assistant, day, lapsed, min_hours, state)
        if not problems:
            until = f"current until {expiry.on}" if expiry.on else "with no expiry"
            # A record counts only when validated by someone: it names them.
            return Condition(
                COMPETENCY,
                True,
                f"{assistant.name}'s {task.name} competency was validated on "
                f"{comp.validated_on} by {comp.validated_by.name}, {until}.",
                (_competency_ref(comp, expiry.on),),
            )
        judged.append((len(problems), comp.validated_on or date.min, comp, problems, expiry))
    # Explain the record closest to counting: fewest problems, then the latest validated.
    judged.sort(key=lambda j: (j[0], -j[1].toordinal()))
    _, _, comp, problems, _ = judged[0]
    codes = tuple(code for code, _ in problems)
    words = _join([text for _, text in problems if text], "and")
    return Condition(
        COMPETENCY,
        False,
        f"{assistant.name}'s {task.name} competency {words}; {_competency_fix(codes)}.",
        tuple(_competency_ref(c, expiry.on) for _, _, c, _, expiry in judged),
        codes,
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
    if deactivated(person, day):
        return no_longer_here(person)
    if not licensed_provider(person, day, state):
        return f"{person.name} has no {state_name(state)} license current on {day}"
    return None


@dataclass(frozen=True, slots=True)
class _Check:
    """One part of the supervision condition: its problems (code, words), the records it
    rests on, and the words it adds when met."""

    problems: tuple[tuple[ProblemCode, str], ...] = ()
    records: tuple[RecordRef, ...] = ()
    words: str = ""


def _assignment_check(assistant, site, day, assignments) -> tuple[list[SupervisionFacts], _Check]:
    """The assignments at the site that cover the day, to a provider licensed in its state."""
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
        words = (
            f"{assistant.name} has no supervising provider assigned at {site.name} on "
            f"{day}{detail}; the manager must assign a licensed provider"
        )
        return covering, _Check(problems=((ProblemCode.no_supervisor, words),))
    names = _join(sorted({a.provider.name for a in covering}))
    records = tuple(
        RecordRef("supervision", a.id, f"supervision by {a.provider.email} at {a.site}")
        for a in covering
    )
    return covering, _Check(
        records=records, words=f"{names} supervises {assistant.name} at {site.name}"
    )


def _shift_check(task, site, at, level, covering, shifts, in_room) -> _Check:
    """A supervising provider on shift at the site at the moment (and, for ``in_room``, the
    presence in the room attested)."""
    emails = {a.provider.email for a in covering}
    on_shift = [
        s
        for s in shifts
        if s.provider in emails and s.site == site.code and s.starts_at <= at < s.ends_at
    ]
    if not on_shift:
        names = _join(sorted({a.provider.name for a in covering}))
        local = at.astimezone(zone(site.timezone)).strftime("%Y-%m-%d %H:%M")
        who = f"none of {names} is" if len(covering) > 1 else f"{names} is not"
        words = (
            f"{who} on shift at {site.name} at {local}; record the provider's shift or wait "
            "until they are on site"
        )
        return _Check(problems=((ProblemCode.not_on_shift, words),))
    shift = on_shift[0]
    until = shift.ends_at.astimezone(zone(site.timezone)).strftime("%H:%M")
    record = RecordRef(
        "shift",
        shift.id,
        f"shift of {shift.provider} at {shift.site} "
        f"{format_utc(shift.starts_at)} to {format_utc(shift.ends_at)}",
    )
    words = f", and is on site until {until}"
    if level != SupervisionLevel.in_room:
        return _Check(records=(record,), words=words)
    if in_room:
        return _Check(records=(record,), words=f"{words}, in the room (attested)")
    problem = (
        ProblemCode.not_in_room,
        f"{task.name} needs the provider in the room, and their presence has not been attested",
    )
    return _Check(problems=(problem,), records=(record,))


def _supervision(assistant, task, site, at, day, level, assignments, shifts,
                 delegated_by, in_room) -> Condition:  # fmt: skip
    """The delegator's standing, then the assignment and (from ``on_site``) the shift."""
    problems: list[tuple[ProblemCode, str]] = []
    if delegated_by is not None:
        problem = _provider_problem(delegated_by, day, site.state)
        if problem:
            problems.append(
                (
                    ProblemCode.delegator_unqualified,
                    f"the delegation is made by {delegated_by.name}, but {problem}; "
                    "delegation is a licensed provider's to make",
                )
            )
    if level == SupervisionLevel.none:
        checks = [_Check(words=f"{task.name} needs no supervision")]
    else:
        covering, assigned = _assignment_check(assistant, site, day, assignments)
        checks = [assigned]
        if covering and level.rank >= SupervisionLevel.on_site.rank:
            checks.append(_shift_check(task, site, at, level, covering, shifts, in_room))
    for check in checks:
        problems.extend(check.problems)
    records = tuple(r for check in checks for r in check.records)
    needs = f"Needs {level.label}"
    if problems:
        text = "; ".join(words for _, words in problems)
        codes = tuple(code for code, _ in problems)
        return Condition(SUPERVISION, False, f"{needs}: {text}.", records, codes)
    met_words = "".join(check.words for check in checks)
    return Condition(SUPERVISION, True, f"{needs}: {met_words}.", records)


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
            DecisionStatus.prohibited, assistant.email, task.code, site.code, at,
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
        _competency(assistant, task, site, day, competencies, state_rule, policies, policy),
        _supervision(
            assistant, task, site, at, day, level, supervision, shifts, delegated_by, in_room,
        ),
    )  # fmt: skip
    if site.code not in assistant.site_codes:
        warnings.append(f"{assistant.name} does not work at {site.name} ({site.code}).")
    if deactivated(assistant, day):
        warnings.append(f"{assistant.name}'s account is deactivated.")
    if assistant.role != "assistant":
        warnings.append(f"{assistant.name} is not recorded as a medical assistant.")
    met = all(c.met for c in conditions)
    status = DecisionStatus.clear if met else DecisionStatus.flagged
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
