"""The decision: may this assistant do this task, at this site, at this moment?

PURE. Facts come in as frozen dataclasses of plain values (``tracker.rule.values``); a
``Decision`` comes out, each unmet condition with the codes of its problems. Nothing
here imports Flask or the database, so the rule can be tested alone and run in bulk, and
every page, the CLI and the API give the same answer (DESIGN section 4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial

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
    DirectionFacts,
    Expiry,
    ExpiryCause,
    LicenseFacts,
    PersonFacts,
    PolicyFacts,
    ProblemCode,
    ProtocolFacts,
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

#: ``Condition.later``, bound once: every decision makes four conditions with it.
_later = Condition.later

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
    if person.role != "provider":
        return False
    for license_ in person.licenses:  # noqa: SIM110 (a loop: no generator made per call)
        if license_current(license_, day, state):
            return True
    return False


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
        return words[0] if words else ""
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def _fmt_hours(hours: float | None) -> str:
    hours = hours or 0
    return str(int(hours)) if float(hours).is_integer() else f"{hours:g}"


def _current_credential(
    person: PersonFacts, required: tuple[str, ...], day: date
) -> CredentialFacts | None:
    """A current credential of a required type (a verified one preferred, so an unverified
    duplicate adds no warning when a verified one already meets the requirement)."""
    held = None
    for cred in person.credentials:
        if cred.type in required and credential_held(cred, day):
            if cred.verified_on is not None:
                return cred
            if held is None:
                held = cred
    return held


def _missing_credential(person: PersonFacts, required: tuple[str, ...], day: date) -> str:
    """What is missing when ``_current_credential`` finds none, in words."""
    lapsed = []
    for cred in person.credentials:
        if cred.type not in required:
            continue
        if cred.issued_on is not None and cred.issued_on > day:
            lapsed.append(f"their {cred.type} is issued only from {cred.issued_on}")
        else:
            lapsed.append(f"their {cred.type} expired on {cred.expires_on}")
    detail = f" ({'; '.join(lapsed)})" if lapsed else ""
    return f"{person.name} holds no current {_join(required)}{detail}"


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
# Each condition decides ``met`` and its codes now and its words (reason and records) when
# they are first read (``Condition.later``): the words never change what is decided.


def _citation(rule: StateRuleFacts) -> str:
    return f" ({rule.citation})" if rule.citation else ""


def _rule_ref(rule: StateRuleFacts) -> RecordRef:
    return RecordRef("state_rule", rule.id, f"{rule.state} rule for {rule.task}{_citation(rule)}")


def _state_law(assistant, task, site, day, rule, warnings) -> Condition:
    if rule is None:
        if task.kind == TaskKind.administrative:
            return _later(STATE_LAW, True, (), lambda: (
                f"{task.name} is an administrative task; no {state_name(site.state)} rule "
                "is needed.", ()))  # fmt: skip

        def unrecorded():
            state = state_name(site.state)
            return (
                f"No {state} rule is recorded for {task.name}, so it is not verified. Verify "
                f"it with the {state} medical board and the AAMA state scope resource, then "
                "record the rule.", ())  # fmt: skip

        return _later(STATE_LAW, False, (ProblemCode.no_state_rule,), unrecorded)
    # A rule with no verification date is shown as such on the state-rules page; the
    # decision warns only about rules verified too long ago (DESIGN section 4).
    if rule.verified_on is not None and rule.verified_on < add_months(day, -STALE_RULE_MONTHS):
        warnings.append(
            f"The {state_name(site.state)} rule for {task.name} was last verified on "
            f"{rule.verified_on}, more than {STALE_RULE_MONTHS} months ago; re-verify it."
        )
    if rule.status != RuleStatus.permitted:
        return _later(STATE_LAW, False, (ProblemCode.not_permitted,), lambda: (
            f"{state_name(site.state)} law does not permit a medical assistant to perform "
            f"{task.name}{_citation(rule)}. Only a licensed provider can do it there.",
            (_rule_ref(rule),)))  # fmt: skip
    required = rule.requires_credentials
    if required:
        cred = _current_credential(assistant, required, day)
        if cred is None:
            return _later(STATE_LAW, False, (ProblemCode.state_credential_missing,),
                          lambda: (
                f"{state_name(site.state)} requires {_join(required)} for {task.name}; "
                f"{_missing_credential(assistant, required, day)} on {day}. Record a current "
                "credential to meet it.", (_rule_ref(rule),)))  # fmt: skip
        if warning := _unverified_warning(assistant, cred):
            warnings.append(warning)
        return _later(STATE_LAW, True, (), lambda: (
            f"{state_name(site.state)} permits {task.name} for a medical assistant holding "
            f"{_join(required)}{_citation(rule)}; {assistant.name} holds a current {cred.type}.",
            (_rule_ref(rule), _credential_ref(cred))))  # fmt: skip
    return _later(STATE_LAW, True, (), lambda: (
        f"{state_name(site.state)} permits a medical assistant to perform {task.name}"
        f"{_citation(rule)}.", (_rule_ref(rule),)))  # fmt: skip


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
    return _in_effect(_applying(policies, task_code, job_level, site_code), day)


def _in_effect(applying, day: date) -> PolicyFacts | None:
    """``select_policy`` given the policies that apply (``_applying``): the decision has
    them already, for the competency's expiry."""
    best = None
    for policy in applying:
        if in_range(day, policy.effective_from, policy.effective_to) and (
            best is None or _specificity(policy) > _specificity(best)
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
        return _later(EMPLOYER_POLICY, False, (ProblemCode.no_longer_works_here,),
                      lambda: (
            f"{no_longer_here(assistant)}: the written policy authorizes tasks only for the "
            "practice's active staff.",
            (_policy_ref(policy),) if policy is not None else ()))  # fmt: skip
    if policy is None:
        return _later(EMPLOYER_POLICY, False, (ProblemCode.no_policy,), lambda: (
            _no_policy_words(assistant, task, site, day, policies), ()))  # fmt: skip
    if not policy.authorized:
        return _later(EMPLOYER_POLICY, False, (ProblemCode.not_authorized,), lambda: (
            f"{policy.document or 'The written policy'} does not authorize {task.name} for "
            f"{assistant.job_level or 'their job level'} at {site.name}.",
            (_policy_ref(policy),)))  # fmt: skip
    required = policy.requires_credentials
    cred = None  # pragma: no mutate (read only as "a credential or not")
    if required:
        cred = _current_credential(assistant, required, day)
        if cred is None:
            return _later(EMPLOYER_POLICY, False,
                          (ProblemCode.policy_credential_missing,), lambda: (
                f"{policy.document or 'The written policy'} authorizes {task.name} only with "
                f"{_join(required)}; {_missing_credential(assistant, required, day)} on "
                f"{day}.", (_policy_ref(policy),)))  # fmt: skip
        if (warning := _unverified_warning(assistant, cred)) and warning not in warnings:
            warnings.append(warning)
    return _later(EMPLOYER_POLICY, True, (), lambda: (
        f"{policy.document or 'The written policy'} authorizes {task.name} for "
        f"{assistant.job_level or 'their job level'} at {site.name}.",
        (_policy_ref(policy), *((_credential_ref(cred),) if cred else ()))))  # fmt: skip


def _no_policy_words(assistant, task, site, day, policies) -> str:
    """No policy in effect: and when one applying to them starts later or has ended, say so."""
    hint = ""
    for other in policies:
        if other.task != task.code or not policy_applies(other, assistant.job_level, site.code):
            continue
        name = other.document or "a policy"
        # Not mutated: a policy in effect on the day would have been chosen, so the day is
        # never its first or last, and one with neither date is in effect.
        if other.effective_from and day < other.effective_from:  # pragma: no mutate
            hint = f" ({name} takes effect on {other.effective_from})"
        elif other.effective_to and day > other.effective_to:  # pragma: no mutate
            hint = f" ({name} ended on {other.effective_to})"
    return (
        f"No written policy in effect on {day} authorizes {task.name} for "
        f"{assistant.job_level or 'their job level'} at {site.name}{hint}. Ask the practice "
        "manager to add it to the written policy."
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
    return _expiry(comp, applying, _in_effect(applying, day), job_level, site_code, day)


def _applying(policies, task_code: str, job_level: str | None, site_code: str) -> list:
    """The policies for the task that apply to the job level at the site, whatever their
    dates."""
    applying = []
    # Not mutated: a policy for another task among them changes only which dates are tried
    # (``_lapse`` chooses among them by task again).
    for p in policies:  # a loop: Python 3.11 makes each comprehension a call
        if p.task == task_code and policy_applies(p, job_level, site_code):  # pragma: no mutate
            applying.append(p)
    return applying


def _expiry(comp, applying, policy, job_level, site_code, day) -> Expiry:
    """``competency_expiry``, given the applying policies and the one in effect on the day
    (the decision has them already)."""
    on, cause = _earliest_end(comp, policy)
    # Fast path: no policy starts or ends between the day and the expiry (either way round),
    # so the one in effect on the day decides the whole stretch.
    # Not mutated: with ``on`` on the day, either way round is the same.
    low, high = (day, on) if on is None or on >= day else (on, day)  # pragma: no mutate
    for p in applying:
        ends, starts = p.effective_to, p.effective_from
        # A turn after ``ends``, or the day before ``starts``, inside [low, high].
        if (ends is not None and low <= ends and (high is None or ends <= high)) or (
            starts is not None
            and low < starts  # pragma: no mutate (one starting on the day turns before it)
            and (high is None or starts - _ONE_DAY <= high)
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
        # Not mutated: the day itself lapses here, so ``<=`` is the same.
        if candidate < day and lapse(candidate)[0] is None:  # pragma: no mutate
            why = lapse(candidate + _ONE_DAY)
            return Expiry(candidate, why[0], why[1], site_code)
    # Never reached (the earliest candidate counts), so not mutated.
    return Expiry(None, None, None, site_code)  # pragma: no mutate


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
    expired. ``state``: the site's state, by its code."""
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
                f"records {_fmt_hours(comp.training_hours)} training hours where "
                f"{state_name(state)} "
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


def _competency(assistant, task, site, day, competencies, rule, policy, applying,
                expiries=None) -> Condition:  # fmt: skip
    """``applying``: the policies for the task that apply to the assistant's job level at the
    site whatever their dates (``_applying``).

    ``expiries`` (``decide_many``): the expiries already worked out for this task, job
    level, site and day, by a record's dates, which are all an expiry reads of it."""
    min_hours = rule.min_training_hours if rule is not None else None
    judged = []
    for comp in competencies:
        if comp.task != task.code:
            continue
        if expiries is None:
            expiry = _expiry(comp, applying, policy, assistant.job_level, site.code, day)
        else:
            expiry = _expiry_of(comp, applying, policy, assistant.job_level, site.code, day,
                                expiries)  # fmt: skip
        lapsed = expiry
        # Revoked: the reason says so, and also whether its own or the policy's date has
        # passed. (Not mutated: worked out again for a record not revoked, or revoked
        # tomorrow, it says the same.)
        revoked = expiry.cause is ExpiryCause.revoked  # pragma: no mutate
        if revoked and expiry.on is not None and day > expiry.on:  # pragma: no mutate
            unrevoked = replace(comp, revoked_on=None)
            # The job level and site matter only across a policy turn (not mutated).
            lapsed = _expiry(unrevoked, applying, policy, assistant.job_level, site.code,
                             day)  # pragma: no mutate  # fmt: skip
        problems = competency_problems(comp, assistant, day, lapsed, min_hours, site.state)
        if not problems:
            return _later(COMPETENCY, True, (), partial(_counts, assistant, task, comp,
                                                        expiry.on))  # fmt: skip
        judged.append((len(problems), comp.validated_on or date.min, comp, problems, expiry))
    if not judged:
        return _later(COMPETENCY, False, (ProblemCode.no_competency,), lambda: (
            f"{assistant.name} has no documented {task.name} competency. A provider or an "
            "approved observer must watch them perform it and sign it off.", ()))  # fmt: skip
    # Explain the record closest to counting: fewest problems, then the latest validated.
    judged.sort(key=lambda j: (j[0], -j[1].toordinal()))
    problems = judged[0][3]
    codes = tuple(code for code, _ in problems)

    def closest():
        words = _join([text for _, text in problems if text], "and")
        return (
            f"{assistant.name}'s {task.name} competency {words}; {_competency_fix(codes)}.",
            tuple(_competency_ref(c, expiry.on) for _, _, c, _, expiry in judged),
        )

    return _later(COMPETENCY, False, codes, closest)


def _expiry_of(comp, applying, policy, job_level, site_code, day, expiries) -> Expiry:
    """``_expiry``, kept in ``expiries`` by the record's three dates."""
    key = (comp.validated_on, comp.expires_on, comp.revoked_on)
    expiry = expiries.get(key)
    if expiry is None:
        expiry = expiries[key] = _expiry(comp, applying, policy, job_level, site_code, day)
    return expiry


def _counts(assistant, task, comp, until: date | None) -> tuple[str, tuple[RecordRef, ...]]:
    """The words of a record that counts (validated by someone, whom they name)."""
    current = f"current until {until}" if until else "with no expiry"
    return (
        f"{assistant.name}'s {task.name} competency was validated on {comp.validated_on} by "
        f"{comp.validated_by.name}, {current}.",
        (_competency_ref(comp, until),),
    )


def required_level(task: TaskFacts, rule, policy) -> SupervisionLevel:
    """The highest of the task's default, the state rule's and the policy's levels."""
    level = DEFAULT_SUPERVISION[task.kind]
    # Not mutated: ``>=`` is the same (one level to a rank).
    if rule is not None and _RANK[rule.supervision] > _RANK[level]:  # pragma: no mutate
        level = rule.supervision
    if policy is not None and _RANK[policy.supervision] > _RANK[level]:  # pragma: no mutate
        level = policy.supervision
    return level


#: Each level's rank (``SupervisionLevel.rank``), looked up without a call.
_RANK = {level: level.rank for level in SupervisionLevel}


def _provider_problem(person: PersonFacts, day: date, state: str) -> str | None:
    if person.role != "provider":
        return f"{person.name} is not a provider"
    if deactivated(person, day):
        return no_longer_here(person)
    if not licensed_provider(person, day, state):
        return f"{person.name} has no {state_name(state)} license current on {day}"
    return None


#: The levels at which a supervising provider must be on shift at the site.
_ON_SITE_OR_CLOSER = frozenset(
    level for level in SupervisionLevel if level.rank >= SupervisionLevel.on_site.rank
)

#: One part of the supervision condition: the codes of its problems, and a function giving
#: its words when they are read: each problem's words, the records it rests on, and the
#: words it adds when met.
_Check = tuple[tuple[ProblemCode, ...], Callable[[], tuple[tuple[str, ...], tuple, str]]]


def _said(problems=(), records=(), words: str = "") -> _Check:  # pragma: no mutate (see below)
    """A check whose words are known already: ``problems`` as (code, words). (Not mutated:
    every call without ``words`` has problems, and a check with a problem never adds met
    words.)"""
    return tuple(code for code, _ in problems), lambda: (
        tuple(text for _, text in problems), records, words)  # fmt: skip


def _assignment_check(assistant, site, day, assignments) -> tuple[list[SupervisionFacts], _Check]:
    """The assignments at the site that cover the day, to a provider licensed in its state."""
    covering = []
    for a in assignments:  # a loop: Python 3.11 makes each comprehension a call
        if (
            a.site == site.code
            and in_range(day, a.starts_on, a.ends_on)
            and _provider_problem(a.provider, day, site.state) is None
        ):
            covering.append(a)
    if not covering:

        def unassigned():
            lapsed = []
            for a in assignments:
                if a.site != site.code:
                    continue
                if in_range(day, a.starts_on, a.ends_on):
                    lapsed.append(_provider_problem(a.provider, day, site.state))
                elif a.starts_on > day:  # pragma: no mutate (starting on the day is in range)
                    lapsed.append(f"the assignment to {a.provider.name} starts on {a.starts_on}")
                else:
                    lapsed.append(f"the assignment to {a.provider.name} ended on {a.ends_on}")
            detail = f" ({'; '.join(lapsed)})" if lapsed else ""
            return (
                (
                    f"{assistant.name} has no supervising provider assigned at {site.name} on "
                    f"{day}{detail}; the manager must assign a licensed provider",
                ),
                (),
                "",  # pragma: no mutate (a check with a problem never adds met words)
            )

        return covering, ((ProblemCode.no_supervisor,), unassigned)

    def assigned():
        names = _join(sorted({a.provider.name for a in covering}))
        records = tuple(
            RecordRef("supervision", a.id, f"supervision by {a.provider.email} at {a.site}")
            for a in covering
        )
        return (), records, f"{names} supervises {assistant.name} at {site.name}"

    return covering, ((), assigned)


def _shift_check(task, site, at, level, covering, shifts, in_room) -> _Check:
    """A supervising provider on shift at the site at the moment (and, for ``in_room``, the
    presence in the room attested)."""
    emails = []
    for a in covering:  # loops: Python 3.11 makes each comprehension and generator a call
        emails.append(a.provider.email)
    shift = None
    for s in shifts:
        if s.starts_at <= at < s.ends_at and s.provider in emails and s.site == site.code:
            shift = s
            break
    if shift is None:

        def off_shift():
            names = _join(sorted({a.provider.name for a in covering}))
            who = f"none of {names} is" if len(covering) > 1 else f"{names} is not"
            return (
                (
                    f"{who} on shift at {site.name} at {_local_time(at, site)}; record the "
                    "provider's shift or wait until they are on site",
                ),
                (),
                "",  # pragma: no mutate (a check with a problem never adds met words)
            )

        return (ProblemCode.not_on_shift,), off_shift

    def on_shift(problems=(), attested=""):
        until = shift.ends_at.astimezone(zone(site.timezone)).strftime("%H:%M")
        record = RecordRef(
            "shift",
            shift.id,
            f"shift of {shift.provider} at {shift.site} "
            f"{format_utc(shift.starts_at)} to {format_utc(shift.ends_at)}",
        )
        # pragma: no mutate start (a check with a problem never adds met words)
        words = "" if problems else f", and is on site until {until}{attested}"
        # pragma: no mutate end
        return problems, (record,), words

    if level != SupervisionLevel.in_room:
        return (), on_shift
    if in_room:
        return (), partial(on_shift, attested=", in the room (attested)")
    return (ProblemCode.not_in_room,), partial(on_shift, problems=(
        f"{task.name} needs the provider in the room, and their presence has not been "
        "attested",))  # fmt: skip


# ------------------------------------------------- a provider's decision (DESIGN section 15)


def _local_time(moment: datetime, site: SiteFacts) -> str:
    return moment.astimezone(zone(site.timezone)).strftime("%Y-%m-%d %H:%M")


def _direction_ref(direction: DirectionFacts) -> RecordRef:
    return RecordRef(
        "direction",
        direction.id,
        f"direction {direction.reference} from {direction.provider.email}, "
        f"{format_utc(direction.given_at)} to {format_utc(direction.valid_until)}",
    )


def _protocol_ref(protocol: ProtocolFacts) -> RecordRef:
    by = f" by {protocol.approved_by.email}" if protocol.approved_by else ""
    return RecordRef(
        "protocol",
        protocol.id,
        f"protocol {protocol.code} v{protocol.version}, approved {protocol.approved_on}{by}, "
        f"review by {protocol.review_by}",
    )


def protocol_problems(
    protocol: ProtocolFacts,
    assistant: PersonFacts,
    site: SiteFacts,
    day: date,
    acknowledged: frozenset[tuple[str, int]],
) -> list[tuple[ProblemCode, str]]:
    """What keeps a protocol covering the task here from counting on the day (empty: it
    counts): approval, review date, the approver's license, the assistant's reading."""
    name = f"the {protocol.title} protocol (v{protocol.version})"
    problems = []
    if protocol.state != "approved" or protocol.approved_by is None:
        problems.append(
            (ProblemCode.protocol_not_current, f"{name} is a draft no provider has approved")
        )
    else:
        if protocol.approved_on is not None and protocol.approved_on > day:
            problems.append(
                (ProblemCode.protocol_not_current, f"{name} is approved only from "
                 f"{protocol.approved_on}")
            )  # fmt: skip
        if protocol.review_by is not None and protocol.review_by < day:
            problems.append(
                (ProblemCode.protocol_not_current, f"{name} was due for review on "
                 f"{protocol.review_by}; a provider must review and approve it again")
            )  # fmt: skip
        approver = _provider_problem(protocol.approved_by, day, site.state)
        if approver:
            problems.append(
                (ProblemCode.protocol_not_current, f"{name} was approved by "
                 f"{protocol.approved_by.name}, but {approver}; a provider licensed in "
                 f"{state_name(site.state)} must approve it")
            )  # fmt: skip
    if (protocol.code, protocol.version) not in acknowledged:
        # pragma: no mutate start (v == version never gets here: that one is acknowledged)
        older = sorted(v for c, v in acknowledged if c == protocol.code and v < protocol.version)
        # pragma: no mutate end
        if older:
            words = (
                f"{assistant.name} acknowledged the {protocol.title} protocol only in "
                f"version {older[-1]}; read and acknowledge version {protocol.version}"
            )
        else:
            words = f"{assistant.name} has not acknowledged {name}; read and acknowledge it"
        problems.append((ProblemCode.protocol_unacknowledged, words))
    return problems


def _direction_check(assistant, task, site, at, day, protocols, acknowledged,
                     directions) -> _Check:  # fmt: skip
    """A direction for this assistant, task and site covering the moment, from a provider
    licensed in the state; else an approved, current, acknowledged protocol covering the
    task here. The words never invite the assistant to decide."""
    found = []
    for d in directions:
        if (d.assistant, d.task, d.site) != (assistant.email, task.code, site.code):
            continue
        if not d.given_at <= at < d.valid_until:
            # Another moment's direction says nothing about this one (and a book loaded for
            # one day holds only that day's: the answer must not depend on what was loaded).
            continue
        problem = _provider_problem(d.provider, day, site.state)
        if problem:
            found.append(f"{d.reference} is from {d.provider.name}, but {problem}")
            continue
        return _said(
            records=(_direction_ref(d),),
            words=f"; {d.provider.name}'s direction for this request ({d.reference}, given "
            f"{_local_time(d.given_at, site)}) covers it until "
            f"{_local_time(d.valid_until, site)}",
        )
    judged = []
    for p in protocols:
        if task.code not in p.tasks or (p.sites and site.code not in p.sites):
            continue
        if p.state == "retired":
            continue
        problems = protocol_problems(p, assistant, site, day, acknowledged)
        if not problems:
            return _said(
                records=(_protocol_ref(p),),
                words=f"; the {p.title} protocol (v{p.version}), approved by "
                f"{p.approved_by.name} and due for review on {p.review_by}, covers it, and "
                f"{assistant.name} acknowledged this version",
            )
        judged.append((len(problems), -p.version, p, problems))
    detail = f" (a direction was recorded, but {'; '.join(found)})" if found else ""
    nor = "" if judged else ", and no approved protocol covers it"
    missing = (
        ProblemCode.no_direction,
        f"no direction from a provider for this request{detail}{nor}: ask the provider; "
        "do not decide it yourself",
    )
    if not judged:
        return _said(problems=(missing,))
    # Explain the protocol closest to counting: fewest problems, then the latest version.
    judged.sort(key=lambda j: (j[0], j[1]))
    _, _, closest, problems = judged[0]
    return _said(problems=(missing, *problems), records=(_protocol_ref(closest),))


def _supervision(assistant, task, site, at, day, level, assignments, shifts, delegated_by=None,
                 in_room=False, provider_decision=None) -> Condition:  # fmt: skip
    """The delegator's standing, then the assignment and (from ``on_site``) the shift; for
    a task that needs one, the provider's decision (``provider_decision``)."""
    checks: list[_Check] = []
    if delegated_by is not None:
        problem = _provider_problem(delegated_by, day, site.state)
        if problem:
            checks.append(_said(problems=((
                ProblemCode.delegator_unqualified,
                f"the delegation is made by {delegated_by.name}, but {problem}; delegation is "
                "a licensed provider's to make",
            ),)))  # fmt: skip
    if level == SupervisionLevel.none:
        checks.append(((), lambda: ((), (), f"{task.name} needs no supervision")))
    else:
        covering, assigned = _assignment_check(assistant, site, day, assignments)
        checks.append(assigned)
        if covering and level in _ON_SITE_OR_CLOSER:
            checks.append(_shift_check(task, site, at, level, covering, shifts, in_room))
    if provider_decision is not None:
        checks.append(provider_decision)
    codes: tuple[ProblemCode, ...] = ()
    for check_codes, _ in checks:
        if check_codes:
            codes += check_codes

    def words():
        said = [say() for _, say in checks]
        records = tuple(record for _, check_records, _ in said for record in check_records)
        if codes:
            text = "; ".join(text for texts, _, _ in said for text in texts)
        else:
            text = "".join(met_words for _, _, met_words in said)
        return f"Needs {level.label}: {text}.", records

    return _later(SUPERVISION, not codes, codes, words)


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
    protocols: tuple[ProtocolFacts, ...] | list[ProtocolFacts] = (),
    acknowledged: frozenset[tuple[str, int]] = frozenset(),
    directions: tuple[DirectionFacts, ...] | list[DirectionFacts] = (),
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
    applying = _applying(policies, task.code, assistant.job_level, site.code)
    policy = _in_effect(applying, day)
    level = required_level(task, state_rule, policy)
    provider_decision = None
    if task.needs_direction:
        provider_decision = _direction_check(
            assistant, task, site, at, day, protocols, acknowledged, directions
        )
    conditions = (
        _state_law(assistant, task, site, day, state_rule, warnings),
        _employer_policy(assistant, task, site, day, policies, policy, warnings),
        _competency(assistant, task, site, day, competencies, state_rule, policy, applying),
        _supervision(
            assistant, task, site, at, day, level, supervision, shifts, delegated_by, in_room,
            provider_decision,
        ),
    )  # fmt: skip
    warnings.extend(_standing_warnings(assistant, site, day))
    law, employer, competency, supervised = conditions
    met = law.met and employer.met and competency.met and supervised.met
    status = DecisionStatus.clear if met else DecisionStatus.flagged
    return Decision(
        status, assistant.email, task.code, site.code, at, conditions, tuple(warnings), None,
        level, day,
    )  # fmt: skip


# --------------------------------------------------------------------------- many at once


def _standing_warnings(assistant: PersonFacts, site: SiteFacts, day: date) -> tuple[str, ...]:
    """The warnings ``decide`` adds last: away from the site, deactivated, not an MA."""
    here, an_assistant = site.code in assistant.site_codes, assistant.role == "assistant"
    # Not mutated: the quick way out for an active assistant here; the rest finds the same
    # (no warning) for them.
    if here and assistant.active and an_assistant:  # pragma: no mutate
        return ()
    warnings = []
    if not here:
        warnings.append(f"{assistant.name} does not work at {site.name} ({site.code}).")
    if deactivated(assistant, day):
        warnings.append(f"{assistant.name}'s account is deactivated.")
    if not an_assistant:
        warnings.append(f"{assistant.name} is not recorded as a medical assistant.")
    return tuple(warnings)


def _needs_own_credential(source: StateRuleFacts | PolicyFacts | None) -> bool:
    """Whether a state rule's or a policy's condition names the assistant's own credential
    (then it is theirs alone; otherwise every assistant of a job level gets the same)."""
    if isinstance(source, StateRuleFacts):
        return source.status == RuleStatus.permitted and bool(source.requires_credentials)
    return source is not None and source.authorized and bool(source.requires_credentials)


def decide_many(
    assistants: Sequence[PersonFacts],
    tasks: Sequence[TaskFacts],
    site: SiteFacts,
    at: datetime,
    *,
    state_rules: Mapping[str, StateRuleFacts],
    policies: Mapping[str, Sequence[PolicyFacts]],
    competencies: Callable[[PersonFacts, str], Sequence[CompetencyFacts]],
    supervision: Callable[[PersonFacts], Sequence[SupervisionFacts]],
    shifts: Sequence[ShiftFacts] = (),
    protocols: Mapping[str, Sequence[ProtocolFacts]] | None = None,
    acknowledged: Callable[[PersonFacts], frozenset[tuple[str, int]]] | None = None,
    directions: Callable[[PersonFacts, str], Sequence[DirectionFacts]] | None = None,
) -> dict[tuple[str, str], Decision]:
    """``decide`` for every assistant × task at one site and moment (no delegator, no
    attested presence): the matrix and the finder.

    Each cell is exactly the decision ``decide`` makes for it (a property test holds the
    two equal). What cells share is worked out once and combined; the conditions are
    frozen, so cells share them safely:

    - the state-law condition and its warnings, once per task, unless the rule asks for a
      credential (then it names the assistant's own, and is the assistant's);
    - the policy that applies, the level of supervision and the policy condition, once per
      (task, job level), the condition likewise unless the policy asks for a credential;
    - supervision, once per (assistant, level), and per task only where the task's name is
      in its words (no supervision needed; the provider not attested in the room).

    ``state_rules`` and ``policies`` are by task code; ``competencies(assistant, code)``
    and ``supervision(assistant)`` give an assistant's records (their assignments at the
    site); for a task that needs a provider's decision, ``protocols`` (by task code),
    ``acknowledged(assistant)`` and ``directions(assistant, code)`` give what supervision
    then also needs, per cell. Returns the decisions by (assistant email, task code).
    """
    if at.tzinfo is None:
        raise ValueError("the moment of a decision must carry a time zone")
    day = local_day(at, site.timezone)
    # Per assistant: the warnings decide adds last, their assignments, their supervision
    # conditions by key.
    people = [
        (
            assistant,
            _standing_warnings(assistant, site, day),
            supervision(assistant),
            {},
            # A deactivated assistant's policy condition is their own (it names them).
            (assistant.job_level, assistant.email if deactivated(assistant, day) else None),
        )
        for assistant in assistants
    ]
    cells: dict[tuple[str, str], Decision] = {}
    for task in tasks:
        code = task.code
        if task.kind == TaskKind.reserved:
            reason = reserved_reason(task)
            for assistant, *_ in people:
                cells[(assistant.email, code)] = Decision(
                    DecisionStatus.prohibited, assistant.email, code, site.code, at,
                    reason=reason, day=day,
                )  # fmt: skip
            continue
        rule = state_rules.get(code)
        if rule is not None and (rule.state != site.state or rule.task != code):
            rule = None
        provider_decision = None
        if task.needs_direction:
            provider_decision = _provider_decisions(task, site, at, day, protocols, acknowledged,
                                                    directions)  # fmt: skip
        _decide_task(cells, task, site, at, day, people, rule, policies.get(code, ()),
                     competencies, shifts, provider_decision)  # fmt: skip
    return cells


def _decide_task(cells, task, site, at, day, people, rule, policies, competencies, shifts,
                 provider_decision) -> None:  # fmt: skip
    """``decide_many``'s cells for one task that is not reserved."""
    code, site_code = task.code, site.code
    clear, flagged = DecisionStatus.clear, DecisionStatus.flagged
    law, law_warnings = None, ()
    if not _needs_own_credential(rule):
        added: list[str] = []
        law = _state_law(None, task, site, day, rule, added)
        law_warnings = tuple(added)
    by_level: dict = {}  # (job level, deactivated one) -> what _level_share gives
    unsupervised: dict = {}  # None -> the condition when the task needs no supervision
    for assistant, last_warnings, assignments, supervised, job_level in people:
        shared = by_level.get(job_level)
        if shared is None:
            shared = by_level[job_level] = _level_share(assistant, task, site, day, rule,
                                                        policies)  # fmt: skip
        policy, level, employer, applying, key, expiries = shared
        state_law, warnings = law, law_warnings
        if law is None or employer is None:
            state_law, employer, warnings = _own_conditions(
                assistant, task, site, day, rule,
                policies,  # pragma: no mutate (read only when there is no policy)
                policy, law, employer, law_warnings,
            )  # fmt: skip
        competency = _competency(assistant, task, site, day, competencies(assistant, code), rule,
                                 policy, applying, expiries)  # fmt: skip
        if provider_decision is not None:
            supervised_here = _supervision(
                assistant, task, site, at, day, level, assignments, shifts,
                provider_decision=provider_decision(assistant),
            )  # fmt: skip
        else:
            # Kept by the assistant and key; needing none, once for the task (its words
            # name the task and no one).
            kept = unsupervised if key is None else supervised
            supervised_here = kept.get(key)
            if supervised_here is None:
                supervised_here = kept[key] = _supervision(
                    assistant, task, site, at, day, level, assignments, shifts
                )
        met = state_law.met and employer.met and competency.met and supervised_here.met
        cells[(assistant.email, code)] = Decision(
            clear if met else flagged, assistant.email, code, site_code, at,
            (state_law, employer, competency, supervised_here), warnings + last_warnings,
            None, level, day,
        )  # fmt: skip


def _level_share(assistant, task, site, day, rule, policies) -> tuple:
    """What every cell of the task shares for one job level (and a deactivated assistant
    alone): the policy that applies, the level of supervision, the policy condition (None:
    it names the assistant's own credential), the policies that apply whatever their dates,
    the key the supervision condition is kept under (None: no supervision needed), and the
    competencies' expiries as they are worked out (by their dates: ``_expiry_of``)."""
    applying = _applying(policies, task.code, assistant.job_level, site.code)
    policy = _in_effect(applying, day)
    employer = None
    if not _needs_own_credential(policy):
        # No credential to check: the condition appends no warning (so the list is not
        # mutated: None would do as well).
        employer = _employer_policy(assistant, task, site, day, policies, policy,
                                    [])  # pragma: no mutate  # fmt: skip
    level = required_level(task, rule, policy)
    if level == SupervisionLevel.none:
        key = None
    else:
        # In the room, the words name the task.
        key = (level, task.name) if level == SupervisionLevel.in_room else level
    return policy, level, employer, applying, key, {}


def _own_conditions(assistant, task, site, day, rule, policies, policy, law, employer,
                    law_warnings) -> tuple[Condition, Condition, tuple[str, ...]]:  # fmt: skip
    """The state-law and policy conditions the cells of a task do not share (they name the
    assistant's own credential), with the warnings of both."""
    warnings = list(law_warnings)
    if law is None:
        law = _state_law(assistant, task, site, day, rule, warnings)
    if employer is None:
        # The policy asks for a credential, so there is one, and ``policies`` (read only
        # when there is none) is not mutated.
        employer = _employer_policy(assistant, task, site, day,
                                    policies, policy, warnings)  # pragma: no mutate  # fmt: skip
    return law, employer, tuple(warnings)


def _provider_decisions(task, site, at, day, protocols, acknowledged, directions):
    """For a task that needs a provider's decision, the check of one assistant's: never
    shared between cells (DESIGN section 15)."""
    task_protocols = (protocols or {}).get(task.code, ())

    def of(assistant: PersonFacts) -> _Check:
        return _direction_check(
            assistant, task, site, at, day, task_protocols,
            acknowledged(assistant) if acknowledged else frozenset(),
            directions(assistant, task.code) if directions else (),
        )  # fmt: skip

    return of
