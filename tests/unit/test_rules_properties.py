"""Properties of the decision that hold whatever the facts (DESIGN section 4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

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

ORDER = ["state_law", "employer_policy", "competency", "supervision"]

SITES = [
    SiteFacts("main", "Main St", "CA", "America/Los_Angeles"),
    SiteFacts("north", "North", "TX", "America/Chicago"),
    SiteFacts("east", "East", "NY", "America/New_York"),
]
SITE_CODES = [s.code for s in SITES]
STATES = ["CA", "TX", "NY"]
TASK_CODES = ["injection", "scheduling", "diagnosis"]
CREDENTIAL_TYPES = ["CMA", "RMA", "CCMA"]
JOB_LEVELS = ["CMA", "MA I", "MA II"]

FIRST, LAST = date(2025, 6, 1), date(2027, 6, 1)
days = st.dates(min_value=FIRST, max_value=LAST)
maybe_days = st.none() | days
levels = st.sampled_from(list(SupervisionLevel))
moments = st.datetimes(
    min_value=datetime(2025, 6, 1), max_value=datetime(2027, 6, 1), timezones=st.just(UTC)
)

licenses = st.builds(
    LicenseFacts,
    type=st.just("MD"),
    number=st.just("A1"),
    state=st.sampled_from(STATES),
    expires_on=maybe_days,
)
credentials = st.builds(
    CredentialFacts,
    type=st.sampled_from(CREDENTIAL_TYPES),
    issued_on=maybe_days,
    expires_on=maybe_days,
    verified_on=maybe_days,
)
people = st.builds(
    PersonFacts,
    email=st.sampled_from(["ana@example.org", "dr.lee@example.org", "oz@example.org"]),
    name=st.sampled_from(["Ana Ruiz", "Dr. Lee", "Oz"]),
    role=st.sampled_from(["assistant", "provider", "manager"]),
    active=st.booleans(),
    job_level=st.none() | st.sampled_from(JOB_LEVELS),
    site_codes=st.frozensets(st.sampled_from(SITE_CODES)),
    can_validate=st.booleans(),
    licenses=st.lists(licenses, max_size=2).map(tuple),
    credentials=st.lists(credentials, max_size=2).map(tuple),
)
tasks = st.builds(
    TaskFacts,
    code=st.sampled_from(TASK_CODES),
    name=st.sampled_from(["Injection", "Scheduling", "Diagnosis"]),
    kind=st.sampled_from(list(TaskKind)),
)
credential_lists = st.lists(st.sampled_from(CREDENTIAL_TYPES), max_size=2, unique=True).map(tuple)
state_rules = st.builds(
    StateRuleFacts,
    state=st.sampled_from(STATES),
    task=st.sampled_from(TASK_CODES),
    status=st.sampled_from(list(RuleStatus)),
    supervision=levels,
    requires_credentials=credential_lists,
    min_training_hours=st.none() | st.integers(0, 40),
    verified_on=maybe_days,
)
policies = st.builds(
    PolicyFacts,
    task=st.sampled_from(TASK_CODES),
    authorized=st.booleans(),
    supervision=levels,
    site=st.none() | st.sampled_from(SITE_CODES),
    job_levels=st.lists(st.sampled_from(JOB_LEVELS), max_size=2, unique=True).map(tuple),
    requires_credentials=credential_lists,
    competency_valid_months=st.none() | st.integers(1, 36),
    effective_from=maybe_days,
    effective_to=maybe_days,
)
competencies = st.builds(
    CompetencyFacts,
    task=st.sampled_from(TASK_CODES),
    validated_on=maybe_days,
    validated_by=st.none() | people,
    training_hours=st.none() | st.integers(0, 40),
    expires_on=maybe_days,
    prior_employer=st.booleans(),
    revoked_on=maybe_days,
)
assignments = st.builds(
    SupervisionFacts,
    provider=people,
    site=st.sampled_from(SITE_CODES),
    starts_on=days,
    ends_on=maybe_days,
)
shifts = st.builds(
    lambda provider, site, start, hours: ShiftFacts(
        provider, site, start, start + timedelta(hours=hours)
    ),
    provider=st.sampled_from(["ana@example.org", "dr.lee@example.org", "oz@example.org"]),
    site=st.sampled_from(SITE_CODES),
    start=moments,
    hours=st.integers(1, 12),
)


@st.composite
def situations(draw, task=tasks):
    """Arguments for ``decide``: any facts at all, sensible or not."""
    return {
        "assistant": draw(people),
        "task": draw(task),
        "site": draw(st.sampled_from(SITES)),
        "at": draw(moments),
        "delegated_by": draw(st.none() | people),
        "in_room": draw(st.booleans()),
        "state_rule": draw(st.none() | state_rules),
        "policies": draw(st.lists(policies, max_size=3).map(tuple)),
        "competencies": draw(st.lists(competencies, max_size=3).map(tuple)),
        "supervision": draw(st.lists(assignments, max_size=2).map(tuple)),
        "shifts": draw(st.lists(shifts, max_size=2).map(tuple)),
    }


def run(facts):
    facts = dict(facts)
    return decide(
        facts.pop("assistant"),
        facts.pop("task"),
        facts.pop("site"),
        facts.pop("at"),
        facts.pop("delegated_by"),
        facts.pop("in_room"),
        **facts,
    )


not_reserved = tasks.filter(lambda t: t.kind != TaskKind.reserved)
reserved = st.builds(
    TaskFacts,
    code=st.sampled_from(["diagnosis", "prescribing", "injection"]),
    name=st.sampled_from(["Diagnosis", "Prescribing"]),
    kind=st.just(TaskKind.reserved),
)

SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(situations(task=not_reserved))
def test_four_conditions_in_order_and_clear_exactly_when_all_are_met(facts):
    decision = run(facts)
    assert decision.status in {"clear", "flagged"}
    assert [c.condition for c in decision.conditions] == ORDER
    assert (decision.status == "clear") == all(c.met for c in decision.conditions)
    out = decision.to_json()
    assert [c["condition"] for c in out["conditions"]] == ORDER
    assert "reason" not in out


@SETTINGS
@given(situations(task=reserved))
def test_a_reserved_task_is_prohibited_whatever_the_facts(facts):
    decision = run(facts)
    assert decision.status == "prohibited"
    assert decision.conditions == ()
    assert "reserved for licensed providers in every state" in decision.reason
    assert decision.to_json()["reason"] == decision.reason


@SETTINGS
@given(situations())
def test_decide_is_deterministic(facts):
    first, second = run(facts), run(facts)
    assert first == second
    assert first.to_json() == second.to_json()


@SETTINGS
@given(situations())
def test_evidence_is_a_list_of_strings_and_reasons_are_words(facts):
    out = run(facts).to_json()
    assert out["at"].endswith("Z")
    assert isinstance(out["warnings"], list)
    assert all(isinstance(w, str) and w for w in out["warnings"])
    for item in out["conditions"]:
        assert isinstance(item["evidence"], list)
        assert all(isinstance(e, str) and e for e in item["evidence"])
        assert isinstance(item["reason"], str) and item["reason"]
        assert isinstance(item["met"], bool)


@SETTINGS
@given(situations(task=not_reserved))
def test_an_assistant_away_from_their_sites_is_warned(facts):
    decision = run(facts)
    away = facts["site"].code not in facts["assistant"].site_codes
    assert any("does not work at" in w for w in decision.warnings) is away
