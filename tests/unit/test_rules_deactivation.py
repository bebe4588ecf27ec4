"""Deactivation in the pure rule (DESIGN section 13): an assistant deactivated on or before
the day no longer meets the employer's policy ("no longer works here since D"); a provider
deactivated on or before the day neither supervises nor delegates. Before that day they
did: a decision re-run "as of" an earlier moment gives the answer it gave then."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_rules_golden import AFTER, ANA, ASSIGNMENT, BEFORE, DAY, LEE, condition, run

from tracker.rule.values import ProblemCode


def gone(person, on):
    return replace(person, active=False, deactivated_on=on)


def test_the_base_decision_is_clear():
    assert run().status == "clear"


@pytest.mark.parametrize("on", [BEFORE, DAY])
def test_an_assistant_deactivated_by_the_day_fails_the_employer_policy(on):
    decision = run(assistant=gone(ANA, on))

    policy = condition(decision, "employer_policy")
    assert decision.status == "flagged"
    assert not policy.met
    assert policy.reason == (
        f"Ana Ruiz no longer works here since {on}: the written policy authorizes tasks only "
        "for the practice's active staff."
    )
    assert policy.codes == (ProblemCode.no_longer_works_here,)
    # The other three conditions are still evaluated (never stopping at the first).
    assert [c.met for c in decision.conditions] == [True, False, True, True]


def test_an_assistant_deactivated_after_the_day_still_worked_here_that_day():
    decision = run(assistant=gone(ANA, AFTER))

    assert decision.status == "clear"
    assert "deactivated" not in " ".join(decision.warnings)


def test_an_assistant_deactivated_before_the_day_was_kept_counts_on_every_day():
    decision = run(assistant=gone(ANA, None))

    assert not condition(decision, "employer_policy").met
    assert "Ana Ruiz is deactivated" in condition(decision, "employer_policy").reason


def test_a_deactivated_provider_no_longer_supervises():
    decision = run(supervision=(replace(ASSIGNMENT, provider=gone(LEE, BEFORE)),))

    supervision = condition(decision, "supervision")
    assert not supervision.met
    assert f"Dr. Lee no longer works here since {BEFORE}" in supervision.reason
    assert ProblemCode.no_supervisor in supervision.codes


def test_a_deactivated_provider_no_longer_delegates():
    decision = run(delegated_by=gone(LEE, DAY))

    supervision = condition(decision, "supervision")
    assert not supervision.met
    assert (
        f"the delegation is made by Dr. Lee, but Dr. Lee no longer works here since {DAY}"
        in supervision.reason
    )
    assert ProblemCode.delegator_unqualified in supervision.codes


def test_a_provider_deactivated_after_the_day_supervised_and_delegated_that_day():
    later = gone(LEE, AFTER)
    decision = run(supervision=(replace(ASSIGNMENT, provider=later),), delegated_by=later)

    assert decision.status == "clear"
