"""Edges of the rule's words and arithmetic that the golden practice does not reach: each
case is the decision's own output, written out in full."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from tests.unit.test_rules_golden import (
    ANA,
    ASSIGNMENT,
    BEFORE,
    COMPETENCY,
    DAY,
    POLICY,
    SCHEDULING,
    comp,
    condition,
    policy,
    rule,
    run,
)
from tracker.rule.rules import competency_expiry
from tracker.rule.values import ExpiryCause, ProblemCode
from tracker.vocabulary import SupervisionLevel


def test_training_hours_are_written_as_recorded_however_many():
    """Whole hours in full (never in exponent form), fractions as they are."""
    for recorded, required, said in (
        (1_999_999, 2_000_000, "records 1999999 training hours where California requires at "
                               "least 2000000"),
        (7.5, 10, "records 7.5 training hours where California requires at least 10"),
        (12.0, 12.5, "records 12 training hours where California requires at least 12.5"),
    ):  # fmt: skip
        found = condition(
            run(state_rule=rule(min_training_hours=required),
                competencies=comp(training_hours=recorded)),
            "competency",
        )  # fmt: skip
        assert not found.met
        assert found.reason == (
            f"Ana Ruiz's Injection competency {said}; record the missing training before it "
            "can count."
        )


def test_lists_in_the_words_are_joined_as_english():
    from tracker.rule.rules import _join

    assert _join([]) == ""
    assert _join(("CMA",)) == "CMA"
    assert _join(["CMA", "RMA"]) == "CMA or RMA"
    assert _join(["CMA", "RMA", "NCMA"], "and") == "CMA, RMA and NCMA"


def test_no_policy_for_an_assistant_without_a_job_level_says_their_job_level():
    found = condition(run(assistant=replace(ANA, job_level=None)), "employer_policy")
    assert not found.met
    assert "authorizes Injection for their job level at Main St" in found.reason


def test_a_competency_never_validated_says_so():
    found = condition(run(competencies=comp(validated_on=None)), "competency")
    assert found.codes == (ProblemCode.not_validated,)
    assert "Ana Ruiz's Injection competency has not been validated;" in found.reason


def test_each_lapsed_assignment_at_the_site_is_explained_past_one_elsewhere():
    """An assignment at another site is passed over, not the end of the list."""
    elsewhere = replace(ASSIGNMENT, site="north")
    ended = replace(ASSIGNMENT, ends_on=BEFORE)
    found = condition(run(supervision=(elsewhere, ended)), "supervision")
    assert f"(the assignment to Dr. Lee ended on {BEFORE})" in found.reason


def test_an_expiry_on_two_dates_at_once_names_the_record_before_the_policy():
    """Its own date on the policy's last day: its own; revoked the day after: revoked."""
    policy_end = date(2027, 2, 10)  # validated 2026-02-10, valid 12 months
    own = replace(COMPETENCY, expires_on=policy_end)
    assert competency_expiry(own, (POLICY,), "CMA", "main", DAY).cause is ExpiryCause.own
    revoked = replace(own, revoked_on=policy_end + timedelta(days=1))
    expiry = competency_expiry(revoked, (POLICY,), "CMA", "main", DAY)
    assert (expiry.on, expiry.cause) == (policy_end, ExpiryCause.revoked)


def test_a_condition_met_has_no_codes():
    administrative = run(
        task=SCHEDULING, state_rule=None, competencies=comp(task="scheduling"),
        policies=(policy(task="scheduling", supervision=SupervisionLevel.none),),
    )  # fmt: skip
    for decision in (run(), administrative):
        assert decision.status == "clear", decision
        assert [c.codes for c in decision.conditions] == [(), (), (), ()]


def test_a_rule_naming_a_credential_met_says_which():
    found = condition(run(state_rule=rule(requires_credentials=("CMA",))), "state_law")
    assert found.met
    assert found.reason.startswith(
        "California permits Injection for a medical assistant holding CMA (16 CCR"
    )


def test_a_deactivated_assistant_is_refused_with_the_policy_it_rests_on():
    gone = replace(ANA, active=False, deactivated_on=BEFORE)
    found = condition(run(assistant=gone), "employer_policy")
    assert found.codes == (ProblemCode.no_longer_works_here,)
    assert [r.kind for r in found.records] == ["policy"]


def test_a_policy_for_every_level_names_their_job_level_when_none_is_recorded():
    found = condition(
        run(assistant=replace(ANA, job_level=None), policies=(policy(job_levels=()),)),
        "employer_policy",
    )
    assert found.met
    assert "authorizes Injection for their job level at Main St." in found.reason


def test_a_policy_without_a_name_naming_a_credential_is_the_written_policy():
    found = condition(
        run(policies=(policy(document="", requires_credentials=("RMA",)),)), "employer_policy"
    )
    assert found.codes == (ProblemCode.policy_credential_missing,)
    assert found.reason.startswith("The written policy authorizes Injection only with RMA;")


def test_a_refusal_names_their_job_level_when_none_is_recorded():
    found = condition(
        run(assistant=replace(ANA, job_level=None),
            policies=(policy(job_levels=(), authorized=False),)),
        "employer_policy",
    )  # fmt: skip
    assert found.codes == (ProblemCode.not_authorized,)
    assert "does not authorize Injection for their job level at Main St." in found.reason


def test_a_rule_naming_a_credential_met_has_no_codes():
    assert condition(run(state_rule=rule(requires_credentials=("CMA",))), "state_law").codes == ()


def test_a_policy_without_a_name_authorizing_is_the_written_policy():
    found = condition(run(policies=(policy(document=""),)), "employer_policy")
    assert found.met
    assert found.reason.startswith("The written policy authorizes Injection for CMA at Main St")


def test_a_policy_ending_on_the_day_with_none_after_sets_no_expiry():
    """Its validity no longer applies from tomorrow: the record then counts on its own
    dates (and the policy condition is what fails)."""
    ending = replace(POLICY, effective_to=DAY)
    assert competency_expiry(COMPETENCY, (ending,), "CMA", "main", DAY).on is None


def test_a_record_for_another_task_does_not_hide_the_one_for_this_task():
    other = replace(COMPETENCY, task="venipuncture")
    assert condition(run(competencies=(other, COMPETENCY)), "competency").met


def test_a_revoked_record_past_the_policys_validity_says_both():
    """Revoked before the policy's validity ran out: the reason says both, the validity
    reckoned without the revocation."""
    old = comp(validated_on=date(2025, 1, 10), revoked_on=date(2025, 6, 1))
    found = condition(run(competencies=old), "competency")
    assert found.codes == (ProblemCode.revoked, ProblemCode.expired)
    assert "was revoked on 2025-06-01 and expired on 2026-01-10" in found.reason


def test_a_policy_ending_on_the_records_last_day_lets_it_count_on_its_own_after():
    """The policy's validity would end the record on the day the policy itself ends; from
    the next day no policy applies, so the record counts on its own dates: no expiry."""
    last = date(2027, 2, 10)  # validated 2026-02-10, valid 12 months
    ending = replace(POLICY, effective_to=last)
    assert competency_expiry(COMPETENCY, (ending,), "CMA", "main", DAY).on is None


def test_a_longer_validity_starting_the_day_after_the_last_keeps_the_record():
    """A policy with a 24-month validity starts the day after the 12-month one would end
    the record: it counts on without a break, until the longer validity runs out."""
    longer = replace(POLICY, competency_valid_months=24, effective_from=date(2027, 2, 11),
                     document="Clinical Task Policy v4")  # fmt: skip
    expiry = competency_expiry(COMPETENCY, (POLICY, longer), "CMA", "main", DAY)
    assert (expiry.on, expiry.cause) == (date(2028, 2, 10), ExpiryCause.policy)
