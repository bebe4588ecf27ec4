"""No dead ends: what to do about each unmet condition of a decision, for whoever reads it.

A manager (or anyone who may change the record) gets links to the form that fixes it,
prefilled with what the decision already knows: the assistant, the task, the site, the
provider and the day. An assistant gets steps that are theirs to take (ask the supervising
provider, ask for a sign-off), never a manager's. A clear answer warns when the competency
or a credential it rests on expires soon.

Everything here reads a stored decision (the JSON of DESIGN section 4, with each
condition's records) and a few rows; the rule itself is not run again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tracker.catalog.models import Task
from tracker.dates import local_day
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.rule.rules import state_name
from tracker.rule.values import (
    COMPETENCY,
    EMPLOYER_POLICY,
    STATE_LAW,
    SUPERVISION,
    DecisionStatus,
    ProblemCode,
)
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.supervision.models import SupervisionAssignment
from tracker.vocabulary import Role

#: A clear answer warns when what it rests on expires within this many days.
SOON_DAYS = 30


@dataclass(frozen=True)
class Fix:
    """A link to the form that fixes an unmet condition."""

    label: str
    endpoint: str
    args: dict


@dataclass(frozen=True)
class Context:
    """What a decision knows, as records: who, what, where, when (and the local day), and
    the delegating provider when it was a delegation's."""

    assistant: Person
    task: Task
    site: Site
    day: date
    #: The decision's moment (aware); None for a decision kept without one.
    at: datetime | None = None
    delegated_by_id: int | None = None


def _moment_of(result: dict) -> datetime | None:
    at = result.get("at")
    if isinstance(at, str):
        return datetime.fromisoformat(at.replace("Z", "+00:00"))
    return at


def context_of(
    result: dict, assistant_id: int | None, delegated_by_id: int | None = None
) -> Context | None:
    """The records a stored decision names, or None when one is gone."""
    if not assistant_id or not result.get("task") or not result.get("site"):
        return None
    assistant = db.session.get(Person, assistant_id)
    task = db.session.scalar(select(Task).where(Task.code == result["task"]))
    site = db.session.scalar(select(Site).where(Site.code == result["site"]))
    if assistant is None or task is None or site is None:
        return None
    moment = _moment_of(result)
    return Context(assistant, task, site, local_day(moment, site.timezone), moment, delegated_by_id)


def _record_ids(condition: dict, kind: str) -> list[int]:
    return [r["id"] for r in condition.get("records", []) if r["kind"] == kind and r["id"]]


def problem_codes(condition: dict) -> frozenset[str]:
    """The codes of a stored condition's problems, as the rule gave them (empty when met).

    A decision kept before the rule gave codes carries none: its codes are read from its
    records and words, as its fixes were chosen when it was kept.
    """
    if "codes" in condition:
        return frozenset(condition["codes"])
    return _codes_from_words(condition)


def _codes_from_words(condition: dict) -> frozenset[str]:
    if condition.get("met"):
        return frozenset()
    read = _CODES_FROM_WORDS.get(condition.get("condition"))
    return frozenset(read(condition, condition.get("reason", ""))) if read else frozenset()


def _state_law_codes(condition: dict, reason: str) -> list[str]:
    if not _record_ids(condition, "state_rule"):
        return [ProblemCode.no_state_rule]
    if "requires" in reason:
        return [ProblemCode.state_credential_missing]
    return [ProblemCode.not_permitted]


def _policy_codes(condition: dict, reason: str) -> list[str]:
    if not _record_ids(condition, "policy"):
        return [ProblemCode.no_policy]
    if "only with" in reason:
        return [ProblemCode.policy_credential_missing]
    return [ProblemCode.not_authorized]


def _competency_codes(condition: dict, reason: str) -> list[str]:
    return [
        code
        for words, code in (
            ("expired", ProblemCode.expired),
            ("revoked", ProblemCode.revoked),
            ("training hours", ProblemCode.training_short),
            ("prior employer", ProblemCode.prior_employer),
        )
        if words in reason
    ]


def _supervision_codes(condition: dict, reason: str) -> list[str]:
    return [
        code
        for words, code in (
            ("no supervising provider", ProblemCode.no_supervisor),
            ("on shift", ProblemCode.not_on_shift),
        )
        if words in reason
    ]


#: How the codes of a condition kept before the rule gave codes are read from its words.
_CODES_FROM_WORDS = {
    STATE_LAW: _state_law_codes,
    EMPLOYER_POLICY: _policy_codes,
    COMPETENCY: _competency_codes,
    SUPERVISION: _supervision_codes,
}


def _supervising_provider(ctx: Context, condition: dict) -> int | None:
    """The provider to prefill: the delegating one when they supervise here (or nobody
    does), else the provider of the assignment the condition rests on, else of the latest
    one at the site."""
    ids = _record_ids(condition, "supervision")
    providers = [
        a.provider_id
        for a in (db.session.get(SupervisionAssignment, i) for i in ids)
        if a is not None
    ]
    if ctx.delegated_by_id and (not providers or ctx.delegated_by_id in providers):
        return ctx.delegated_by_id
    if providers:
        return providers[0]
    return db.session.scalar(
        select(SupervisionAssignment.provider_id)
        .where(
            SupervisionAssignment.assistant_id == ctx.assistant.id,
            SupervisionAssignment.site_id == ctx.site.id,
        )
        .order_by(SupervisionAssignment.starts_on.desc())
        .limit(1)
    )


def _required_credentials(model, ids: list[int]) -> list[str]:
    """The credential types a state rule or policy the condition rests on names."""
    record = db.session.get(model, ids[0]) if ids else None
    return list(record.requires_credentials or []) if record is not None else []


def _credential_fix(ctx: Context, types: list[str]) -> Fix:
    args: dict = {"person_id": ctx.assistant.id}
    label = f"Record a credential for {ctx.assistant.name}"
    if types:
        args["type"] = types[0]
        label = f"Record {ctx.assistant.name}'s {' or '.join(types)}"
    return Fix(label, "staff.credential_new", args)


#: A competency record that only lacks a sign-off here: validating it is the fix.
_TO_VALIDATE = frozenset({ProblemCode.prior_employer, ProblemCode.not_validated})


def _competency_fix(ctx: Context, condition: dict, codes: frozenset) -> Fix:
    a, t = ctx.assistant, ctx.task
    existing = _record_ids(condition, "competency")
    # The first record is the one the reason explains (the closest to counting).
    if existing and codes & _TO_VALIDATE and not codes - _TO_VALIDATE:
        return Fix(
            f"Sign off {a.name}'s {t.name} competency",
            "competencies.edit",
            {"competency_id": existing[0], "validate": 1},
        )
    return Fix(
        f"Sign off {a.name}'s {t.name} competency",
        "competencies.new",
        {"person_id": a.id, "task": t.code},
    )


def fixes_for(result: dict, ctx: Context, may_sign_off: bool) -> dict[str, list[Fix]]:
    """For each unmet condition, the forms that would fix it (before any access check),
    prefilled with what the decision knows."""
    out: dict[str, list[Fix]] = {}
    if result.get("status") != DecisionStatus.flagged:
        return out
    for c in result.get("conditions", []):
        if c["met"]:
            continue
        if fixes := _condition_fixes(c, ctx, may_sign_off):
            out[c["condition"]] = fixes
    return out


def _condition_fixes(condition: dict, ctx: Context, may_sign_off: bool) -> list[Fix]:
    codes = problem_codes(condition)
    kind = condition["condition"]
    if kind == STATE_LAW:
        return _state_law_fixes(ctx, condition, codes)
    if kind == EMPLOYER_POLICY:
        return _policy_fixes(ctx, condition, codes)
    if kind == COMPETENCY and may_sign_off:
        return [_competency_fix(ctx, condition, codes)]
    if kind == SUPERVISION:
        return _supervision_fixes(ctx, condition, codes)
    return []


def _state_law_fixes(ctx: Context, condition: dict, codes: frozenset) -> list[Fix]:
    rules = _record_ids(condition, "state_rule")
    if ProblemCode.no_state_rule in codes or not rules:
        return [
            Fix(
                f"Record the {state_name(ctx.site.state)} rule for {ctx.task.name}",
                "policy.new_state_rule",
                {"state": ctx.site.state, "task": ctx.task.code},
            )
        ]
    if ProblemCode.state_credential_missing in codes:
        return [_credential_fix(ctx, _required_credentials(StateRule, rules))]
    return [Fix("Review the state rule", "policy.edit_state_rule", {"rule_id": rules[0]})]


def _policy_fixes(ctx: Context, condition: dict, codes: frozenset) -> list[Fix]:
    if ProblemCode.no_longer_works_here in codes:
        return []  # no record to fix: the person has left (reactivating is an admin's act)
    policies = _record_ids(condition, "policy")
    if ProblemCode.no_policy in codes or not policies:
        return [
            Fix(
                f"Write the policy for {ctx.task.name}",
                "policy.new_policy",
                {
                    "task": ctx.task.code,
                    "site": ctx.site.code,
                    "level": ctx.assistant.job_level or "",
                },
            )
        ]
    fixes = []
    if ProblemCode.policy_credential_missing in codes:
        fixes.append(_credential_fix(ctx, _required_credentials(Policy, policies)))
    fixes.append(Fix("Change the policy", "policy.edit_policy", {"policy_id": policies[0]}))
    return fixes


def _supervision_fixes(ctx: Context, condition: dict, codes: frozenset) -> list[Fix]:
    provider = _supervising_provider(ctx, condition)
    fixes = []
    if ProblemCode.no_supervisor in codes:
        fixes.append(_assignment_fix(ctx, provider))
    if ProblemCode.not_on_shift in codes:
        fixes.append(_shift_fix(ctx, provider))
    fixes.extend(
        direction_fixes(
            codes, _record_ids(condition, "protocol"), ctx.assistant, ctx.task, ctx.site
        )
    )
    return fixes


def _assignment_fix(ctx: Context, provider: int | None) -> Fix:
    args = {"assistant": ctx.assistant.id, "site": ctx.site.code, "starts_on": ctx.day.isoformat()}
    if provider:
        args["provider"] = provider
    return Fix("Add a supervision assignment", "supervision.assignment_new", args)


def _shift_fix(ctx: Context, provider: int | None) -> Fix:
    args = {"site": ctx.site.code, "day": ctx.day.isoformat()}
    if ctx.at is not None:
        # The form offers a shift around this moment, not a day's default hours.
        local = ctx.at.astimezone(ZoneInfo(ctx.site.timezone))
        args["at"] = local.strftime("%Y-%m-%dT%H:%M")
    if provider:
        args["provider"] = provider
    return Fix("Add the provider's shift", "supervision.shift_new", args)


def direction_fixes(codes, protocol_ids, assistant, task, site) -> list[Fix]:
    """For a task that needs a provider's decision (DESIGN section 15): give a direction
    for this request (a provider), approve or see the protocol (who has not read it)."""
    fixes = []
    if ProblemCode.no_direction in codes:
        fixes.append(
            Fix(
                f"Give a direction for {assistant.name}",
                "protocols.direction_new",
                {"assistant": assistant.email, "task": task.code, "site": site.code},
            )
        )
    if protocol_ids and ProblemCode.protocol_not_current in codes:
        fixes.append(Fix("Approve the protocol", "protocols.detail",
                         {"protocol_id": protocol_ids[0]}))  # fmt: skip
    elif protocol_ids and ProblemCode.protocol_unacknowledged in codes:
        fixes.append(Fix("See who has not read the protocol", "protocols.detail",
                         {"protocol_id": protocol_ids[0]}))  # fmt: skip
    elif ProblemCode.no_direction in codes and not protocol_ids:
        fixes.append(Fix("Write a protocol", "protocols.new", {}))
    return fixes


# --------------------------------------------------------------------------- the assistant


#: What an assistant can do about each unmet condition: their steps, not a manager's.
MA_STEPS = {
    STATE_LAW: (
        "Do not do it for now: it is not confirmed that a medical assistant may do this task "
        "in this state. Tell your supervising provider or the practice manager, who checks "
        "the state's rules."
    ),
    "employer_policy": (
        "The practice's written policy does not let you do this yet. Ask the practice manager "
        "whether it should."
    ),
    "competency": (
        "Ask a provider or an approved observer to watch you perform it and sign off your "
        "competency."
    ),
    "supervision": (
        "Ask your supervising provider: a provider who supervises you has to be assigned, and "
        "on site when the task needs it."
    ),
}


#: A local moment in a supervision reason ("not on shift at Main St at 2026-11-30 06:01;").
_LOCAL_MOMENT = re.compile(r" at (\d{4}-\d\d-\d\d \d\d:\d\d);")


def reason_for(condition: dict, viewer, tz: str | None = None) -> str:
    """A condition's reason as its reader should get it.

    An assistant is not the one to verify a state's law or record a shift: for them the
    reason says what it means without the manager's instructions. A local time the rule
    wrote gets the site's zone abbreviation (``tz``).
    """
    reason = condition["reason"]
    is_assistant = viewer is not None and getattr(viewer, "role", None) == Role.assistant
    marker = ", so it is not verified."
    if is_assistant and condition["condition"] == STATE_LAW and marker in reason:
        return (
            reason.split(marker, 1)[0]
            + ", so it is not confirmed that a medical assistant may do it there."
        )
    if is_assistant and condition["condition"] in (STATE_LAW, EMPLOYER_POLICY):
        # Recording a credential is the practice manager's job, not the assistant's.
        reason = reason.replace(
            " Record a current credential to meet it.",
            " If you hold one, ask the practice manager to record it.",
        )
    if condition["condition"] == "supervision":
        if is_assistant:
            reason = reason.replace(
                "record the provider's shift or wait until they are on site",
                "wait until they are on site",
            )
        if tz:

            def with_zone(match: re.Match) -> str:
                local = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M")
                abbreviation = local.replace(tzinfo=ZoneInfo(tz)).tzname()
                return f" at {match.group(1)} {abbreviation};"

            reason = _LOCAL_MOMENT.sub(with_zone, reason)
    return reason


#: An assistant's step for the problems the rule gave, by condition: the first whose codes
#: meet the condition's wins; with none, the condition's general step (``MA_STEPS``).
_CODE_STEPS: dict[str, tuple[tuple[frozenset, str], ...]] = {
    STATE_LAW: (
        (
            frozenset({ProblemCode.not_permitted}),
            "Do not do it: the state's law does not let a medical assistant do this task; "
            "only a licensed provider can.",
        ),
        (
            frozenset({ProblemCode.state_credential_missing}),
            "The state requires a credential for this task that the practice has no current "
            "record of for you. If you hold it, give a copy to the practice manager to record "
            "it; until it is recorded, do not do the task.",
        ),
    ),
    EMPLOYER_POLICY: (
        (
            frozenset({ProblemCode.policy_credential_missing}),
            "The practice's written policy asks for a credential for this task that the "
            "practice has no current record of for you. If you hold it, give a copy to the "
            "practice manager to record it.",
        ),
    ),
    COMPETENCY: (
        (
            frozenset({ProblemCode.expired, ProblemCode.revoked}),
            "Your competency for this task no longer counts. Ask a provider to re-validate it "
            "before you do the task again.",
        ),
        (
            frozenset({ProblemCode.training_short}),
            "Your recorded training is short of the state's minimum hours. Ask the practice "
            "manager how to complete and record it.",
        ),
        (
            frozenset({ProblemCode.prior_employer}),
            "Your training from a previous employer does not count here until it is validated "
            "here: ask a provider or an approved observer to watch you perform it and sign it "
            "off.",
        ),
    ),
    SUPERVISION: (
        (
            frozenset({ProblemCode.no_supervisor}),
            "No provider is assigned to supervise you at this site: ask the practice manager "
            "to assign one, and do not do the task until then.",
        ),
        (
            frozenset({ProblemCode.not_on_shift}),
            "Ask your supervising provider: they are not on site at that time, so wait until "
            "they are.",
        ),
        (
            frozenset({ProblemCode.not_in_room}),
            "This task needs the provider in the room with you: ask them to be there and to "
            "attest it.",
        ),
        (
            frozenset({ProblemCode.delegator_unqualified}),
            "The person who asked may not delegate this task here: ask your supervising provider.",
        ),
    ),
}
#: The competency's steps, as tests and older callers name them.
_COMPETENCY_STEPS = _CODE_STEPS[COMPETENCY][:2]


#: The problems of a task that needs a provider's decision (DESIGN section 15).
PROVIDER_DECISION_CODES = frozenset(
    {
        ProblemCode.no_direction,
        ProblemCode.protocol_unacknowledged,
        ProblemCode.protocol_not_current,
    }
)
#: An assistant's steps for a task that needs a provider's decision (DESIGN section 15).
ASK_THE_PROVIDER = (
    "This task needs a provider's decision: ask the provider for a direction for this "
    "request, and escalate anything the protocol does not cover. Do not decide it yourself."
)
READ_THE_PROTOCOL = (
    "Read the current version of the protocol and acknowledge it (Protocols); until then, "
    "ask the provider."
)


def ma_steps(result: dict) -> list[str]:
    """The assistant's own steps for a flagged answer, one per unmet condition, chosen by
    its problem codes (the condition's general step when none has one of its own)."""
    steps = []
    for c in result.get("conditions", []):
        if c["met"]:
            continue
        codes = problem_codes(c)
        if ProblemCode.protocol_unacknowledged in codes:
            steps.append(READ_THE_PROTOCOL)
        if ProblemCode.no_direction in codes:
            steps.append(ASK_THE_PROVIDER)
        general = MA_STEPS.get(c["condition"])
        when_codes = _CODE_STEPS.get(c["condition"], ())
        step = next((words for when, words in when_codes if when & codes), general)
        if c["condition"] == SUPERVISION and codes and codes <= PROVIDER_DECISION_CODES:
            step = None  # the supervisor is in place: only the provider's decision lacks
        if step and step not in steps:
            steps.append(step)
    return steps


#: The expiry a decision's evidence names: "current until 2027-02-10" on a competency,
#: "expires 2029-01-01" on a credential (tracker.rule.rules writes both).
_UNTIL = re.compile(r"current until (\d{4}-\d\d-\d\d)")
_EXPIRES = re.compile(r"^credential (\S+).*, expires (\d{4}-\d\d-\d\d)$")


def expiring_soon(result: dict, ctx: Context) -> list[str]:
    """Words on the competency and credentials a clear answer rests on, when they expire
    within ``SOON_DAYS`` of the decision's day (read from the decision's own evidence)."""
    if result.get("status") != "clear":
        return []
    until = ctx.day + timedelta(days=SOON_DAYS)
    words = []
    for c in result.get("conditions", []):
        for r in c.get("records", []):
            if r["kind"] == "competency" and (found := _UNTIL.search(r["label"])):
                expiry = date.fromisoformat(found.group(1))
                what = f"The {ctx.task.name} competency"
                advice = "ask for it to be re-validated before then."
            elif r["kind"] == "credential" and (found := _EXPIRES.search(r["label"])):
                expiry = date.fromisoformat(found.group(2))
                what = f"The {found.group(1)} credential"
                advice = "renew it and give the practice the new one."
            else:
                continue
            if ctx.day <= expiry <= until:
                text = (
                    f"{what} expires on {expiry.isoformat()}, in {(expiry - ctx.day).days} "
                    f"days: {advice}"
                )
                if text not in words:
                    words.append(text)
    return words


def viewer_fixes(
    result: dict,
    assistant_id: int | None,
    viewer,
    can_open,
    delegated_by_id: int | None = None,
    back: str | None = None,
    ctx: Context | None = None,
) -> dict:
    """The fixes a viewer may follow, as {condition: [(label, url)]}; none for assistants.

    Each link carries ``next=back`` (the page showing it), so the form comes back there.
    """
    from flask import url_for

    from tracker.competencies.services import may_record

    if viewer is None or viewer.role == Role.assistant or result.get("status") != "flagged":
        return {}
    ctx = ctx or context_of(result, assistant_id, delegated_by_id)
    if ctx is None:
        return {}
    out = {}
    extra = {"next": back} if back else {}
    for condition, fixes in fixes_for(result, ctx, may_record(viewer)).items():
        links = [
            (f.label, url_for(f.endpoint, **f.args, **extra)) for f in fixes if can_open(f.endpoint)
        ]
        if links:
            out[condition] = links
    return out
