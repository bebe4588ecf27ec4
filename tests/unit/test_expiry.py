"""A competency's expiry (DESIGN section 13), computed in one place: the rule's
``competency_expiry``. Whatever the policies (practice-wide or a site's, for some job
levels, ending and starting on any day, even overlapping), the decision counts the
competency on its expiry and not on the day after, and asking on another day of the same
stretch gives the same date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.dates import zone
from tracker.rule.rules import competency_expiry, decide, earliest_expiry, expiry_at_sites
from tracker.rule.values import (
    CompetencyFacts,
    ExpiryCause,
    LicenseFacts,
    PersonFacts,
    PolicyFacts,
    ProblemCode,
    SiteFacts,
    TaskFacts,
)
from tracker.vocabulary import SupervisionLevel, TaskKind

SITES = {
    "main": SiteFacts("main", "Main St", "CA", "America/Los_Angeles"),
    "north": SiteFacts("north", "North", "TX", "America/Chicago"),
}
INJECTION = TaskFacts("injection", "Injection", TaskKind.clinical)
LEE = PersonFacts(
    "dr.lee@example.org", "Dr. Lee", "provider", can_validate=True,
    licenses=(LicenseFacts("MD", "A1", "CA", None),),
)  # fmt: skip
FIRST, LAST = date(2024, 1, 1), date(2028, 12, 31)
days = st.dates(min_value=FIRST, max_value=LAST)
maybe_days = st.none() | days
LAPSED = {ProblemCode.expired, ProblemCode.revoked}

policies = st.builds(
    PolicyFacts,
    task=st.sampled_from(["injection", "injection", "xray"]),
    authorized=st.booleans(),
    supervision=st.just(SupervisionLevel.available),
    site=st.none() | st.sampled_from(list(SITES)),
    job_levels=st.sampled_from([(), ("CMA",), ("MA I",), ("CMA", "MA I")]),
    competency_valid_months=st.none() | st.integers(1, 36),
    effective_from=maybe_days,
    effective_to=maybe_days,
)
competencies = st.builds(
    CompetencyFacts,
    task=st.just("injection"),
    validated_on=days,
    validated_by=st.just(LEE),
    training_hours=st.just(20),
    expires_on=maybe_days,
    revoked_on=maybe_days,
)


def judged(comp, policy_list, level, site, day):
    """The competency condition of a decision at noon on the day at the site."""
    at = datetime.combine(day, time(12), zone(SITES[site].timezone)).astimezone(UTC)
    assistant = PersonFacts("ana@example.org", "Ana", "assistant", job_level=level,
                            site_codes=frozenset(SITES))  # fmt: skip
    decision = decide(assistant, INJECTION, SITES[site], at, policies=policy_list,
                      competencies=(comp,))  # fmt: skip
    return next(c for c in decision.conditions if c.condition == "competency")


@settings(max_examples=400, deadline=None)
@given(
    comp=competencies,
    policy_list=st.lists(policies, max_size=4).map(tuple),
    level=st.sampled_from([None, "CMA", "MA I"]),
    site=st.sampled_from(list(SITES)),
    day=days,
)
def test_the_decision_counts_it_up_to_its_expiry_and_not_the_day_after(
    comp, policy_list, level, site, day
):
    expiry = competency_expiry(comp, policy_list, level, site, day)
    asked = judged(comp, policy_list, level, site, day)
    assert expiry.site == site
    if expiry.on is None:
        assert not LAPSED & set(asked.codes), asked.reason
        return
    if LAPSED & set(asked.codes):
        assert expiry.on < day  # the last day it counted
    else:
        assert day <= expiry.on
    on = judged(comp, policy_list, level, site, expiry.on)
    assert not LAPSED & set(on.codes), (expiry, on.reason)
    after = judged(comp, policy_list, level, site, expiry.on + timedelta(days=1))
    assert LAPSED & set(after.codes), (expiry, after.reason)
    assert (ProblemCode.revoked in after.codes) is (expiry.cause is ExpiryCause.revoked)
    if expiry.cause is not ExpiryCause.revoked:
        assert f"expired on {expiry.on}" in after.reason
    # Asked on its last day, the same answer: one date for the whole stretch.
    assert competency_expiry(comp, policy_list, level, site, expiry.on) == expiry


def test_the_earliest_of_its_own_date_the_policys_and_the_day_before_revocation():
    policy = PolicyFacts("injection", True, SupervisionLevel.available,
                         competency_valid_months=12)  # fmt: skip
    comp = CompetencyFacts("injection", validated_on=date(2026, 1, 10))
    day = date(2026, 6, 1)

    def expiry(**dates):
        record = CompetencyFacts("injection", validated_on=date(2026, 1, 10), **dates)
        found = competency_expiry(record, [policy], None, "main", day)
        return found.on, found.cause

    assert expiry() == (date(2027, 1, 10), ExpiryCause.policy)
    assert expiry(expires_on=date(2027, 6, 1)) == (date(2027, 1, 10), ExpiryCause.policy)
    assert expiry(expires_on=date(2026, 9, 1)) == (date(2026, 9, 1), ExpiryCause.own)
    assert expiry(revoked_on=date(2026, 8, 1)) == (date(2026, 7, 31), ExpiryCause.revoked)
    assert competency_expiry(comp, [], None, "main", day).on is None


def test_a_competency_validated_before_the_policy_took_effect_expires_by_it():
    # Ben Carter in the demo: validated 500 days ago; the 12-month policy began 365 days ago.
    today = date(2026, 11, 20)
    policy = PolicyFacts("injection", False, SupervisionLevel.on_site, job_levels=("MA I",),
                         competency_valid_months=12,
                         effective_from=today - timedelta(days=365))  # fmt: skip
    comp = CompetencyFacts("injection", validated_on=today - timedelta(days=500))
    found = competency_expiry(comp, [policy], "MA I", "main", today)
    assert (found.on, found.cause) == (date(2026, 7, 8), ExpiryCause.policy)


def test_a_policy_that_takes_over_moves_the_expiry_to_the_day_the_decision_stops():
    # 24 months until 2026-12-31, then 6 months: validated 2026-03-01, it counts until the
    # new policy starts (2027-01-01 is past 6 months), whenever it is asked.
    first = PolicyFacts("injection", True, SupervisionLevel.available,
                        competency_valid_months=24, effective_to=date(2026, 12, 31))  # fmt: skip
    then = PolicyFacts("injection", True, SupervisionLevel.available,
                       competency_valid_months=6, effective_from=date(2027, 1, 1))  # fmt: skip
    comp = CompetencyFacts("injection", validated_on=date(2026, 3, 1))
    for day in (date(2026, 3, 1), date(2026, 12, 31), date(2027, 5, 1)):
        found = competency_expiry(comp, [first, then], None, "main", day)
        assert (found.on, found.cause, found.policy) == (date(2026, 12, 31), ExpiryCause.policy,
                                                         then)  # fmt: skip


def test_each_site_has_its_date_and_lists_take_the_earliest():
    # Diego in the demo: a 12-month x-ray policy at main only; he also works at austin.
    xray = PolicyFacts("xray", True, SupervisionLevel.on_site, site="main",
                       competency_valid_months=12)  # fmt: skip
    comp = CompetencyFacts("xray", validated_on=date(2026, 7, 23))
    by_site = expiry_at_sites(comp, [xray], "MA II", {"main", "austin"}, date(2026, 11, 20))
    assert [(e.site, e.on) for e in by_site] == [("austin", None), ("main", date(2027, 7, 23))]
    assert earliest_expiry(by_site).site == "main"
    # Working at no site: only practice-wide policies apply.
    [alone] = expiry_at_sites(comp, [xray], "MA II", set(), date(2026, 11, 20))
    assert (alone.site, alone.on) == ("", None)


def test_a_policy_for_some_job_levels_sets_the_expiry_only_for_them():
    xray = PolicyFacts("xray", True, SupervisionLevel.on_site, job_levels=("MA II",),
                       competency_valid_months=12)  # fmt: skip
    comp = CompetencyFacts("xray", validated_on=date(2026, 7, 23))
    day = date(2026, 11, 20)
    [theirs] = expiry_at_sites(comp, [xray], "MA II", {"main"}, day)
    assert (theirs.site, theirs.on, theirs.cause, theirs.policy) == (
        "main", date(2027, 7, 23), ExpiryCause.policy, xray
    )  # fmt: skip
    [other] = expiry_at_sites(comp, [xray], "MA I", {"main"}, day)
    assert (other.site, other.on, other.cause, other.policy) == ("main", None, None, None)


def test_a_policy_for_some_job_levels_that_takes_over_moves_their_expiry():
    # As above, for CMAs only: a CMA's record counts until the new policy starts; an MA I's
    # record has no policy at all and never expires.
    first = PolicyFacts("injection", True, SupervisionLevel.available, job_levels=("CMA",),
                        competency_valid_months=24, effective_to=date(2026, 12, 31))  # fmt: skip
    then = PolicyFacts("injection", True, SupervisionLevel.available, job_levels=("CMA",),
                       competency_valid_months=6, effective_from=date(2027, 1, 1))  # fmt: skip
    comp = CompetencyFacts("injection", validated_on=date(2026, 3, 1))
    for day in (date(2026, 3, 1), date(2026, 12, 31), date(2027, 5, 1)):
        found = competency_expiry(comp, [first, then], "CMA", "main", day)
        assert (found.on, found.cause, found.policy, found.site) == (
            date(2026, 12, 31), ExpiryCause.policy, then, "main"
        )  # fmt: skip
        other = competency_expiry(comp, [first, then], "MA I", "main", day)
        assert (other.on, other.cause, other.policy) == (None, None, None)


def test_a_sites_policy_that_takes_over_moves_the_expiry_at_that_site_only():
    first = PolicyFacts("injection", True, SupervisionLevel.available, site="main",
                        competency_valid_months=24, effective_to=date(2026, 12, 31))  # fmt: skip
    then = PolicyFacts("injection", True, SupervisionLevel.available, site="main",
                       competency_valid_months=6, effective_from=date(2027, 1, 1))  # fmt: skip
    comp = CompetencyFacts("injection", validated_on=date(2026, 3, 1))
    by_site = expiry_at_sites(comp, [first, then], None, {"north", "main"}, date(2027, 5, 1))
    assert [(e.site, e.on, e.cause) for e in by_site] == [
        ("main", date(2026, 12, 31), ExpiryCause.policy), ("north", None, None)
    ]  # fmt: skip


def test_the_earliest_expiry_is_the_first_date_then_the_first_site():
    comp = CompetencyFacts("xray", validated_on=date(2026, 7, 23))
    twelve = PolicyFacts("xray", True, SupervisionLevel.on_site, site="austin",
                         competency_valid_months=12)  # fmt: skip
    six = PolicyFacts("xray", True, SupervisionLevel.on_site, site="north",
                      competency_valid_months=6)  # fmt: skip
    day = date(2026, 11, 20)
    by_site = expiry_at_sites(comp, [twelve, six], None, {"north", "austin", "main"}, day)
    assert [(e.site, e.on) for e in by_site] == [
        ("austin", date(2027, 7, 23)), ("main", None), ("north", date(2027, 1, 23))
    ]  # fmt: skip
    # The first date wins, not the first site.
    for order in (by_site, by_site[::-1], (by_site[1], by_site[2], by_site[0])):
        assert earliest_expiry(order) == by_site[2]
    # The same date at two sites: the first by code.
    same = PolicyFacts("xray", True, SupervisionLevel.on_site, site="north",
                       competency_valid_months=12)  # fmt: skip
    tied = expiry_at_sites(comp, [twelve, same], None, {"north", "austin"}, day)
    assert [(e.site, e.on) for e in tied] == [
        ("austin", date(2027, 7, 23)), ("north", date(2027, 7, 23))
    ]  # fmt: skip
    assert earliest_expiry(tied[::-1]).site == "austin"
    # No expiry anywhere: the first site's.
    none = expiry_at_sites(comp, [], None, {"north", "austin"}, day)
    assert earliest_expiry(none[::-1]).site == "austin"


def test_a_record_valid_to_the_end_of_the_calendar_across_a_policy_turn():
    """Kept until 9999-12-31 (the last day a date can hold) while the policy in effect
    changes: there is no day after it to lapse on, and asking does not overflow."""
    first = PolicyFacts("injection", True, SupervisionLevel.available,
                        effective_to=date(2026, 12, 31))  # fmt: skip
    then = PolicyFacts("injection", True, SupervisionLevel.available,
                       effective_from=date(2027, 1, 1))  # fmt: skip
    comp = CompetencyFacts("injection", validated_on=date(2026, 3, 1), expires_on=date.max)
    for day in (date(2026, 6, 1), date(2027, 6, 1)):
        found = competency_expiry(comp, [first, then], None, "main", day)
        assert found.on in (None, date.max)
        assert found.cause in (None, ExpiryCause.own)


def test_a_policy_turn_the_day_before_its_last_day_leaves_the_last_day_counting():
    # 12 months from 2026-01-10, so it counts on 2027-01-10; the policy is replaced by an
    # identical one that day, so the turn (after 2027-01-09) changes nothing.
    first = PolicyFacts("injection", True, SupervisionLevel.available,
                        competency_valid_months=12, effective_to=date(2027, 1, 9))  # fmt: skip
    then = PolicyFacts("injection", True, SupervisionLevel.available,
                       competency_valid_months=12, effective_from=date(2027, 1, 10))  # fmt: skip
    comp = CompetencyFacts("injection", validated_on=date(2026, 1, 10))
    for day in (date(2026, 6, 1), date(2027, 1, 9), date(2027, 1, 10), date(2027, 3, 1)):
        found = competency_expiry(comp, [first, then], None, "main", day)
        assert (found.on, found.cause, found.policy) == (date(2027, 1, 10), ExpiryCause.policy,
                                                         then)  # fmt: skip


def test_a_stricter_sites_policy_that_starts_later_ends_it_the_day_before():
    lenient = PolicyFacts("injection", True, SupervisionLevel.available,
                          competency_valid_months=24, effective_from=date(2026, 1, 1))  # fmt: skip
    strict = PolicyFacts("injection", True, SupervisionLevel.available, site="main",
                         competency_valid_months=6, effective_from=date(2027, 1, 1))  # fmt: skip
    comp = CompetencyFacts("injection", validated_on=date(2026, 3, 1))
    found = competency_expiry(comp, [lenient, strict], None, "main", date(2026, 6, 1))
    assert (found.on, found.cause, found.policy) == (date(2026, 12, 31), ExpiryCause.policy,
                                                     strict)  # fmt: skip


def test_a_lenient_sites_policy_that_ends_leaves_the_stricter_practice_policy():
    strict = PolicyFacts("injection", True, SupervisionLevel.available,
                         competency_valid_months=6, effective_from=date(2026, 1, 1))  # fmt: skip
    lenient = PolicyFacts("injection", True, SupervisionLevel.available, site="main",
                          competency_valid_months=24, effective_to=date(2026, 12, 31))  # fmt: skip
    comp = CompetencyFacts("injection", validated_on=date(2026, 3, 1))
    found = competency_expiry(comp, [strict, lenient], None, "main", date(2026, 6, 1))
    assert (found.on, found.cause, found.policy) == (date(2026, 12, 31), ExpiryCause.policy,
                                                     strict)  # fmt: skip
