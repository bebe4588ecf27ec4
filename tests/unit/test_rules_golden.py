"""The decision rule (DESIGN section 4) with plain values: no app, no database.

Every case starts from one practice in which Ana may give an injection at Main St (CA) on
Monday 2026-11-23 at 10:00 Los Angeles time, changes one fact, and says what must follow.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracker.catalog.builtin import TASK_CATALOG
from tracker.rule.rules import decide
from tracker.rule.values import (
    CompetencyFacts,
    CredentialFacts,
    LicenseFacts,
    PersonFacts,
    PolicyFacts,
    ShiftFacts,
    SiteFacts,
    StateRuleFacts,
    SupervisionFacts,
    TaskFacts,
)
from tracker.vocabulary import RuleStatus, SupervisionLevel, TaskKind

NONE, AVAILABLE, ON_SITE, IN_ROOM = (
    SupervisionLevel.none,
    SupervisionLevel.available,
    SupervisionLevel.on_site,
    SupervisionLevel.in_room,
)
PERMITTED, PROHIBITED = RuleStatus.permitted, RuleStatus.prohibited

DAY = date(2026, 11, 23)
BEFORE, AFTER = DAY - timedelta(days=1), DAY + timedelta(days=1)
#: 10:00 in Los Angeles (PST, UTC-8) on DAY.
AT = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)

MAIN = SiteFacts("main", "Main St", "CA", "America/Los_Angeles")
NORTH = SiteFacts("north", "North", "TX", "America/Chicago")

INJECTION = TaskFacts("injection", "Injection", TaskKind.clinical)
SCHEDULING = TaskFacts("scheduling", "Scheduling", TaskKind.administrative)
DIAGNOSIS = TaskFacts("diagnosis", "Diagnosis", TaskKind.reserved)

CA_LICENSE = LicenseFacts("MD", "A12345", "CA", date(2027, 6, 30))
TX_LICENSE = LicenseFacts("MD", "T999", "TX", date(2027, 6, 30))

LEE = PersonFacts(
    "dr.lee@example.org", "Dr. Lee", "provider",
    site_codes=frozenset({"main"}), licenses=(CA_LICENSE,),
)  # fmt: skip
#: A provider licensed in Texas only.
TEXAN = PersonFacts(
    "dr.tex@example.org", "Dr. Tex", "provider",
    site_codes=frozenset({"north"}), licenses=(TX_LICENSE,),
)  # fmt: skip
#: A licensed provider at Main St who does not supervise Ana.
KIM = PersonFacts(
    "dr.kim@example.org", "Dr. Kim", "provider",
    site_codes=frozenset({"main"}), licenses=(replace(CA_LICENSE, number="B777"),),
)  # fmt: skip
MANAGER = PersonFacts("mia@example.org", "Mia Manager", "manager", site_codes=frozenset({"main"}))

CMA = CredentialFacts(
    "CMA", "123", issued_on=date(2024, 1, 1), expires_on=date(2029, 1, 1),
    verified_on=date(2024, 2, 1), issuer="AAMA",
)  # fmt: skip
ANA = PersonFacts(
    "ana@example.org", "Ana Ruiz", "assistant", job_level="CMA",
    site_codes=frozenset({"main"}), credentials=(CMA,),
)  # fmt: skip

RULE = StateRuleFacts(
    "CA", "injection", PERMITTED, ON_SITE, min_training_hours=10,
    citation="16 CCR 1366, 1366.1", verified_on=date(2026, 6, 1),
)  # fmt: skip
POLICY = PolicyFacts(
    "injection", True, ON_SITE, job_levels=("CMA",), competency_valid_months=12,
    document="Clinical Task Policy v3", effective_from=date(2026, 1, 1),
)  # fmt: skip
COMPETENCY = CompetencyFacts(
    "injection", validated_on=date(2026, 2, 10), validated_by=LEE,
    training_hours=12,
)  # fmt: skip
ASSIGNMENT = SupervisionFacts(LEE, "main", date(2026, 1, 1))
#: 08:00 to 17:00 in Los Angeles on DAY.
SHIFT = ShiftFacts(
    LEE.email, "main", datetime(2026, 11, 23, 16, tzinfo=UTC), datetime(2026, 11, 24, 1, tzinfo=UTC)
)

BASE = {
    "assistant": ANA,
    "task": INJECTION,
    "site": MAIN,
    "at": AT,
    "delegated_by": None,
    "in_room": False,
    "state_rule": RULE,
    "policies": (POLICY,),
    "competencies": (COMPETENCY,),
    "supervision": (ASSIGNMENT,),
    "shifts": (SHIFT,),
}


def run(**changes):
    facts = {**BASE, **changes}
    return decide(
        facts.pop("assistant"),
        facts.pop("task"),
        facts.pop("site"),
        facts.pop("at"),
        facts.pop("delegated_by"),
        facts.pop("in_room"),
        **facts,
    )


def condition(decision, name):
    (found,) = [c for c in decision.conditions if c.condition == name]
    return found


def ana_with(*credentials, **changes):
    return replace(ANA, credentials=tuple(credentials), **changes)


def lee_with(*licenses, **changes):
    return replace(LEE, licenses=tuple(licenses), **changes)


def comp(**changes):
    return (replace(COMPETENCY, **changes),)


def policy(**changes):
    return replace(POLICY, **changes)


def rule(**changes):
    return replace(RULE, **changes)


ORDER = ["state_law", "employer_policy", "competency", "supervision"]


# --------------------------------------------------------------------------- the whole decision


def test_the_base_practice_is_clear():
    decision = run()
    assert decision.status == "clear"
    assert [c.condition for c in decision.conditions] == ORDER
    assert all(c.met for c in decision.conditions)
    assert decision.warnings == ()
    assert decision.day == DAY


def test_all_four_conditions_are_evaluated_when_all_fail():
    decision = run(state_rule=None, policies=(), competencies=(), supervision=(), shifts=())
    assert decision.status == "flagged"
    assert [c.condition for c in decision.conditions] == ORDER
    assert [c.met for c in decision.conditions] == [False, False, False, False]
    assert all(c.reason for c in decision.conditions)


@pytest.mark.parametrize(
    "changes, unmet",
    [
        ({"state_rule": rule(status=PROHIBITED)}, "state_law"),
        ({"policies": ()}, "employer_policy"),
        ({"competencies": ()}, "competency"),
        ({"shifts": ()}, "supervision"),
    ],
    ids=ORDER,
)
def test_one_unmet_condition_flags_and_the_others_are_still_reported(changes, unmet):
    decision = run(**changes)
    assert decision.status == "flagged"
    assert [c.condition for c in decision.conditions] == ORDER
    assert {c.condition: c.met for c in decision.conditions} == {
        name: name != unmet for name in ORDER
    }


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        run(at=datetime(2026, 11, 23, 10, 0))


# --------------------------------------------------------------------------- reserved tasks

RESERVED = [t for t in TASK_CATALOG if t.kind == TaskKind.reserved]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"state_rule": None, "policies": (), "competencies": (), "supervision": (), "shifts": ()},
        {
            # Every other layer says yes for this reserved task: still prohibited.
            "state_rule": rule(task="diagnosis", supervision=NONE),
            "policies": (policy(task="diagnosis", supervision=NONE),),
            "competencies": comp(task="diagnosis"),
            "delegated_by": LEE,
            "in_room": True,
        },
        {"assistant": replace(ANA, site_codes=frozenset()), "delegated_by": MANAGER},
    ],
    ids=["base facts", "no facts", "every layer says yes", "odd assistant and delegator"],
)
@pytest.mark.parametrize("task", RESERVED, ids=[t.code for t in RESERVED])
def test_a_reserved_task_is_prohibited_whatever_the_other_facts(task, changes):
    facts = TaskFacts(task.code, task.name, task.kind)
    decision = run(task=facts, **changes)
    assert decision.status == "prohibited"
    assert "reserved for licensed providers in every state" in decision.reason
    assert decision.conditions == ()
    assert decision.to_json()["reason"] == decision.reason


# --------------------------------------------------------------------------- state law

STATE_LAW_CASES = [
    # (id, changes, met, words in the reason)
    ("permitted, no credential needed", {}, True, ["permits", "16 CCR 1366"]),
    (
        "no rule for a clinical task",
        {"state_rule": None},
        False,
        ["not verified", "medical board", "AAMA state scope resource", "record the rule"],
    ),
    (
        "a rule of another state is no rule here",
        {"state_rule": rule(state="TX")},
        False,
        ["medical board", "AAMA state scope resource"],
    ),
    (
        "no rule for an administrative task",
        {"task": SCHEDULING, "state_rule": None},
        True,
        ["administrative"],
    ),
    ("prohibited", {"state_rule": rule(status=PROHIBITED)}, False, ["does not permit"]),
    (
        "prohibited administrative task",
        {"task": SCHEDULING, "state_rule": rule(task="scheduling", status=PROHIBITED)},
        False,
        ["does not permit"],
    ),
    ("credential held", {"state_rule": rule(requires_credentials=("CMA",))}, True, ["CMA"]),
    (
        "any one of the credentials",
        {
            "state_rule": rule(requires_credentials=("CMA", "RMA")),
            "assistant": ana_with(replace(CMA, type="RMA")),
        },
        True,
        ["RMA"],
    ),
    (
        "credential of another type",
        {"state_rule": rule(requires_credentials=("RMA",))},
        False,
        ["RMA"],
    ),
    (
        "no credentials at all",
        {"state_rule": rule(requires_credentials=("CMA",)), "assistant": ana_with()},
        False,
        ["CMA"],
    ),
    (
        "credential expired the day before",
        {
            "state_rule": rule(requires_credentials=("CMA",)),
            "assistant": ana_with(replace(CMA, expires_on=BEFORE)),
        },
        False,
        [f"expired on {BEFORE}"],
    ),
    (
        "credential expires on the day (last valid day)",
        {
            "state_rule": rule(requires_credentials=("CMA",)),
            "assistant": ana_with(replace(CMA, expires_on=DAY)),
        },
        True,
        [],
    ),
    (
        "credential with no expiry",
        {
            "state_rule": rule(requires_credentials=("CMA",)),
            "assistant": ana_with(replace(CMA, expires_on=None)),
        },
        True,
        [],
    ),
    (
        "credential issued after the day",
        {
            "state_rule": rule(requires_credentials=("CMA",)),
            "assistant": ana_with(replace(CMA, issued_on=AFTER)),
        },
        False,
        [str(AFTER)],
    ),
    (
        "credential issued on the day",
        {
            "state_rule": rule(requires_credentials=("CMA",)),
            "assistant": ana_with(replace(CMA, issued_on=DAY)),
        },
        True,
        [],
    ),
    (
        "an expired credential next to a current one",
        {
            "state_rule": rule(requires_credentials=("CMA",)),
            "assistant": ana_with(replace(CMA, expires_on=BEFORE), CMA),
        },
        True,
        [],
    ),
]


@pytest.mark.parametrize(
    "changes, met, words", [c[1:] for c in STATE_LAW_CASES], ids=[c[0] for c in STATE_LAW_CASES]
)
def test_state_law(changes, met, words):
    found = condition(run(**changes), "state_law")
    assert found.met is met, found.reason
    for word in words:
        assert word in found.reason


def test_state_law_rests_on_the_rule_and_the_credential():
    found = condition(run(state_rule=rule(requires_credentials=("CMA",))), "state_law")
    assert any("CA rule for injection" in item for item in found.evidence)
    assert any("CMA" in item for item in found.evidence)


STALE = "more than 12 months ago"


@pytest.mark.parametrize(
    "verified_on, stale",
    [
        (date(2025, 11, 22), True),  # 12 months and a day before the day
        (date(2025, 11, 23), False),  # exactly 12 months
        (date(2026, 6, 1), False),
        (date(2020, 1, 1), True),
    ],
)
def test_a_rule_verified_more_than_12_months_ago_adds_a_warning(verified_on, stale):
    decision = run(state_rule=rule(verified_on=verified_on))
    assert condition(decision, "state_law").met
    assert any(STALE in w and str(verified_on) in w for w in decision.warnings) is stale
    assert decision.status == "clear"


def test_a_rule_with_no_verification_date_is_not_stale():
    # DESIGN warns only about rules verified more than 12 months ago.
    decision = run(state_rule=rule(verified_on=None))
    assert decision.warnings == ()
    assert decision.status == "clear"


@pytest.mark.parametrize(
    "changes",
    [
        {"state_rule": rule(requires_credentials=("CMA",))},
        {"policies": (policy(requires_credentials=("CMA",)),)},
        {
            "state_rule": rule(requires_credentials=("CMA",)),
            "policies": (policy(requires_credentials=("CMA",)),),
        },
    ],
    ids=["state rule", "policy", "both"],
)
def test_an_unverified_credential_that_meets_a_requirement_adds_one_warning(changes):
    decision = run(assistant=ana_with(replace(CMA, verified_on=None)), **changes)
    assert decision.status == "clear"
    unverified = [w for w in decision.warnings if "never been verified" in w]
    assert len(unverified) == 1
    assert "CMA" in unverified[0]


def test_a_verified_credential_adds_no_warning():
    decision = run(state_rule=rule(requires_credentials=("CMA",)))
    assert decision.warnings == ()


def test_a_verified_credential_is_preferred_over_an_unverified_one_of_the_same_type():
    unverified = replace(CMA, number="999", verified_on=None)
    decision = run(
        state_rule=rule(requires_credentials=("CMA",)), assistant=ana_with(unverified, CMA)
    )
    assert decision.warnings == ()
    assert any("#123" in item for item in condition(decision, "state_law").evidence)


# --------------------------------------------------------------------------- employer policy

EVERY_LEVEL = policy(job_levels=())
SITE_MAIN = policy(site="main")

POLICY_CASES = [
    ("authorized for the job level", {}, True, ["Clinical Task Policy v3", "authorizes"]),
    ("no policy", {"policies": ()}, False, ["No written policy"]),
    ("only a policy for another task", {"policies": (policy(task="venipuncture"),)}, False, []),
    ("not authorized", {"policies": (policy(authorized=False),)}, False, ["does not authorize"]),
    (
        "names other job levels",
        {"policies": (policy(job_levels=("MA I", "MA II")),)},
        False,
        ["No written policy"],
    ),
    ("for every job level", {"policies": (EVERY_LEVEL,)}, True, []),
    (
        "names levels and the assistant has none",
        {"assistant": replace(ANA, job_level=None)},
        False,
        [],
    ),
    ("for this site", {"policies": (SITE_MAIN,)}, True, []),
    ("only for another site", {"policies": (policy(site="north"),)}, False, []),
    (
        "this site's refusal over a practice-wide authorization",
        {"policies": (POLICY, policy(site="main", authorized=False))},
        False,
        ["does not authorize"],
    ),
    (
        "this site's authorization over a practice-wide refusal",
        {"policies": (policy(authorized=False), SITE_MAIN)},
        True,
        [],
    ),
    (
        "another site's refusal does not apply",
        {"policies": (POLICY, policy(site="north", authorized=False))},
        True,
        [],
    ),
    (
        "a site's every-level policy over a practice-wide one naming the level",
        {"policies": (POLICY, policy(site="main", job_levels=(), authorized=False))},
        False,
        [],
    ),
    (
        "the job level's refusal over an every-level authorization",
        {"policies": (EVERY_LEVEL, policy(authorized=False))},
        False,
        ["does not authorize"],
    ),
    (
        "the job level's authorization over an every-level refusal",
        {"policies": (policy(job_levels=(), authorized=False), POLICY)},
        True,
        [],
    ),
    (
        "another level's refusal does not apply",
        {"policies": (EVERY_LEVEL, policy(job_levels=("MA I",), authorized=False))},
        True,
        [],
    ),
    ("in effect from the day", {"policies": (policy(effective_from=DAY),)}, True, []),
    (
        "in effect only from the next day",
        {"policies": (policy(effective_from=AFTER),)},
        False,
        [f"takes effect on {AFTER}"],
    ),
    ("in effect to the day (inclusive)", {"policies": (policy(effective_to=DAY),)}, True, []),
    (
        "ended the day before",
        {"policies": (policy(effective_to=BEFORE),)},
        False,
        [f"ended on {BEFORE}"],
    ),
    (
        "an ended site refusal leaves the practice-wide authorization",
        {"policies": (POLICY, policy(site="main", authorized=False, effective_to=BEFORE))},
        True,
        [],
    ),
    (
        "requires a credential held",
        {"policies": (policy(requires_credentials=("RMA", "CMA")),)},
        True,
        [],
    ),
    (
        "requires a credential not held",
        {"policies": (policy(requires_credentials=("RMA",)),)},
        False,
        ["RMA"],
    ),
    (
        "requires a credential that expired",
        {
            "policies": (policy(requires_credentials=("CMA",)),),
            "assistant": ana_with(replace(CMA, expires_on=BEFORE)),
        },
        False,
        [f"expired on {BEFORE}"],
    ),
    (
        "requires a credential issued after the day",
        {
            "policies": (policy(requires_credentials=("CMA",)),),
            "assistant": ana_with(replace(CMA, issued_on=AFTER)),
        },
        False,
        ["CMA"],
    ),
]


@pytest.mark.parametrize(
    "changes, met, words", [c[1:] for c in POLICY_CASES], ids=[c[0] for c in POLICY_CASES]
)
def test_employer_policy(changes, met, words):
    found = condition(run(**changes), "employer_policy")
    assert found.met is met, found.reason
    for word in words:
        assert word in found.reason


def test_the_policy_that_decides_is_the_evidence():
    decision = run(policies=(EVERY_LEVEL, policy(site="main", document="Main St addendum v1")))
    assert condition(decision, "employer_policy").evidence == [
        "policy: Main St addendum v1 (site main, CMA)"
    ]


# --------------------------------------------------------------------------- competency

OBSERVER = PersonFacts("oz@example.org", "Oz Observer", "assistant", can_validate=True)
NOT_AN_OBSERVER = PersonFacts("bo@example.org", "Bo", "assistant")
NEVER = "neither a licensed provider nor an approved observer"

COMPETENCY_CASES = [
    ("validated by a licensed provider", {}, True, ["validated on 2026-02-10", "Dr. Lee"]),
    ("none", {"competencies": ()}, False, ["no documented"]),
    ("only for another task", {"competencies": comp(task="venipuncture")}, False, []),
    ("validated on the day", {"competencies": comp(validated_on=DAY)}, True, []),
    (
        "validated only after the day",
        {"competencies": comp(validated_on=AFTER)},
        False,
        [f"validated only from {AFTER}"],
    ),
    ("never validated", {"competencies": comp(validated_on=None)}, False, ["not been validated"]),
    ("no validator", {"competencies": comp(validated_by=None)}, False, ["no validator"]),
    ("validated by the assistant", {"competencies": comp(validated_by=ANA)}, False, ["themselves"]),
    (
        "validated by the assistant who is an approved observer",
        {
            "assistant": replace(ANA, can_validate=True),
            "competencies": comp(validated_by=replace(ANA, can_validate=True)),
        },
        False,
        ["themselves"],
    ),
    (
        "validator licensed in another state (any state counts)",
        {"competencies": comp(validated_by=TEXAN)},
        True,
        [],
    ),
    (
        "validator's license expired before the validation",
        {
            "competencies": comp(
                validated_by=lee_with(replace(CA_LICENSE, expires_on=date(2026, 2, 9)))
            )
        },
        False,
        [NEVER],
    ),
    (
        "validator's license expires on the validation day",
        {
            "competencies": comp(
                validated_by=lee_with(replace(CA_LICENSE, expires_on=date(2026, 2, 10)))
            )
        },
        True,
        [],
    ),
    (
        "validator's license lapsed after the validation",
        {
            "competencies": comp(
                validated_by=lee_with(replace(CA_LICENSE, expires_on=date(2026, 3, 1)))
            )
        },
        True,
        [],
    ),
    (
        "validator is a provider with no license",
        {"competencies": comp(validated_by=lee_with())},
        False,
        [NEVER],
    ),
    ("validator is an approved observer", {"competencies": comp(validated_by=OBSERVER)}, True, []),
    (
        "validator is neither",
        {"competencies": comp(validated_by=NOT_AN_OBSERVER)},
        False,
        [NEVER],
    ),
    ("expires on the day", {"competencies": comp(expires_on=DAY)}, True, []),
    (
        "expired the day before",
        {"competencies": comp(expires_on=BEFORE)},
        False,
        [f"expired on {BEFORE}", "re-validate"],
    ),
    (
        "derived expiry falls on the day",
        {"competencies": comp(validated_on=date(2025, 11, 23))},
        True,
        ["current until 2026-11-23"],
    ),
    (
        "derived expiry was the day before",
        {"competencies": comp(validated_on=date(2025, 11, 22))},
        False,
        ["expired on 2026-11-22"],
    ),
    (
        "derived expiry clamps to the end of a shorter month",
        {
            "policies": (policy(competency_valid_months=1, effective_from=None),),
            "at": datetime(2025, 3, 1, 18, tzinfo=UTC),
            "competencies": comp(validated_on=date(2025, 1, 31)),
        },
        False,
        ["expired on 2025-02-28"],
    ),
    (
        # DESIGN section 13: the earliest of its own date and the policy's validity.
        "an explicit expiry earlier than the derived one counts",
        {"competencies": comp(validated_on=date(2026, 1, 10), expires_on=date(2026, 12, 1))},
        True,
        ["current until 2026-12-01"],
    ),
    (
        "the policy's validity cuts short a later explicit expiry",
        {"competencies": comp(validated_on=date(2025, 1, 1), expires_on=date(2027, 1, 1))},
        False,
        ["expired on 2026-01-01"],
    ),
    (
        "a revocation to come is the day before it",
        {"competencies": comp(validated_on=date(2026, 1, 10), revoked_on=date(2026, 12, 1))},
        True,
        ["current until 2026-11-30"],
    ),
    (
        "no months in the policy: no expiry",
        {
            "policies": (policy(competency_valid_months=None),),
            "competencies": comp(validated_on=date(2020, 1, 1)),
        },
        True,
        ["no expiry"],
    ),
    (
        "no policy at all: no expiry",
        {"policies": (), "competencies": comp(validated_on=date(2020, 1, 1))},
        True,
        [],
    ),
    ("revoked on the day", {"competencies": comp(revoked_on=DAY)}, False, [f"revoked on {DAY}"]),
    ("revoked the next day", {"competencies": comp(revoked_on=AFTER)}, True, []),
    (
        "documented at a prior employer",
        {"competencies": comp(prior_employer=True)},
        False,
        ["prior employer"],
    ),
    (
        "fewer training hours than the state requires",
        {"competencies": comp(training_hours=9.5)},
        False,
        ["9.5 training hours", "at least 10"],
    ),
    ("exactly the state's training hours", {"competencies": comp(training_hours=10)}, True, []),
    (
        "no training hours recorded where the state requires some",
        {"competencies": comp(training_hours=None)},
        False,
        ["at least 10"],
    ),
    (
        "no minimum in the state rule",
        {"state_rule": rule(min_training_hours=None), "competencies": comp(training_hours=None)},
        True,
        [],
    ),
    (
        "no state rule, no minimum",
        {"state_rule": None, "competencies": comp(training_hours=1)},
        True,
        [],
    ),
    (
        "one good record among bad ones",
        {
            "competencies": (
                replace(COMPETENCY, prior_employer=True),
                replace(COMPETENCY, expires_on=BEFORE),
                replace(COMPETENCY, validated_by=ANA),
                COMPETENCY,
                replace(COMPETENCY, revoked_on=date(2026, 5, 1)),
            )
        },
        True,
        [],
    ),
    (
        "only bad records: the one closest to counting is explained",
        {
            "competencies": (
                replace(COMPETENCY, prior_employer=True, revoked_on=date(2026, 5, 1)),
                replace(COMPETENCY, expires_on=date(2026, 10, 1)),
            )
        },
        False,
        ["expired on 2026-10-01", "re-validate"],
    ),
]


@pytest.mark.parametrize(
    "changes, met, words",
    [c[1:] for c in COMPETENCY_CASES],
    ids=[c[0] for c in COMPETENCY_CASES],
)
def test_competency(changes, met, words):
    found = condition(run(**changes), "competency")
    assert found.met is met, found.reason
    for word in words:
        assert word in found.reason


def test_every_bad_competency_record_is_listed_as_evidence():
    records = (replace(COMPETENCY, prior_employer=True), replace(COMPETENCY, expires_on=BEFORE))
    found = condition(run(competencies=records), "competency")
    assert not found.met
    assert len(found.evidence) == 2


# --------------------------------------------------------------------------- supervision

ADMIN_RULE = StateRuleFacts("CA", "scheduling", PERMITTED, NONE)
ADMIN_POLICY = PolicyFacts("scheduling", True, NONE)


@pytest.mark.parametrize(
    "task, rule_level, policy_level, required",
    [
        (SCHEDULING, None, None, NONE),
        (SCHEDULING, NONE, NONE, NONE),
        (SCHEDULING, AVAILABLE, NONE, AVAILABLE),
        (SCHEDULING, NONE, ON_SITE, ON_SITE),
        (INJECTION, None, None, AVAILABLE),
        (INJECTION, NONE, NONE, AVAILABLE),
        (INJECTION, ON_SITE, AVAILABLE, ON_SITE),
        (INJECTION, AVAILABLE, ON_SITE, ON_SITE),
        (INJECTION, IN_ROOM, ON_SITE, IN_ROOM),
        (INJECTION, AVAILABLE, IN_ROOM, IN_ROOM),
    ],
)
def test_the_required_level_is_the_highest_of_task_rule_and_policy(
    task, rule_level, policy_level, required
):
    state_rule = None if rule_level is None else rule(task=task.code, supervision=rule_level)
    policies = () if policy_level is None else (policy(task=task.code, supervision=policy_level),)
    decision = run(task=task, state_rule=state_rule, policies=policies)
    assert decision.required_supervision == required
    assert required.label in condition(decision, "supervision").reason


def test_an_administrative_task_needs_no_supervision():
    decision = run(
        task=SCHEDULING, state_rule=None, policies=(ADMIN_POLICY,), competencies=(),
        supervision=(), shifts=(),
    )  # fmt: skip
    assert condition(decision, "supervision").met


def test_a_clinical_task_needs_a_provider_available_by_default():
    bare = {"state_rule": rule(supervision=NONE), "policies": (policy(supervision=NONE),)}
    assert condition(run(shifts=(), **bare), "supervision").met
    assert not condition(run(supervision=(), **bare), "supervision").met


AVAILABLE_ONLY = {
    "state_rule": rule(supervision=AVAILABLE),
    "policies": (policy(supervision=NONE),),
}
IN_ROOM_RULE = {"state_rule": rule(supervision=IN_ROOM)}
LEE_TX = lee_with(TX_LICENSE)
LEE_LAPSED = lee_with(replace(CA_LICENSE, expires_on=BEFORE))
LEE_LAST_DAY = lee_with(replace(CA_LICENSE, expires_on=DAY))
SHIFT_KIM = replace(SHIFT, provider=KIM.email)
ONE_SECOND = timedelta(seconds=1)

SUPERVISION_CASES = [
    ("on site, on shift", {}, True, ["on site until 17:00"]),
    # available
    ("available: assigned", {**AVAILABLE_ONLY, "shifts": ()}, True, ["Dr. Lee supervises"]),
    ("available: no assignment", {**AVAILABLE_ONLY, "supervision": ()}, False, ["no supervising"]),
    (
        "available: assignment at another site",
        {**AVAILABLE_ONLY, "supervision": (replace(ASSIGNMENT, site="north"),)},
        False,
        [],
    ),
    (
        "available: assignment starts on the day",
        {**AVAILABLE_ONLY, "supervision": (replace(ASSIGNMENT, starts_on=DAY),)},
        True,
        [],
    ),
    (
        "available: assignment starts the next day",
        {**AVAILABLE_ONLY, "supervision": (replace(ASSIGNMENT, starts_on=AFTER),)},
        False,
        [f"starts on {AFTER}"],
    ),
    (
        "available: assignment ends on the day",
        {**AVAILABLE_ONLY, "supervision": (replace(ASSIGNMENT, ends_on=DAY),)},
        True,
        [],
    ),
    (
        "available: assignment ended the day before",
        {**AVAILABLE_ONLY, "supervision": (replace(ASSIGNMENT, ends_on=BEFORE),)},
        False,
        [f"ended on {BEFORE}"],
    ),
    (
        "available: provider licensed only in another state",
        {**AVAILABLE_ONLY, "supervision": (replace(ASSIGNMENT, provider=LEE_TX),)},
        False,
        ["no California license"],
    ),
    (
        "available: provider's license lapsed",
        {**AVAILABLE_ONLY, "supervision": (replace(ASSIGNMENT, provider=LEE_LAPSED),)},
        False,
        ["no California license current on 2026-11-23"],
    ),
    (
        "available: provider's license's last day",
        {**AVAILABLE_ONLY, "supervision": (replace(ASSIGNMENT, provider=LEE_LAST_DAY),)},
        True,
        [],
    ),
    (
        "available: the supervisor is not a provider",
        {**AVAILABLE_ONLY, "supervision": (replace(ASSIGNMENT, provider=MANAGER),)},
        False,
        ["not a provider"],
    ),
    (
        "available: a lapsed assignment next to a good one",
        {
            **AVAILABLE_ONLY,
            "supervision": (
                replace(ASSIGNMENT, provider=LEE_TX),
                replace(ASSIGNMENT, provider=KIM),
            ),
        },
        True,
        ["Dr. Kim"],
    ),
    # on site
    ("on site: no shift", {"shifts": ()}, False, ["not on shift", "2026-11-23 10:00"]),
    ("on site: a shift at another site", {"shifts": (replace(SHIFT, site="north"),)}, False, []),
    (
        "on site: another provider, not a supervisor, on shift",
        {"shifts": (SHIFT_KIM,)},
        False,
        ["not on shift"],
    ),
    (
        "on site: a second supervisor on shift",
        {
            "supervision": (ASSIGNMENT, replace(ASSIGNMENT, provider=KIM)),
            "shifts": (SHIFT_KIM,),
        },
        True,
        [],
    ),
    (
        "on site: the shift starts at the moment",
        {"shifts": (replace(SHIFT, starts_at=AT),)},
        True,
        [],
    ),
    (
        "on site: the shift starts a second later",
        {"shifts": (replace(SHIFT, starts_at=AT + ONE_SECOND),)},
        False,
        [],
    ),
    (
        "on site: the shift ends at the moment (half-open)",
        {"shifts": (replace(SHIFT, ends_at=AT),)},
        False,
        [],
    ),
    (
        "on site: the shift ends a second later",
        {"shifts": (replace(SHIFT, ends_at=AT + ONE_SECOND),)},
        True,
        [],
    ),
    (
        "on site: on shift but the assignment ended",
        {"supervision": (replace(ASSIGNMENT, ends_on=BEFORE),)},
        False,
        ["no supervising"],
    ),
    (
        "on site: on shift but licensed only in another state",
        {"supervision": (replace(ASSIGNMENT, provider=LEE_TX),)},
        False,
        [],
    ),
    # in the room
    ("in room: attested", {**IN_ROOM_RULE, "in_room": True}, True, ["in the room (attested)"]),
    ("in room: not attested", {**IN_ROOM_RULE}, False, ["in the room", "not been attested"]),
    (
        "in room: attested, nobody on shift",
        {**IN_ROOM_RULE, "in_room": True, "shifts": ()},
        False,
        [],
    ),
    (
        "in room: attested, no assignment",
        {**IN_ROOM_RULE, "in_room": True, "supervision": ()},
        False,
        [],
    ),
    # delegated by
    ("delegated by a provider licensed here", {"delegated_by": LEE}, True, []),
    (
        "delegated by a provider licensed in another state",
        {"delegated_by": TEXAN},
        False,
        ["delegation is a licensed provider's to make"],
    ),
    (
        "delegated by a provider whose license lapsed",
        {"delegated_by": LEE_LAPSED},
        False,
        ["delegation is a licensed provider's to make"],
    ),
    (
        "delegated by a provider on the license's last day",
        {"delegated_by": LEE_LAST_DAY},
        True,
        [],
    ),
    ("delegated by a manager", {"delegated_by": MANAGER}, False, ["not a provider"]),
    ("delegated by the assistant", {"delegated_by": ANA}, False, ["not a provider"]),
    (
        "delegated by a manager, for a task that needs no supervision",
        {
            "task": SCHEDULING,
            "state_rule": None,
            "policies": (ADMIN_POLICY,),
            "delegated_by": MANAGER,
        },
        False,
        ["not a provider"],
    ),
]


@pytest.mark.parametrize(
    "changes, met, words",
    [c[1:] for c in SUPERVISION_CASES],
    ids=[c[0] for c in SUPERVISION_CASES],
)
def test_supervision(changes, met, words):
    found = condition(run(**changes), "supervision")
    assert found.met is met, found.reason
    for word in words:
        assert word in found.reason


def test_supervision_rests_on_the_assignment_and_the_shift():
    evidence = condition(run(), "supervision").evidence
    assert evidence == [
        "supervision by dr.lee@example.org at main",
        "shift of dr.lee@example.org at main 2026-11-23T16:00:00Z to 2026-11-24T01:00:00Z",
    ]


# --------------------------------------------------------------------------- the day

#: 21:00 on 2026-11-23 in Los Angeles, already 2026-11-24 in UTC.
LATE = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
NIGHT_SHIFT = replace(
    SHIFT, starts_at=datetime(2026, 11, 24, 4, tzinfo=UTC), ends_at=LATE + timedelta(hours=2)
)
EAST = SiteFacts("main", "Main St", "CA", "America/New_York")

DAY_CASES = [
    # (id, changes, condition, met): the day is 2026-11-23 in Los Angeles at LATE.
    ("credential issued on the UTC date", {
        "state_rule": rule(requires_credentials=("CMA",)),
        "assistant": ana_with(replace(CMA, issued_on=AFTER)),
    }, "state_law", False),
    ("credential expiring on the local date", {
        "state_rule": rule(requires_credentials=("CMA",)),
        "assistant": ana_with(replace(CMA, expires_on=DAY)),
    }, "state_law", True),
    ("policy from the UTC date", {"policies": (policy(effective_from=AFTER),)},
     "employer_policy", False),
    ("policy to the local date", {"policies": (policy(effective_to=DAY),)},
     "employer_policy", True),
    ("validated on the UTC date", {"competencies": comp(validated_on=AFTER)}, "competency", False),
    ("revoked on the UTC date", {"competencies": comp(revoked_on=AFTER)}, "competency", True),
    ("competency expiring on the local date", {"competencies": comp(expires_on=DAY)},
     "competency", True),
    ("assignment from the UTC date", {"supervision": (replace(ASSIGNMENT, starts_on=AFTER),)},
     "supervision", False),
    ("assignment to the local date", {"supervision": (replace(ASSIGNMENT, ends_on=DAY),)},
     "supervision", True),
    ("delegator's license expiring on the local date", {"delegated_by": LEE_LAST_DAY},
     "supervision", True),
]  # fmt: skip


@pytest.mark.parametrize(
    "changes, name, met", [c[1:] for c in DAY_CASES], ids=[c[0] for c in DAY_CASES]
)
def test_the_day_is_the_date_in_the_sites_time_zone(changes, name, met):
    decision = run(at=LATE, shifts=(NIGHT_SHIFT,), **changes)
    assert decision.day == DAY
    assert condition(decision, name).met is met, condition(decision, name).reason


def test_the_same_moment_is_the_next_day_at_a_site_further_east():
    # 00:00 on 2026-11-24 in New York: a competency validated that day now counts.
    decision = run(at=LATE, site=EAST, shifts=(NIGHT_SHIFT,), competencies=comp(validated_on=AFTER))
    assert decision.day == AFTER
    assert condition(decision, "competency").met


# --------------------------------------------------------------------------- warnings


def test_an_assistant_who_does_not_work_at_the_site_gets_a_warning():
    decision = run(assistant=replace(ANA, site_codes=frozenset({"north"})))
    assert decision.status == "clear"
    assert decision.warnings == ("Ana Ruiz does not work at Main St (main).",)


def test_an_assistant_at_the_site_gets_no_such_warning():
    assert not any("does not work" in w for w in run().warnings)


def test_warnings_come_with_a_flagged_decision_too():
    decision = run(assistant=replace(ANA, site_codes=frozenset()), competencies=())
    assert decision.status == "flagged"
    assert any("does not work at Main St" in w for w in decision.warnings)


# --------------------------------------------------------------------------- JSON


def test_the_json_shape_is_the_one_in_the_design():
    moment = datetime.fromisoformat("2026-11-23T08:00:00-08:00")
    out = run(at=moment, competencies=comp(expires_on=date(2026, 10, 1))).to_json()
    assert list(out) == ["status", "assistant", "task", "site", "at", "conditions", "warnings"]
    assert out["status"] == "flagged"
    assert (out["assistant"], out["task"], out["site"]) == ("ana@example.org", "injection", "main")
    assert out["at"] == "2026-11-23T16:00:00Z"
    assert [c["condition"] for c in out["conditions"]] == ORDER
    for item in out["conditions"]:
        assert list(item) == ["condition", "met", "reason", "evidence"]
        assert isinstance(item["met"], bool)
        assert isinstance(item["reason"], str)
        assert all(isinstance(e, str) for e in item["evidence"])
    assert [c["met"] for c in out["conditions"]] == [True, True, False, True]
    assert "expired on 2026-10-01" in out["conditions"][2]["reason"]
    assert out["warnings"] == []
    assert json.loads(json.dumps(out)) == out


def test_the_json_of_a_prohibited_decision_says_why():
    out = run(task=DIAGNOSIS).to_json()
    assert out["status"] == "prohibited"
    assert set(out) == {"status", "assistant", "task", "site", "at", "reason", "conditions",
                        "warnings"}  # fmt: skip
    assert "reserved for licensed providers in every state" in out["reason"]
    assert out["conditions"] == []
    assert out["at"] == "2026-11-23T18:00:00Z"


def test_the_json_moment_is_utc_whatever_zone_it_was_given_in():
    moment = datetime(2026, 11, 23, 19, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert run(at=moment).to_json()["at"] == "2026-11-23T18:00:00Z"
