"""A task that needs a provider's direction (DESIGN section 15), with plain values.

Every case starts from the golden practice (tests/unit/test_rules_golden.py): Ana at Main
St (CA) on 2026-11-23 at 10:00 Los Angeles time, with a state rule, a policy, a competency
and a supervisor for refill transmission, which needs a provider's decision. Each case
gives or takes one protocol or direction and says what the supervision condition says.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.test_rules_golden import (
    AFTER,
    ANA,
    ASSIGNMENT,
    AT,
    BEFORE,
    CA_LICENSE,
    COMPETENCY,
    DAY,
    INJECTION,
    KIM,
    LEE,
    MAIN,
    NORTH,
    POLICY,
    RULE,
    TX_LICENSE,
    condition,
    lee_with,
    run,
)
from tracker.rule.values import (
    DirectionFacts,
    ProblemCode,
    ProtocolFacts,
    TaskFacts,
)
from tracker.vocabulary import SupervisionLevel, TaskKind

REFILL = TaskFacts("refill-transmission", "Refill transmission", TaskKind.clinical, True)
AVAILABLE = SupervisionLevel.available

#: The golden practice's records, for refill transmission with a provider available.
FOR_REFILL = {
    "task": REFILL,
    "state_rule": replace(RULE, task=REFILL.code, supervision=AVAILABLE, min_training_hours=0),
    "policies": (replace(POLICY, task=REFILL.code, supervision=AVAILABLE),),
    "competencies": (replace(COMPETENCY, task=REFILL.code),),
    "supervision": (ASSIGNMENT,),
    "shifts": (),
}

#: Given by Dr. Lee at 09:10 for the rest of the day in Los Angeles.
DIRECTION = DirectionFacts(
    provider=LEE,
    assistant=ANA.email,
    task=REFILL.code,
    site=MAIN.code,
    given_at=datetime(2026, 11, 23, 17, 10, tzinfo=UTC),
    valid_until=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
    reference="REQ-1182",
    id=7,
)
PROTOCOL = ProtocolFacts(
    code="refills",
    title="Refill calls",
    version=3,
    state="approved",
    tasks=frozenset({REFILL.code}),
    sites=frozenset({MAIN.code}),
    approved_by=LEE,
    approved_on=DAY - timedelta(days=100),
    review_by=DAY + timedelta(days=200),
    document="Refill protocol v3",
    id=3,
)
READ_V3 = frozenset({("refills", 3)})


def supervision(**changes):
    return condition(run(**{**FOR_REFILL, **changes}), "supervision")


CASES = [
    # (name, changes, met, words in the reason, codes)
    ("no direction, no protocol", {}, False,
     ["no direction from a provider for this request",
      "ask the provider; do not decide it yourself"], (ProblemCode.no_direction,)),
    ("a direction for Ana covering the moment", {"directions": (DIRECTION,)}, True,
     ["Dr. Lee's direction for this request (REQ-1182", "until 2026-11-24 00:00"], ()),
    ("a direction for another assistant",
     {"directions": (replace(DIRECTION, assistant="ben@example.org"),)}, False,
     ["no direction from a provider"], (ProblemCode.no_direction,)),
    ("a direction for another task",
     {"directions": (replace(DIRECTION, task=INJECTION.code),)}, False,
     ["no direction from a provider"], (ProblemCode.no_direction,)),
    ("a direction at another site",
     {"directions": (replace(DIRECTION, site=NORTH.code),)}, False,
     ["no direction from a provider"], (ProblemCode.no_direction,)),
    ("a direction of the day before",
     {"directions": (replace(DIRECTION, given_at=DIRECTION.given_at - timedelta(days=1),
                             valid_until=DIRECTION.valid_until - timedelta(days=1)),)},
     False, ["no direction from a provider for this request, and no approved protocol"],
     (ProblemCode.no_direction,)),
    ("a direction given later that day",
     {"directions": (replace(DIRECTION, given_at=AT + timedelta(hours=1)),)}, False,
     ["no direction from a provider"], (ProblemCode.no_direction,)),
    ("a direction ending at the moment",
     {"directions": (replace(DIRECTION, valid_until=AT),)}, False,
     ["no direction from a provider"], (ProblemCode.no_direction,)),
    ("a direction from a provider whose license lapsed",
     {"directions": (replace(DIRECTION, provider=lee_with(
         replace(CA_LICENSE, expires_on=BEFORE))),)}, False,
     ["REQ-1182 is from Dr. Lee, but Dr. Lee has no California license current on "
      "2026-11-23", "ask the provider"], (ProblemCode.no_direction,)),
    ("a direction from a provider licensed only in Texas",
     {"directions": (replace(DIRECTION, provider=lee_with(TX_LICENSE)),)}, False,
     ["no California license"], (ProblemCode.no_direction,)),
    ("a direction from someone who is not a provider",
     {"directions": (replace(DIRECTION, provider=replace(ANA, email="x@example.org")),)},
     False, ["is not a provider"], (ProblemCode.no_direction,)),
    ("a lapsed direction next to a good one",
     {"directions": (replace(DIRECTION, valid_until=AT, id=6), DIRECTION)}, True,
     ["REQ-1182"], ()),
    # protocols
    ("an approved, current protocol Ana acknowledged",
     {"protocols": (PROTOCOL,), "acknowledged": READ_V3}, True,
     ["the Refill calls protocol (v3), approved by Dr. Lee and due for review on 2027-06-11",
      "Ana Ruiz acknowledged this version"], ()),
    ("a protocol for every site",
     {"protocols": (replace(PROTOCOL, sites=frozenset()),), "acknowledged": READ_V3}, True,
     ["Refill calls protocol (v3)"], ()),
    ("a protocol for another site only",
     {"protocols": (replace(PROTOCOL, sites=frozenset({NORTH.code})),),
      "acknowledged": READ_V3}, False,
     ["no approved protocol covers it"], (ProblemCode.no_direction,)),
    ("a protocol for another task only",
     {"protocols": (replace(PROTOCOL, tasks=frozenset({INJECTION.code})),),
      "acknowledged": READ_V3}, False,
     ["no approved protocol covers it"], (ProblemCode.no_direction,)),
    ("a protocol Ana never acknowledged", {"protocols": (PROTOCOL,)}, False,
     ["Ana Ruiz has not acknowledged the Refill calls protocol (v3); read and acknowledge it"],
     (ProblemCode.no_direction, ProblemCode.protocol_unacknowledged)),
    ("a protocol acknowledged in an old version only",
     {"protocols": (PROTOCOL,), "acknowledged": frozenset({("refills", 2)})}, False,
     ["acknowledged the Refill calls protocol only in version 2; read and acknowledge "
      "version 3"], (ProblemCode.no_direction, ProblemCode.protocol_unacknowledged)),
    ("a protocol past its review date",
     {"protocols": (replace(PROTOCOL, review_by=BEFORE),), "acknowledged": READ_V3}, False,
     [f"was due for review on {BEFORE}; a provider must review and approve it again"],
     (ProblemCode.no_direction, ProblemCode.protocol_not_current)),
    ("a protocol on its review date", {"protocols": (replace(PROTOCOL, review_by=DAY),),
                                       "acknowledged": READ_V3}, True, [], ()),
    ("a protocol approved out of state",
     {"protocols": (replace(PROTOCOL, approved_by=lee_with(TX_LICENSE)),),
      "acknowledged": READ_V3}, False,
     ["approved by Dr. Lee, but Dr. Lee has no California license current on 2026-11-23; a "
      "provider licensed in California must approve it"],
     (ProblemCode.no_direction, ProblemCode.protocol_not_current)),
    ("a draft protocol",
     {"protocols": (replace(PROTOCOL, state="draft", approved_by=None, approved_on=None),),
      "acknowledged": READ_V3}, False,
     ["is a draft no provider has approved"],
     (ProblemCode.no_direction, ProblemCode.protocol_not_current)),
    ("a protocol approved only from the next day",
     {"protocols": (replace(PROTOCOL, approved_on=AFTER),), "acknowledged": READ_V3}, False,
     [f"is approved only from {AFTER}"],
     (ProblemCode.no_direction, ProblemCode.protocol_not_current)),
    ("a retired protocol Ana acknowledged",
     {"protocols": (replace(PROTOCOL, state="retired"),), "acknowledged": READ_V3}, False,
     ["no approved protocol covers it"], (ProblemCode.no_direction,)),
    ("a draft v4 beside the approved v3 Ana read",
     {"protocols": (replace(PROTOCOL, version=4, state="draft", id=4), PROTOCOL),
      "acknowledged": READ_V3}, True, ["(v3)"], ()),
    ("a direction when the protocol is past review",
     {"protocols": (replace(PROTOCOL, review_by=BEFORE),), "acknowledged": READ_V3,
      "directions": (DIRECTION,)}, True, ["REQ-1182"], ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "met", "words", "codes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_task_that_needs_a_direction(changes, met, words, codes):
    found = supervision(**changes)
    assert found.met is met, found.reason
    for text in words:
        assert text in found.reason
    assert found.codes[: len(codes)] == codes
    if not met:
        # The words never invite the assistant to decide.
        assert "ask the provider; do not decide it yourself" in found.reason


def test_the_supervisor_is_still_needed_with_a_direction():
    found = supervision(supervision=(), directions=(DIRECTION,))
    assert not found.met
    assert ProblemCode.no_supervisor in found.codes
    assert ProblemCode.no_direction not in found.codes


def test_the_whole_decision_is_clear_with_a_direction_and_flagged_without():
    assert run(**FOR_REFILL, directions=(DIRECTION,)).status == "clear"
    flagged = run(**FOR_REFILL)
    assert flagged.status == "flagged"
    assert [c.condition for c in flagged.unmet] == ["supervision"]


def test_the_direction_or_protocol_used_is_the_evidence():
    assert (
        supervision(directions=(DIRECTION,))
        .evidence[-1]
        .startswith("direction REQ-1182 from dr.lee@example.org")
    )
    by_protocol = supervision(protocols=(PROTOCOL,), acknowledged=READ_V3)
    assert by_protocol.records[-1].kind == "protocol"
    assert by_protocol.records[-1].id == 3


def test_a_task_that_needs_no_direction_ignores_protocols_and_directions():
    plain = replace(REFILL, needs_direction=False)
    assert supervision(task=plain).met
    assert supervision(task=plain, directions=(replace(DIRECTION, valid_until=AT),)).met


def test_a_direction_from_another_licensed_provider_counts():
    assert supervision(directions=(replace(DIRECTION, provider=KIM),)).met
