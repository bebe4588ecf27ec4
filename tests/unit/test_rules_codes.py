"""The problem codes behind each unmet condition, and the fixes and steps chosen by them.

A page offers the form that fixes a condition by the rule's code for the problem, not by the
words of its reason: these cases pin the code of every problem the rule names (in the order
its reason names them), that codes stay out of the decision's JSON, and that the fixes and an
assistant's steps follow the codes even when the words would say otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from test_rules_golden import (
    AFTER,
    ANA,
    ASSIGNMENT,
    BEFORE,
    CMA,
    IN_ROOM,
    MANAGER,
    ON_SITE,
    PROHIBITED,
    ana_with,
    comp,
    condition,
    lee_with,
    policy,
    rule,
    run,
)

from tracker.decision import fixes
from tracker.rule.values import DecisionStatus, ProblemCode

P = ProblemCode
EXPIRED_CMA = replace(CMA, expires_on=BEFORE)

CASES = [
    # state_law
    ({"state_rule": None}, "state_law", (P.no_state_rule,)),
    ({"state_rule": rule(status=PROHIBITED)}, "state_law", (P.not_permitted,)),
    (
        {"assistant": ana_with(EXPIRED_CMA), "state_rule": rule(requires_credentials=("CMA",))},
        "state_law",
        (P.state_credential_missing,),
    ),
    # employer_policy
    ({"policies": ()}, "employer_policy", (P.no_policy,)),
    ({"policies": (policy(authorized=False),)}, "employer_policy", (P.not_authorized,)),
    (
        {"assistant": ana_with(), "policies": (policy(requires_credentials=("CMA",)),)},
        "employer_policy",
        (P.policy_credential_missing,),
    ),
    # competency
    ({"competencies": ()}, "competency", (P.no_competency,)),
    ({"competencies": comp(prior_employer=True)}, "competency", (P.prior_employer,)),
    ({"competencies": comp(validated_on=None)}, "competency", (P.not_validated,)),
    ({"competencies": comp(validated_on=AFTER)}, "competency", (P.validated_later,)),
    ({"competencies": comp(validated_by=None)}, "competency", (P.no_validator,)),
    ({"competencies": comp(validated_by=ANA)}, "competency", (P.self_signed,)),
    ({"competencies": comp(validated_by=MANAGER)}, "competency", (P.validator_unqualified,)),
    ({"competencies": comp(revoked_on=BEFORE)}, "competency", (P.revoked,)),
    ({"competencies": comp(expires_on=BEFORE)}, "competency", (P.expired,)),
    ({"competencies": comp(training_hours=2)}, "competency", (P.training_short,)),
    (
        {"competencies": comp(revoked_on=BEFORE, expires_on=BEFORE, training_hours=2)},
        "competency",
        (P.revoked, P.expired, P.training_short),
    ),
    # supervision
    ({"supervision": ()}, "supervision", (P.no_supervisor,)),
    ({"supervision": (replace(ASSIGNMENT, starts_on=AFTER),)}, "supervision", (P.no_supervisor,)),
    ({"shifts": ()}, "supervision", (P.not_on_shift,)),
    ({"state_rule": rule(supervision=IN_ROOM)}, "supervision", (P.not_in_room,)),
    ({"delegated_by": MANAGER}, "supervision", (P.delegator_unqualified,)),
    (
        {"delegated_by": lee_with(), "shifts": ()},
        "supervision",
        (P.delegator_unqualified, P.not_on_shift),
    ),
    (
        {"delegated_by": MANAGER, "supervision": ()},
        "supervision",
        (P.delegator_unqualified, P.no_supervisor),
    ),
]


@pytest.mark.parametrize(("changes", "name", "codes"), CASES)
def test_each_problem_has_its_code(changes, name, codes):
    decision = run(**changes)
    assert decision.status == "flagged"
    assert condition(decision, name).codes == codes
    # Only the condition at fault carries codes.
    assert [c.condition for c in decision.conditions if c.codes] == [name]


def test_a_met_condition_has_no_code_and_the_json_never_shows_codes():
    clear = run()
    assert clear.status == DecisionStatus.clear
    assert all(c.codes == () for c in clear.conditions)
    flagged = run(state_rule=None, supervision=())
    out = flagged.to_json()
    assert out["status"] == "flagged"
    assert type(out["status"]) is str
    assert [sorted(c) for c in out["conditions"]] == [
        ["condition", "evidence", "met", "reason"]
    ] * 4


def test_an_assistant_in_the_room_is_met_and_on_site_needs_no_attestation():
    assert condition(run(state_rule=rule(supervision=IN_ROOM), in_room=True), "supervision").met
    assert condition(run(state_rule=rule(supervision=ON_SITE)), "supervision").codes == ()


# --------------------------------------------------------------------------- fixes by code


ASSISTANT = SimpleNamespace(id=7, name="Ana Ruiz", job_level="CMA")
CTX = fixes.Context(
    assistant=ASSISTANT,
    task=SimpleNamespace(code="injection", name="Injection"),
    site=SimpleNamespace(code="main", state="CA"),
    day=date(2026, 11, 23),
)


def flagged(*conditions):
    return {"status": "flagged", "conditions": list(conditions)}


def unmet(name, reason, codes, records=()):
    return {"condition": name, "met": False, "reason": reason, "codes": list(codes),
            "records": list(records)}  # fmt: skip


def endpoints(result):
    return {k: [f.endpoint for f in v] for k, v in fixes.fixes_for(result, CTX, True).items()}


RULE_RECORD = {"kind": "state_rule", "id": 11, "label": "CA rule"}
POLICY_RECORD = {"kind": "policy", "id": 31, "label": "policy"}


def test_the_state_law_fix_follows_the_code_not_the_words(monkeypatch):
    monkeypatch.setattr(fixes, "_required_credentials", lambda model, ids: [])
    # A citation that says "requires" does not make a prohibition a missing credential.
    words = "California law does not permit it (requires a license). Only a provider can."
    result = flagged(unmet("state_law", words, [P.not_permitted], [RULE_RECORD]))
    assert endpoints(result) == {"state_law": ["policy.edit_state_rule"]}
    result = flagged(unmet("state_law", "", [P.state_credential_missing], [RULE_RECORD]))
    assert endpoints(result) == {"state_law": ["staff.credential_new"]}
    result = flagged(unmet("state_law", words, [P.no_state_rule]))
    assert endpoints(result) == {"state_law": ["policy.new_state_rule"]}


def test_the_policy_fix_follows_the_code_not_the_words(monkeypatch):
    monkeypatch.setattr(fixes, "_required_credentials", lambda model, ids: [])
    words = "Policy only with CMA does not authorize Injection for CMA at Main St."
    result = flagged(unmet("employer_policy", words, [P.not_authorized], [POLICY_RECORD]))
    assert endpoints(result) == {"employer_policy": ["policy.edit_policy"]}
    result = flagged(unmet("employer_policy", "", [P.policy_credential_missing], [POLICY_RECORD]))
    assert endpoints(result) == {"employer_policy": ["staff.credential_new", "policy.edit_policy"]}
    result = flagged(unmet("employer_policy", words, [P.no_policy]))
    assert endpoints(result) == {"employer_policy": ["policy.new_policy"]}


def test_the_supervision_fixes_follow_the_codes(monkeypatch):
    monkeypatch.setattr(fixes, "_supervising_provider", lambda ctx, condition: 5)
    # A provider named "On Shift" does not make a missing assignment a missing shift.
    words = "Needs x: Dr. On Shift is not a provider; no supervising provider."
    result = flagged(unmet("supervision", words, [P.delegator_unqualified]))
    assert endpoints(result) == {}
    result = flagged(unmet("supervision", "", [P.no_supervisor]))
    assert endpoints(result) == {"supervision": ["supervision.assignment_new"]}
    result = flagged(unmet("supervision", "", [P.delegator_unqualified, P.not_on_shift]))
    (fix,) = fixes.fixes_for(result, CTX, True)["supervision"]
    assert (fix.endpoint, fix.args) == (
        "supervision.shift_new",
        {"site": "main", "day": "2026-11-23", "provider": 5},
    )


def test_a_result_kept_before_codes_gets_the_fixes_its_words_gave(monkeypatch):
    monkeypatch.setattr(fixes, "_supervising_provider", lambda ctx, condition: None)
    monkeypatch.setattr(fixes, "_required_credentials", lambda model, ids: [])
    words = "Needs x: Dr. Lee is not on shift at Main St at 2026-11-23 10:00; record it"
    old = {"condition": "supervision", "met": False, "reason": words}
    assert endpoints(flagged(old)) == {"supervision": ["supervision.shift_new"]}
    old_rule = {"condition": "state_law", "met": False, "reason": "CA requires CMA",
                "records": [RULE_RECORD]}  # fmt: skip
    assert endpoints(flagged(old_rule)) == {"state_law": ["staff.credential_new"]}


def test_the_assistants_competency_step_follows_the_codes():
    revalidate, training = (words for _, words in fixes._COMPETENCY_STEPS)
    expired = unmet("competency", "… has not been validated …", [P.expired])
    assert fixes.ma_steps(flagged(expired)) == [revalidate]
    short = unmet("competency", "… expired on 2026-01-01 …", [P.training_short])
    assert fixes.ma_steps(flagged(short)) == [training]
    both = unmet("competency", "", [P.training_short, P.revoked])
    assert fixes.ma_steps(flagged(both)) == [revalidate]
    plain = unmet("competency", "… expired …", [P.not_validated])
    assert fixes.ma_steps(flagged(plain)) == [fixes.MA_STEPS["competency"]]


@pytest.mark.parametrize(
    ("kept", "codes"),
    [
        (("state_law", "No CA rule is recorded", []), {P.no_state_rule}),
        (("state_law", "CA requires CMA", [RULE_RECORD]), {P.state_credential_missing}),
        (("state_law", "CA does not permit it", [RULE_RECORD]), {P.not_permitted}),
        (("employer_policy", "No policy", []), {P.no_policy}),
        (("employer_policy", "only with CMA", [POLICY_RECORD]), {P.policy_credential_missing}),
        (("employer_policy", "does not authorize", [POLICY_RECORD]), {P.not_authorized}),
        (("competency", "expired, then revoked; 2 training hours; prior employer",
          []), {P.expired, P.revoked, P.training_short, P.prior_employer}),
        (("competency", "has not been validated", []), set()),
        (("supervision", "no supervising provider; Dr. Lee is not on shift", []),
         {P.no_supervisor, P.not_on_shift}),
        (("supervision", "Dr. Lee is not a provider", []), set()),
        (("direction", "no supervising provider", []), set()),
    ],
)  # fmt: skip
def test_a_condition_kept_before_codes_has_its_codes_read_from_its_words(kept, codes):
    name, reason, records = kept
    old = {"condition": name, "met": False, "reason": reason, "records": records}
    assert fixes.problem_codes(old) == codes
    assert fixes.problem_codes({**old, "met": True}) == frozenset()


def test_no_fix_for_someone_who_left_and_a_sign_off_only_for_who_may():
    left = unmet("employer_policy", "", [P.no_longer_works_here], [POLICY_RECORD])
    assert endpoints(flagged(left)) == {}
    unsigned = unmet("competency", "", [P.not_validated])
    assert endpoints(flagged(unsigned)) == {"competency": ["competencies.new"]}
    assert fixes.fixes_for(flagged(unsigned), CTX, False) == {}


def test_the_supervision_forms_come_prefilled_with_the_provider_and_local_moment(monkeypatch):
    monkeypatch.setattr(fixes, "_supervising_provider", lambda ctx, condition: 5)
    ctx = replace(
        CTX,
        site=SimpleNamespace(code="main", state="CA", timezone="America/Los_Angeles"),
        at=datetime(2026, 11, 23, 18, 0, tzinfo=UTC),
    )
    result = flagged(unmet("supervision", "", [P.no_supervisor, P.not_on_shift]))
    assignment, shift = fixes.fixes_for(result, ctx, True)["supervision"]
    assert (assignment.endpoint, assignment.args) == (
        "supervision.assignment_new",
        {"assistant": 7, "site": "main", "starts_on": "2026-11-23", "provider": 5},
    )
    assert shift.args == {"site": "main", "day": "2026-11-23", "at": "2026-11-23T10:00",
                          "provider": 5}  # fmt: skip
    monkeypatch.setattr(fixes, "_supervising_provider", lambda ctx, condition: None)
    assignment, shift = fixes.fixes_for(result, ctx, True)["supervision"]
    assert "provider" not in assignment.args and "provider" not in shift.args
