"""The bulk path (``decide_many``) on chosen practices, beside the property test of
``test_rules_bulk.py``: cases the random practices reach only by luck (a task that needs a
provider's decision met by a protocol, in the room; a deactivated assistant beside an active
one of the same job level; credentials named by a refused rule or policy), each cell the
single decision word for word, and what cells share worked out once (DESIGN section 17).

The golden practice: Ana at Main St (CA) on 2026-11-23 at 10:00 Los Angeles time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tests.unit.test_rules_directions import DIRECTION, PROTOCOL, READ_V3, REFILL
from tests.unit.test_rules_golden import (
    AFTER,
    ANA,
    ASSIGNMENT,
    AT,
    BEFORE,
    CMA,
    COMPETENCY,
    INJECTION,
    MAIN,
    POLICY,
    RULE,
    SCHEDULING,
    SHIFT,
)
from tracker.rule.rules import decide, decide_many
from tracker.rule.values import ProblemCode
from tracker.vocabulary import RuleStatus, SupervisionLevel

BEN = replace(ANA, email="ben@example.org", name="Ben Carter", credentials=())
GONE = replace(ANA, email="cy@example.org", name="Cy Gone", active=False, deactivated_on=BEFORE)


def both(assistants, tasks, *, rules=(), policies=(), competencies=(), supervision=(ASSIGNMENT,),
         shifts=(SHIFT,), protocols=(), acknowledged=frozenset(), directions=()):  # fmt: skip
    """The bulk cells, after checking each is the single decision word for word."""
    by_task = {}
    for policy in policies:
        by_task.setdefault(policy.task, []).append(policy)
    cells = decide_many(
        assistants, tasks, MAIN, AT,
        state_rules={r.task: r for r in rules},
        policies={code: tuple(items) for code, items in by_task.items()},
        competencies=lambda person, code: competencies,
        supervision=lambda person: supervision,
        shifts=shifts,
        protocols={p_task: protocols for p_task in {t for p in protocols for t in p.tasks}},
        acknowledged=lambda person: acknowledged,
        directions=lambda person, code: tuple(
            d for d in directions if d.assistant == person.email and d.task == code
        ),
    )  # fmt: skip
    assert len(cells) == len(assistants) * len(tasks)
    for person in assistants:
        for task in tasks:
            single = decide(
                person, task, MAIN, AT,
                state_rule=next((r for r in rules if r.task == task.code), None),
                policies=tuple(by_task.get(task.code, ())),
                competencies=competencies, supervision=supervision, shifts=shifts,
                protocols=protocols, acknowledged=acknowledged, directions=directions,
            )  # fmt: skip
            bulk = cells[(person.email, task.code)]
            assert bulk == single, (person.email, task.code)
            assert bulk.to_json() == single.to_json()
            assert [c.codes for c in bulk.conditions] == [c.codes for c in single.conditions]
    return cells


REFILL_RULE = replace(RULE, task=REFILL.code, supervision=SupervisionLevel.available,
                      min_training_hours=0)  # fmt: skip
REFILL_POLICY = replace(POLICY, task=REFILL.code, supervision=SupervisionLevel.available)
REFILL_COMPETENCY = replace(COMPETENCY, task=REFILL.code)


def test_a_protocol_acknowledged_meets_a_task_that_needs_a_provider_decision_in_bulk():
    cells = both([ANA], [REFILL], rules=(REFILL_RULE,), policies=(REFILL_POLICY,),
                 competencies=(REFILL_COMPETENCY,), protocols=(PROTOCOL,),
                 acknowledged=READ_V3)  # fmt: skip
    decision = cells[(ANA.email, REFILL.code)]
    assert decision.status == "clear"
    assert decision.conditions[3].records[-1].kind == "protocol"
    assert "the Refill calls protocol (v3)" in decision.conditions[3].reason


def test_a_protocol_not_acknowledged_is_explained_in_bulk():
    cells = both([ANA], [REFILL], rules=(REFILL_RULE,), policies=(REFILL_POLICY,),
                 competencies=(REFILL_COMPETENCY,), protocols=(PROTOCOL,))  # fmt: skip
    supervised = cells[(ANA.email, REFILL.code)].conditions[3]
    assert supervised.codes == (ProblemCode.no_direction, ProblemCode.protocol_unacknowledged)


def test_with_no_protocols_or_acknowledgements_given_the_bulk_path_finds_none():
    cells = decide_many(
        [ANA], [REFILL], MAIN, AT, state_rules={REFILL.code: REFILL_RULE},
        policies={REFILL.code: (REFILL_POLICY,)},
        competencies=lambda person, code: (REFILL_COMPETENCY,),
        supervision=lambda person: (ASSIGNMENT,),
    )  # fmt: skip
    single = decide(ANA, REFILL, MAIN, AT, state_rule=REFILL_RULE, policies=(REFILL_POLICY,),
                    competencies=(REFILL_COMPETENCY,), supervision=(ASSIGNMENT,))  # fmt: skip
    assert cells[(ANA.email, REFILL.code)] == single
    assert single.conditions[3].codes == (ProblemCode.no_direction,)


def test_a_provider_decision_in_the_room_is_not_attested_in_bulk():
    in_room = SupervisionLevel.in_room
    cells = both([ANA], [REFILL], rules=(replace(REFILL_RULE, supervision=in_room),),
                 policies=(REFILL_POLICY,), competencies=(REFILL_COMPETENCY,),
                 directions=(DIRECTION,))  # fmt: skip
    supervised = cells[(ANA.email, REFILL.code)].conditions[3]
    assert supervised.codes == (ProblemCode.not_in_room,)
    assert "Refill transmission needs the provider in the room" in supervised.reason


def test_a_deactivated_assistant_beside_an_active_one_of_the_same_level():
    cells = both([ANA, GONE], [INJECTION], rules=(RULE,), policies=(POLICY,),
                 competencies=(COMPETENCY,))  # fmt: skip
    assert cells[(ANA.email, INJECTION.code)].status == "clear"
    gone = cells[(GONE.email, INJECTION.code)]
    assert gone.status == "flagged"
    assert gone.conditions[1].codes == (ProblemCode.no_longer_works_here,)
    assert gone.conditions[1].reason.startswith(f"Cy Gone no longer works here since {BEFORE}")
    assert "Cy Gone's account is deactivated." in gone.warnings
    # And the other way round: the first one met decides nothing for the next.
    both([GONE, ANA], [INJECTION], rules=(RULE,), policies=(POLICY,), competencies=(COMPETENCY,))


def test_credentials_a_rule_or_policy_names_are_each_assistants_own():
    named = (replace(RULE, requires_credentials=("CMA",)),)
    unverified = replace(ANA, email="dee@example.org", name="Dee",
                         credentials=(replace(CMA, verified_on=None),))  # fmt: skip
    for rules, policies in (
        (named, (POLICY,)),
        ((RULE,), (replace(POLICY, requires_credentials=("CMA",)),)),
    ):
        cells = both([ANA, BEN, unverified], [INJECTION], rules=rules, policies=policies,
                     competencies=(COMPETENCY,))  # fmt: skip
        assert cells[(ANA.email, INJECTION.code)].status == "clear"
        assert cells[(BEN.email, INJECTION.code)].status == "flagged"
        assert cells[(ANA.email, INJECTION.code)].warnings == ()
        assert cells[(unverified.email, INJECTION.code)].warnings == (
            "Dee's CMA credential has never been verified with its issuer; verify it and "
            "record the date.",
        )


def test_refused_rules_and_policies_naming_a_credential_are_shared():
    """A refusal names no one's credential: the condition is worked out once per task (the
    state law) and once per job level (the policy), and every cell shows the same."""
    refused_rule = replace(RULE, status=RuleStatus.prohibited, requires_credentials=("CMA",))
    refused_policy = replace(POLICY, authorized=False, requires_credentials=("CMA",))
    cells = both([ANA, BEN], [INJECTION], rules=(refused_rule,), policies=(refused_policy,),
                 competencies=(COMPETENCY,))  # fmt: skip
    ana, ben = cells[(ANA.email, INJECTION.code)], cells[(BEN.email, INJECTION.code)]
    assert ana.conditions[0].codes == (ProblemCode.not_permitted,)
    assert ana.conditions[1].codes == (ProblemCode.not_authorized,)
    assert ana.conditions[0] is ben.conditions[0]
    assert ana.conditions[1] is ben.conditions[1]


def test_conditions_without_a_credential_are_shared_and_with_one_are_not():
    cells = both([ANA, BEN], [INJECTION, SCHEDULING], rules=(RULE,), policies=(POLICY,),
                 competencies=(COMPETENCY,))  # fmt: skip
    ana, ben = cells[(ANA.email, INJECTION.code)], cells[(BEN.email, INJECTION.code)]
    assert ana.conditions[0] is ben.conditions[0]
    assert ana.conditions[1] is ben.conditions[1]
    named = (replace(RULE, requires_credentials=("CMA",)),)
    cells = both([ANA, BEN], [INJECTION], rules=named, policies=(POLICY,),
                 competencies=(COMPETENCY,))  # fmt: skip
    ana, ben = cells[(ANA.email, INJECTION.code)], cells[(BEN.email, INJECTION.code)]
    assert ana.conditions[0].met and not ben.conditions[0].met


def test_a_moment_without_a_time_zone_is_refused_in_bulk_with_a_reason():
    with pytest.raises(ValueError, match="^the moment of a decision must carry a time zone$"):
        decide_many([ANA], [INJECTION], MAIN, AT.replace(tzinfo=None), state_rules={},
                    policies={}, competencies=lambda person, code: (),
                    supervision=lambda person: ())  # fmt: skip


def test_an_assistant_deactivated_after_the_day_still_works_here_in_bulk():
    leaving = replace(GONE, deactivated_on=AFTER)
    cells = both([leaving], [INJECTION], rules=(RULE,), policies=(POLICY,),
                 competencies=(COMPETENCY,))  # fmt: skip
    assert cells[(leaving.email, INJECTION.code)].status == "clear"
    assert cells[(leaving.email, INJECTION.code)].warnings == ()


def test_a_stale_rule_warns_every_assistant_in_bulk():
    """The state-law condition is shared per task, and so is its warning: each cell has it."""
    stale = replace(RULE, verified_on=date(2020, 1, 1))
    cells = both([ANA, BEN], [INJECTION], rules=(stale,), policies=(POLICY,),
                 competencies=(COMPETENCY,))  # fmt: skip
    warning = (
        "The California rule for Injection was last verified on 2020-01-01, more than 12 "
        "months ago; re-verify it."
    )
    assert cells[(ANA.email, INJECTION.code)].warnings == (warning,)
    assert cells[(BEN.email, INJECTION.code)].warnings == (warning,)


def test_each_assistants_own_acknowledgements_count_in_bulk():
    """Ana read version 3 of the protocol, Ben did not: the protocol covers Ana only."""
    read = {ANA.email: READ_V3, BEN.email: frozenset()}
    cells = decide_many(
        [ANA, BEN], [REFILL], MAIN, AT, state_rules={REFILL.code: REFILL_RULE},
        policies={REFILL.code: (REFILL_POLICY,)},
        competencies=lambda person, code: (REFILL_COMPETENCY,),
        supervision=lambda person: (ASSIGNMENT,),
        protocols={REFILL.code: (PROTOCOL,)},
        acknowledged=lambda person: read[person.email],
    )  # fmt: skip
    for person in (ANA, BEN):
        single = decide(person, REFILL, MAIN, AT, state_rule=REFILL_RULE,
                        policies=(REFILL_POLICY,), competencies=(REFILL_COMPETENCY,),
                        supervision=(ASSIGNMENT,), protocols=(PROTOCOL,),
                        acknowledged=read[person.email])  # fmt: skip
        assert cells[(person.email, REFILL.code)] == single
    assert cells[(ANA.email, REFILL.code)].status == "clear"
    assert cells[(BEN.email, REFILL.code)].conditions[3].codes == (
        ProblemCode.no_direction, ProblemCode.protocol_unacknowledged
    )  # fmt: skip


def test_supervision_is_worked_out_once_per_assistant_and_level():
    """Two tasks needing a provider on site: one supervision condition for both (its words
    name no task); a task needing none has its own."""
    iv = replace(INJECTION, code="iv", name="IV therapy")
    cells = both([ANA], [INJECTION, iv, SCHEDULING],
                 rules=(RULE, replace(RULE, task="iv")), policies=(POLICY,),
                 competencies=(COMPETENCY,))  # fmt: skip
    injection, other = cells[(ANA.email, INJECTION.code)], cells[(ANA.email, iv.code)]
    assert injection.conditions[3].met
    assert injection.conditions[3] is other.conditions[3]
    assert cells[(ANA.email, SCHEDULING.code)].conditions[3] is not injection.conditions[3]


def test_a_policy_turn_before_the_expiry_is_reckoned_in_bulk_as_in_one_decision():
    """The policy in effect changes between the day and the competency's own expiry (the
    practice-wide one ends; a stricter one for the site starts): the bulk path reckons the
    expiry with every policy that applies to the job level at the site, whatever its dates,
    as ``decide`` does, so the record counts until the day before the stricter one."""
    ending = replace(POLICY, effective_to=date(2026, 12, 31))
    stricter = replace(POLICY, site="main", competency_valid_months=6,
                       effective_from=date(2027, 1, 1), effective_to=None,
                       document="Clinical Task Policy v4")  # fmt: skip
    elsewhere = replace(stricter, site="north", competency_valid_months=1)
    cells = both([ANA], [INJECTION], rules=(RULE,), policies=(ending, stricter, elsewhere),
                 competencies=(COMPETENCY,))  # fmt: skip
    competency = cells[(ANA.email, INJECTION.code)].conditions[2]
    assert competency.met
    assert "current until 2026-12-31" in competency.reason


def test_training_hours_short_of_the_rule_are_read_in_bulk():
    """The state rule's minimum training hours reach each assistant's competency in bulk."""
    short = replace(COMPETENCY, training_hours=4)
    cells = both([ANA], [INJECTION], rules=(RULE,), policies=(POLICY,), competencies=(short,))
    competency = cells[(ANA.email, INJECTION.code)].conditions[2]
    assert competency.codes == (ProblemCode.training_short,)


def test_each_task_needing_no_supervision_says_so_in_its_own_words_in_bulk():
    """Needing no supervision is worked out once per task and shared by its cells, never
    between two tasks: the words name the task."""
    billing = replace(SCHEDULING, code="billing", name="Billing")
    cells = both([ANA, BEN], [SCHEDULING, billing])
    scheduling = cells[(ANA.email, SCHEDULING.code)].conditions[3]
    assert "Scheduling needs no supervision" in scheduling.reason
    assert "Billing needs no supervision" in cells[(ANA.email, billing.code)].conditions[3].reason
    assert cells[(BEN.email, SCHEDULING.code)].conditions[3] is scheduling


def test_what_names_no_credential_is_shared_beside_what_names_one():
    """The rule asks for a credential and the policy does not, then the other way round:
    the condition that names no one's credential is still worked out once for all."""
    named_rule = replace(RULE, requires_credentials=("CMA",))
    named_policy = replace(POLICY, requires_credentials=("CMA",))
    for rules, policies, shared in (((named_rule,), (POLICY,), 1),
                                    ((RULE,), (named_policy,), 0)):  # fmt: skip
        cells = both([ANA, BEN], [INJECTION], rules=rules, policies=policies,
                     competencies=(COMPETENCY,))  # fmt: skip
        ana, ben = cells[(ANA.email, INJECTION.code)], cells[(BEN.email, INJECTION.code)]
        assert ana.conditions[shared] is ben.conditions[shared]
        assert ana.conditions[1 - shared] is not ben.conditions[1 - shared]
