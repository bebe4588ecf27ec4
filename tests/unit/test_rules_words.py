"""What the decision says, word for word, and the records each evidence line links to.

The golden tests (``test_rules_golden.py``) check each condition's outcome and a few words of
its reason. These cases pin the rest of what a user reads and clicks on a decision page: the
whole reason, the warnings, and behind every evidence line the record it links to (its kind
and id), plus the orderings DESIGN section 4 gives when several records compete (the most
specific policy, the competency record closest to counting, the supervising assignments).
Same practice as the golden tests: Ana, an injection at Main St (CA), Monday 2026-11-23 at
10:00 Los Angeles time. Every expected value is written out, never computed with the rule's
own helpers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from test_rules_golden import (
    AFTER,
    ANA,
    ASSIGNMENT,
    BEFORE,
    CMA,
    COMPETENCY,
    DAY,
    DIAGNOSIS,
    INJECTION,
    KIM,
    LEE,
    MAIN,
    MANAGER,
    POLICY,
    RULE,
    SCHEDULING,
    SHIFT,
    TEXAN,
    ana_with,
    comp,
    condition,
    policy,
    rule,
    run,
)
from test_rules_golden import (
    AT as AT_TEN,
)

from tracker.rule.rules import decide
from tracker.rule.values import RecordRef
from tracker.vocabulary import RuleStatus, SupervisionLevel

ON_SITE, IN_ROOM = SupervisionLevel.on_site, SupervisionLevel.in_room

# The same facts as the base practice, each with the id of the record it stands for.
RULE_1 = replace(RULE, id=11)
CMA_1 = replace(CMA, id=21)
POLICY_1 = replace(POLICY, id=31)
COMPETENCY_1 = replace(COMPETENCY, id=41)
ASSIGNMENT_1 = replace(ASSIGNMENT, id=51)
SHIFT_1 = replace(SHIFT, id=61)
WITH_IDS = {
    "assistant": ana_with(CMA_1),
    "state_rule": RULE_1,
    "policies": (POLICY_1,),
    "competencies": (COMPETENCY_1,),
    "supervision": (ASSIGNMENT_1,),
    "shifts": (SHIFT_1,),
}

RULE_REF = RecordRef("state_rule", 11, "CA rule for injection (16 CCR 1366, 1366.1)")
CMA_REF = RecordRef("credential", 21, "credential CMA #123, expires 2029-01-01")
POLICY_REF = RecordRef("policy", 31, "policy: Clinical Task Policy v3 (every site, CMA)")
COMPETENCY_REF = RecordRef(
    "competency",
    41,
    "competency for injection: validated 2026-02-10 by dr.lee@example.org, "
    "current until 2027-02-10",
)
ASSIGNMENT_REF = RecordRef("supervision", 51, "supervision by dr.lee@example.org at main")
SHIFT_REF = RecordRef(
    "shift", 61, "shift of dr.lee@example.org at main 2026-11-23T16:00:00Z to 2026-11-24T01:00:00Z"
)


def run_ids(**changes):
    return run(**{**WITH_IDS, **changes})


def said(decision, name):
    """The reason of one condition, as the decision page shows it."""
    return condition(decision, name).reason


def links(decision, name):
    """The records behind one condition's evidence lines (what each line links to)."""
    return condition(decision, name).records


# --------------------------------------------------------------------------- record links


def test_every_evidence_line_of_a_clear_decision_links_to_its_record():
    """Each condition links to the records it rests on: kind and id, in the order shown."""
    decision = run_ids(state_rule=replace(RULE_1, requires_credentials=("CMA", "RMA")))
    assert decision.status == "clear"
    assert links(decision, "state_law") == (RULE_REF, CMA_REF)
    assert links(decision, "employer_policy") == (POLICY_REF,)
    assert links(decision, "competency") == (COMPETENCY_REF,)
    assert links(decision, "supervision") == (ASSIGNMENT_REF, SHIFT_REF)
    # The JSON evidence is the labels of the same records, in the same order.
    out = decision.to_json()
    assert out["conditions"][0]["evidence"] == [RULE_REF.label, CMA_REF.label]
    assert out["conditions"][3]["evidence"] == [ASSIGNMENT_REF.label, SHIFT_REF.label]


def test_a_rule_naming_no_credential_is_the_only_link_of_the_state_law_line():
    """Permitted with no credential named: the rule alone is linked."""
    decision = run_ids()
    assert links(decision, "state_law") == (RULE_REF,)
    assert decision.to_json()["conditions"][0]["evidence"] == [RULE_REF.label]


def test_a_credential_with_no_number_and_no_expiry_is_linked_as_such():
    """The credential meeting a policy's requirement is linked from the policy condition too."""
    bare = replace(CMA_1, number=None, expires_on=None)
    decision = run_ids(
        assistant=ana_with(bare),
        state_rule=replace(RULE_1, requires_credentials=("CMA",)),
        policies=(replace(POLICY_1, requires_credentials=("CMA",)),),
    )
    ref = RecordRef("credential", 21, "credential CMA, no expiry")
    assert links(decision, "state_law") == (RULE_REF, ref)
    assert links(decision, "employer_policy") == (POLICY_REF, ref)


def test_a_policy_is_linked_with_its_scope_and_levels():
    """A site's policy naming several levels; an unnamed practice-wide one for every level."""
    site_policy = replace(POLICY_1, site="main", job_levels=("MA I", "CMA"), document="")
    assert links(run_ids(policies=(site_policy,)), "employer_policy") == (
        RecordRef("policy", 31, "policy: written policy (site main, MA I and CMA)"),
    )
    every = replace(POLICY_1, job_levels=(), document="")
    assert links(run_ids(policies=(every,)), "employer_policy") == (
        RecordRef("policy", 31, "policy: written policy (every site, every job level)"),
    )


def test_an_unmet_condition_still_links_to_the_records_it_judged():
    """A refusal shows the rule or policy that refused; nothing links when there is none."""
    refused = run_ids(
        state_rule=replace(RULE_1, status=RuleStatus.prohibited),
        policies=(replace(POLICY_1, authorized=False),),
        shifts=(),
    )
    assert links(refused, "state_law") == (RULE_REF,)
    assert links(refused, "employer_policy") == (POLICY_REF,)
    # The supervising assignment is shown even though its provider is not on shift.
    assert links(refused, "supervision") == (ASSIGNMENT_REF,)

    missing = run_ids(
        state_rule=replace(RULE_1, requires_credentials=("RMA",)),
        policies=(replace(POLICY_1, requires_credentials=("RMA",)),),
    )
    assert links(missing, "state_law") == (RULE_REF,)
    assert links(missing, "employer_policy") == (POLICY_REF,)

    nothing = run_ids(state_rule=None, policies=(), competencies=(), supervision=())
    assert [c.records for c in nothing.conditions] == [(), (), (), ()]


def test_each_failing_competency_record_is_linked_closest_to_counting_first():
    """Fewest problems first, then the latest validated; unvalidated records say so."""
    no_validator = replace(COMPETENCY_1, validated_by=None)  # one problem
    never = replace(COMPETENCY_1, id=42, validated_on=None)  # one problem
    two = replace(  # two problems, though validated last
        COMPETENCY_1, id=43, prior_employer=True, training_hours=4, validated_on=date(2026, 3, 1)
    )
    decision = run_ids(competencies=(two, never, no_validator))
    assert links(decision, "competency") == (
        RecordRef(
            "competency", 41, "competency for injection: validated 2026-02-10, "
            "current until 2027-02-10",
        ),
        RecordRef("competency", 42, "competency for injection: not validated"),
        RecordRef(
            "competency", 43, "competency for injection: validated 2026-03-01 by "
            "dr.lee@example.org, current until 2027-03-01",
        ),
    )  # fmt: skip


def test_a_competency_with_no_expiry_is_linked_without_one():
    """No expiry of its own and no months in the policy: the link names no end date."""
    decision = run_ids(policies=(replace(POLICY_1, competency_valid_months=None),))
    assert links(decision, "competency") == (
        RecordRef(
            "competency", 41, "competency for injection: validated 2026-02-10 by dr.lee@example.org"
        ),
    )
    assert said(decision, "competency") == (
        "Ana Ruiz's Injection competency was validated on 2026-02-10 by Dr. Lee, with no expiry."
    )


def test_every_covering_assignment_is_linked_and_the_shift_of_the_one_on_site():
    """Two supervisors cover the day; only Dr. Kim is on shift, so his shift is linked."""
    kim = replace(ASSIGNMENT_1, provider=KIM, id=52)
    kim_shift = replace(SHIFT_1, provider=KIM.email, id=62)
    decision = run_ids(supervision=(ASSIGNMENT_1, kim), shifts=(kim_shift,))
    assert links(decision, "supervision") == (
        ASSIGNMENT_REF,
        RecordRef("supervision", 52, "supervision by dr.kim@example.org at main"),
        RecordRef(
            "shift",
            62,
            "shift of dr.kim@example.org at main 2026-11-23T16:00:00Z to 2026-11-24T01:00:00Z",
        ),
    )
    assert said(decision, "supervision") == (
        "Needs a supervising provider on site: Dr. Kim or Dr. Lee supervises Ana Ruiz at "
        "Main St, and is on site until 17:00."
    )


# --------------------------------------------------------------------------- policy tie-break

SAME_SCOPE_REFUSAL = replace(POLICY, authorized=False, document="Refusal memo", id=32)


@pytest.mark.parametrize(
    "policies",
    [(POLICY, SAME_SCOPE_REFUSAL), (SAME_SCOPE_REFUSAL, POLICY)],
    ids=["refusal last", "refusal first"],
)
def test_between_two_equally_specific_policies_a_refusal_beats_an_authorization(policies):
    """Same scope, same levels, same start: the refusal decides, in whatever order."""
    decision = run(policies=policies)
    assert said(decision, "employer_policy") == (
        "Refusal memo does not authorize Injection for CMA at Main St."
    )
    assert [r.id for r in links(decision, "employer_policy")] == [32]


NEWER = replace(POLICY, document="Policy v4", effective_from=date(2026, 6, 1), id=33)
OLDER_REFUSAL = replace(
    POLICY, authorized=False, document="Policy v2", effective_from=date(2025, 1, 1), id=34
)
UNDATED_REFUSAL = replace(OLDER_REFUSAL, effective_from=None, id=35)


@pytest.mark.parametrize(
    "policies",
    [
        (OLDER_REFUSAL, NEWER),
        (NEWER, OLDER_REFUSAL),
        (UNDATED_REFUSAL, NEWER),
        (NEWER, UNDATED_REFUSAL),
    ],
    ids=["older first", "newer first", "undated first", "undated last"],
)
def test_between_equally_specific_policies_the_latest_in_effect_decides(policies):
    """A newer authorization replaces an older (or undated) refusal of the same scope."""
    decision = run(policies=policies)
    assert condition(decision, "employer_policy").met
    assert said(decision, "employer_policy") == (
        "Policy v4 authorizes Injection for CMA at Main St."
    )


TWIN = replace(POLICY_1, document="Clinical Task Policy v3 (copy)", id=36)


@pytest.mark.parametrize("policies", [(POLICY_1, TWIN), (TWIN, POLICY_1)])
def test_between_exact_equals_the_first_recorded_decides(policies):
    """Same scope, levels, start and answer: the one given first (the loader gives them in id
    order, so the one recorded first) is cited."""
    first = policies[0]
    decision = run_ids(policies=policies)
    assert said(decision, "employer_policy") == (
        f"{first.document} authorizes Injection for CMA at Main St."
    )
    assert [r.id for r in links(decision, "employer_policy")] == [first.id]


# --------------------------------------------------------------------------- competency order


def test_the_record_closest_to_counting_is_explained_whatever_the_order():
    """Fewest problems wins: the single problem is explained, not the two."""
    two = replace(COMPETENCY, prior_employer=True, validated_by=None)
    one = replace(COMPETENCY, revoked_on=date(2026, 5, 1))
    for records in [(two, one), (one, two)]:
        assert said(run(competencies=records), "competency") == (
            "Ana Ruiz's Injection competency was revoked on 2026-05-01; a provider must "
            "re-validate it."
        )


def test_among_records_with_as_many_problems_the_latest_validated_is_explained():
    """Same number of problems: the record validated last is the one closest to counting."""
    early = replace(COMPETENCY, validated_on=date(2026, 1, 5), validated_by=None)
    late = replace(COMPETENCY, validated_on=date(2026, 3, 1), training_hours=4)
    for records in [(early, late), (late, early)]:
        assert said(run(competencies=records), "competency") == (
            "Ana Ruiz's Injection competency records 4 training hours where California requires "
            "at least 10; record the missing training before it can count."
        )


# --------------------------------------------------------------------------- competency words


@pytest.mark.parametrize(
    "changes, expected",
    [
        (
            {"prior_employer": True, "validated_on": None, "training_hours": None},
            # Said once: "not validated here" already says it is not validated.
            "was documented at a prior employer and has not been validated here and records 0 "
            "training hours where California requires at least 10; a provider or an approved "
            "observer must validate it here.",
        ),
        (
            {"validated_by": None, "training_hours": 2.5},
            "has no validator recorded and records 2.5 training hours where California requires "
            "at least 10; a provider or an approved observer must validate it here.",
        ),
        (
            {"validated_by": ANA, "expires_on": BEFORE},
            "was signed off by the assistant themselves and expired on 2026-11-22; a provider "
            "must re-validate it.",
        ),
        (
            {"validated_by": MANAGER, "validated_on": AFTER},
            "is validated only from 2026-11-24 and was signed off by Mia Manager, who on "
            "2026-11-24 was neither a licensed provider nor an approved observer; a provider or "
            "an approved observer must validate it here.",
        ),
        (
            {"revoked_on": DAY, "training_hours": 1},
            "was revoked on 2026-11-23 and records 1 training hours where California requires at "
            "least 10; a provider must re-validate it.",
        ),
    ],
    ids=["prior employer", "no validator", "self-signed", "not a validator", "revoked"],
)
def test_a_competency_that_does_not_count_says_every_problem_and_the_fix(changes, expected):
    """Every problem of the record is listed, and the fix fits the problems."""
    assert said(run(competencies=comp(**changes)), "competency") == (
        f"Ana Ruiz's Injection competency {expected}"
    )


def test_no_competency_record_says_who_must_sign_it_off():
    assert said(run(competencies=()), "competency") == (
        "Ana Ruiz has no documented Injection competency. A provider or an approved observer "
        "must watch them perform it and sign it off."
    )


# --------------------------------------------------------------------------- supervision


@pytest.mark.parametrize(
    "first",
    [
        replace(ASSIGNMENT, ends_on=BEFORE),
        replace(ASSIGNMENT, starts_on=AFTER),
        replace(ASSIGNMENT, site="north"),
        replace(ASSIGNMENT, provider=TEXAN),
    ],
    ids=["ended", "not yet started", "another site", "not licensed here"],
)
def test_an_assignment_that_does_not_count_does_not_hide_a_current_one_after_it(first):
    """Each assignment is judged on its own: a current one later in the list still covers."""
    current = replace(ASSIGNMENT, provider=KIM)
    decision = run(supervision=(first, current), shifts=(replace(SHIFT, provider=KIM.email),))
    assert condition(decision, "supervision").met
    assert said(decision, "supervision") == (
        "Needs a supervising provider on site: Dr. Kim supervises Ana Ruiz at Main St, and is on "
        "site until 17:00."
    )


def test_no_current_assignment_lists_why_each_one_does_not_count():
    decision = run(
        supervision=(
            replace(ASSIGNMENT, ends_on=BEFORE),
            replace(ASSIGNMENT, provider=KIM, starts_on=AFTER),
            replace(ASSIGNMENT, provider=TEXAN),
            replace(ASSIGNMENT, provider=replace(KIM, active=False)),
            replace(ASSIGNMENT, site="north", provider=MANAGER),
        )
    )
    assert said(decision, "supervision") == (
        "Needs a supervising provider on site: Ana Ruiz has no supervising provider assigned at "
        "Main St on 2026-11-23 (the assignment to Dr. Lee ended on 2026-11-22; the assignment to "
        "Dr. Kim starts on 2026-11-24; Dr. Tex has no California license current on 2026-11-23; "
        "Dr. Kim is deactivated); the manager must assign a licensed provider."
    )


def test_no_assignment_at_all_gives_no_details():
    assert said(run(supervision=()), "supervision") == (
        "Needs a supervising provider on site: Ana Ruiz has no supervising provider assigned at "
        "Main St on 2026-11-23; the manager must assign a licensed provider."
    )


def test_supervisors_off_shift_are_named_at_the_local_moment():
    one = run(shifts=())
    assert said(one, "supervision") == (
        "Needs a supervising provider on site: Dr. Lee is not on shift at Main St at "
        "2026-11-23 10:00; record the provider's shift or wait until they are on site."
    )
    two = run(shifts=(), supervision=(ASSIGNMENT, replace(ASSIGNMENT, provider=KIM)))
    assert said(two, "supervision") == (
        "Needs a supervising provider on site: none of Dr. Kim or Dr. Lee is on shift at Main St "
        "at 2026-11-23 10:00; record the provider's shift or wait until they are on site."
    )


def test_in_the_room_words():
    attested = run(state_rule=rule(supervision=IN_ROOM), in_room=True)
    assert said(attested, "supervision") == (
        "Needs a supervising provider in the room: Dr. Lee supervises Ana Ruiz at Main St, and "
        "is on site until 17:00, in the room (attested)."
    )
    not_attested = run(state_rule=rule(supervision=IN_ROOM))
    assert said(not_attested, "supervision") == (
        "Needs a supervising provider in the room: Injection needs the provider in the room, and "
        "their presence has not been attested."
    )


@pytest.mark.parametrize("in_room", [True, False], ids=["attested", "not attested"])
def test_in_the_room_links_the_assignment_and_the_shift_attested_or_not(in_room):
    """The shift found is linked whether or not the presence in the room is attested."""
    decision = run_ids(state_rule=replace(RULE_1, supervision=IN_ROOM), in_room=in_room)
    assert condition(decision, "supervision").met is in_room
    assert links(decision, "supervision") == (ASSIGNMENT_REF, SHIFT_REF)


def test_a_delegation_by_someone_who_may_not_delegate_says_why_with_the_other_problems():
    decision = run(delegated_by=MANAGER, shifts=())
    assert said(decision, "supervision") == (
        "Needs a supervising provider on site: the delegation is made by Mia Manager, but Mia "
        "Manager is not a provider; delegation is a licensed provider's to make; Dr. Lee is not "
        "on shift at Main St at 2026-11-23 10:00; record the provider's shift or wait until they "
        "are on site."
    )
    deactivated = run(delegated_by=replace(LEE, active=False))
    assert said(deactivated, "supervision") == (
        "Needs a supervising provider on site: the delegation is made by Dr. Lee, but Dr. Lee is "
        "deactivated; delegation is a licensed provider's to make."
    )


def test_a_task_needing_no_supervision_says_so():
    decision = run(task=SCHEDULING, state_rule=None, policies=(), supervision=(), shifts=())
    assert said(decision, "supervision") == "Needs no supervision: Scheduling needs no supervision."
    assert said(decision, "state_law") == (
        "Scheduling is an administrative task; no California rule is needed."
    )


# --------------------------------------------------------------------------- state law and policy


def test_state_law_words():
    assert said(run(), "state_law") == (
        "California permits a medical assistant to perform Injection (16 CCR 1366, 1366.1)."
    )
    assert said(run(state_rule=None), "state_law") == (
        "No California rule is recorded for Injection, so it is not verified. Verify it with the "
        "California medical board and the AAMA state scope resource, then record the rule."
    )
    assert said(run(state_rule=rule(status=RuleStatus.prohibited, citation="")), "state_law") == (
        "California law does not permit a medical assistant to perform Injection. Only a "
        "licensed provider can do it there."
    )


@pytest.mark.parametrize(
    "credentials, detail",
    [
        ((), ""),
        (
            (replace(CMA, type="BLS"), replace(CMA, expires_on=BEFORE)),
            " (their CMA expired on 2026-11-22)",
        ),
        (
            (replace(CMA, type="RMA", issued_on=AFTER), replace(CMA, expires_on=BEFORE)),
            " (their RMA is issued only from 2026-11-24; their CMA expired on 2026-11-22)",
        ),
        # Bad data (issued on the day, expired before it): it is reported as expired.
        ((replace(CMA, issued_on=DAY, expires_on=BEFORE),), " (their CMA expired on 2026-11-22)"),
    ],
    ids=["none held", "another type first", "two lapsed", "issued on the day, expired"],
)
def test_a_missing_credential_says_what_is_held_and_lapsed(credentials, detail):
    """Only credentials of a required type are described; other types are skipped."""
    decision = run(
        assistant=ana_with(*credentials),
        state_rule=rule(requires_credentials=("CMA", "RMA")),
        policies=(policy(requires_credentials=("RMA", "CMA")),),
    )
    assert said(decision, "state_law") == (
        "California requires CMA or RMA for Injection; Ana Ruiz holds no current CMA or RMA"
        f"{detail} on 2026-11-23. Record a current credential to meet it."
    )
    assert said(decision, "employer_policy") == (
        "Clinical Task Policy v3 authorizes Injection only with RMA or CMA; Ana Ruiz holds no "
        f"current RMA or CMA{detail} on 2026-11-23."
    )


def test_employer_policy_words():
    assert said(run(policies=()), "employer_policy") == (
        "No written policy in effect on 2026-11-23 authorizes Injection for CMA at Main St. Ask "
        "the practice manager to add it to the written policy."
    )
    no_level = run(assistant=replace(ANA, job_level=None), policies=(policy(job_levels=()),))
    assert said(no_level, "employer_policy") == (
        "Clinical Task Policy v3 authorizes Injection for their job level at Main St."
    )
    unnamed = run(policies=(policy(document="", authorized=False),))
    assert said(unnamed, "employer_policy") == (
        "The written policy does not authorize Injection for CMA at Main St."
    )


def test_a_policy_not_yet_or_no_longer_in_effect_is_named_in_the_refusal():
    """The hint names the policy that would apply on another day; others are not named."""
    later = policy(effective_from=AFTER, document="")
    ended = policy(effective_to=BEFORE, document="Policy v1")
    other_task = policy(task="venipuncture", effective_from=AFTER, document="Venipuncture")
    other_level = policy(job_levels=("MA I",), effective_to=BEFORE, document="MA I policy")
    assert said(run(policies=(ended, later, other_task, other_level)), "employer_policy") == (
        "No written policy in effect on 2026-11-23 authorizes Injection for CMA at Main St "
        "(a policy takes effect on 2026-11-24). Ask the practice manager to add it to the "
        "written policy."
    )
    assert said(run(policies=(later, ended, other_task, other_level)), "employer_policy") == (
        "No written policy in effect on 2026-11-23 authorizes Injection for CMA at Main St "
        "(Policy v1 ended on 2026-11-22). Ask the practice manager to add it to the written "
        "policy."
    )
    # Policies that would not apply on any day are skipped wherever they stand in the list.
    assert said(run(policies=(other_task, other_level, ended)), "employer_policy") == (
        "No written policy in effect on 2026-11-23 authorizes Injection for CMA at Main St "
        "(Policy v1 ended on 2026-11-22). Ask the practice manager to add it to the written "
        "policy."
    )


def test_this_sites_ended_policy_is_named_and_another_sites_is_not():
    """The hint follows the same scope as the choice: this site's policies, not another's."""
    here = policy(site="main", effective_to=BEFORE, document="Main St addendum")
    elsewhere = policy(site="north", effective_from=AFTER, document="North addendum")
    assert said(run(policies=(elsewhere, here)), "employer_policy") == (
        "No written policy in effect on 2026-11-23 authorizes Injection for CMA at Main St "
        "(Main St addendum ended on 2026-11-22). Ask the practice manager to add it to the "
        "written policy."
    )
    assert said(run(policies=(here, elsewhere)), "employer_policy") == (
        "No written policy in effect on 2026-11-23 authorizes Injection for CMA at Main St "
        "(Main St addendum ended on 2026-11-22). Ask the practice manager to add it to the "
        "written policy."
    )


# --------------------------------------------------------------------------- warnings


def test_every_warning_word_for_word():
    """Stale rule, unverified credential, away from the site, deactivated, not an assistant."""
    oddity = replace(
        ana_with(replace(CMA, verified_on=None)),
        site_codes=frozenset({"north"}),
        active=False,
        role="manager",
    )
    decision = run(
        assistant=oddity,
        state_rule=rule(verified_on=date(2025, 11, 1), requires_credentials=("CMA",)),
        policies=(policy(requires_credentials=("CMA",)),),
    )
    assert decision.warnings == (
        "The California rule for Injection was last verified on 2025-11-01, more than 12 months "
        "ago; re-verify it.",
        "Ana Ruiz's CMA credential has never been verified with its issuer; verify it and record "
        "the date.",
        "Ana Ruiz does not work at Main St (main).",
        "Ana Ruiz's account is deactivated.",
        "Ana Ruiz is not recorded as a medical assistant.",
    )


def test_an_active_assistant_at_the_site_gets_no_warnings():
    assert run().warnings == ()
    assert run(assistant=replace(ANA, role="assistant", active=True)).warnings == ()


def test_a_reserved_task_says_why_word_for_word():
    decision = run(task=DIAGNOSIS)
    assert decision.reason == (
        "Diagnosis is reserved for licensed providers in every state; it is never delegated to "
        "a medical assistant."
    )
    assert decision.required_supervision is None
    assert (decision.assistant, decision.task, decision.site) == ("ana@example.org", "diagnosis",
                                                                  "main")  # fmt: skip


def test_a_rule_for_another_task_or_state_is_ignored():
    """The state rule passed in counts only for this task in the site's state."""
    for other in [rule(task="venipuncture"), rule(state="TX")]:
        found = condition(run(state_rule=other), "state_law")
        assert not found.met
        assert found.records == ()


def test_the_decision_carries_its_inputs_and_the_level_required():
    decision = run()
    assert (decision.assistant, decision.task, decision.site) == (
        "ana@example.org", "injection", "main",
    )  # fmt: skip
    assert decision.required_supervision == ON_SITE
    assert decision.day == DAY
    assert decision.unmet == []


def test_a_state_asking_for_one_training_hour_is_not_met_by_none_recorded():
    """No training hours recorded counts as none, however small the state's minimum."""
    found = condition(
        run(state_rule=rule(min_training_hours=1), competencies=comp(training_hours=None)),
        "competency",
    )
    assert not found.met
    assert found.reason == (
        "Ana Ruiz's Injection competency records 0 training hours where California requires at "
        "least 1; record the missing training before it can count."
    )


def test_a_state_code_with_no_known_name_is_shown_as_written():
    """A site in a state the vocabulary does not name still gets readable words."""
    site = replace(MAIN, state="ZZ")
    decision = run(site=site, state_rule=None, supervision=())
    assert said(decision, "state_law") == (
        "No ZZ rule is recorded for Injection, so it is not verified. Verify it with the ZZ "
        "medical board and the AAMA state scope resource, then record the rule."
    )


def test_presence_in_the_room_is_not_assumed_when_not_said():
    """Called without ``in_room``, a task needing the provider in the room is not met."""
    decision = decide(
        ANA, INJECTION, MAIN, AT_TEN, state_rule=rule(supervision=IN_ROOM), policies=(POLICY,),
        competencies=(COMPETENCY,), supervision=(ASSIGNMENT,), shifts=(SHIFT,),
    )  # fmt: skip
    assert not condition(decision, "supervision").met
    assert "presence has not been attested" in said(decision, "supervision")


def test_a_moment_without_a_time_zone_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="^the moment of a decision must carry a time zone$"):
        run(at=AT_TEN.replace(tzinfo=None))


def test_a_reserved_task_is_dated_on_the_sites_day_too():
    """The prohibited decision carries the site's day like any other (for the log's "as of")."""
    assert run(task=DIAGNOSIS).day == DAY
