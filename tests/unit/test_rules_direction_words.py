"""A task that needs a provider's direction (DESIGN section 15), word for word.

``test_rules_directions.py`` checks each case's outcome and a few words; these cases pin the
whole reason of the supervision condition and the record behind each evidence line, and the
order in which directions and protocols are tried: a record that does not count never hides
one after it that does, and when none counts the protocol closest to counting is explained
(fewest problems, then the latest version). Same practice: Ana at Main St (CA) on
2026-11-23 at 10:00 Los Angeles time, refill transmission with Dr. Lee supervising. Every
expected value is written out, never computed with the rule's own helpers.
"""

from __future__ import annotations

from dataclasses import replace

from tests.unit.test_rules_directions import (
    DIRECTION,
    FOR_REFILL,
    PROTOCOL,
    READ_V3,
    supervision,
)
from tests.unit.test_rules_golden import (
    AFTER,
    ANA,
    AT,
    BEFORE,
    CA_LICENSE,
    DAY,
    INJECTION,
    LEE,
    MAIN,
    NORTH,
    TEXAN,
    lee_with,
    run,
)
from tracker.rule.rules import protocol_problems
from tracker.rule.values import ProblemCode, RecordRef

NEEDS = "Needs a supervising provider available: Dr. Lee supervises Ana Ruiz at Main St"
ASK = "ask the provider; do not decide it yourself"
DIRECTION_REF = RecordRef(
    "direction",
    7,
    "direction REQ-1182 from dr.lee@example.org, 2026-11-23T17:10:00Z to 2026-11-24T08:00:00Z",
)
ASSIGNMENT_LABEL = "supervision by dr.lee@example.org at main"
MET_BY_DIRECTION = (
    f"{NEEDS}; Dr. Lee's direction for this request (REQ-1182, given 2026-11-23 09:10) covers "
    "it until 2026-11-24 00:00."
)
MET_BY_PROTOCOL = (
    f"{NEEDS}; the Refill calls protocol (v3), approved by Dr. Lee and due for review on "
    "2027-06-11, covers it, and Ana Ruiz acknowledged this version."
)
PROTOCOL_REF = RecordRef(
    "protocol", 3, "protocol refills v3, approved 2026-08-15 by dr.lee@example.org, review by "
    "2027-06-11"
)  # fmt: skip
#: A direction whose provider's California license lapsed the day before.
LAPSED = replace(
    DIRECTION,
    provider=lee_with(replace(CA_LICENSE, expires_on=BEFORE)),
    reference="REQ-1",
    id=1,
)
LAPSED_WORDS = "REQ-1 is from Dr. Lee, but Dr. Lee has no California license current on 2026-11-23"


# --------------------------------------------------------------------------- directions


def test_a_direction_is_named_with_its_local_times_and_linked():
    found = supervision(directions=(DIRECTION,))
    assert found.met
    assert found.codes == ()
    assert found.reason == MET_BY_DIRECTION
    assert found.records[-1] == DIRECTION_REF
    assert found.evidence == [ASSIGNMENT_LABEL, DIRECTION_REF.label]


def test_no_direction_and_no_protocol_word_for_word():
    found = supervision()
    assert not found.met
    assert found.codes == (ProblemCode.no_direction,)
    assert found.reason == (
        "Needs a supervising provider available: no direction from a provider for this "
        f"request, and no approved protocol covers it: {ASK}."
    )
    assert found.evidence == [ASSIGNMENT_LABEL]


def test_every_direction_that_does_not_count_is_named():
    texan = replace(DIRECTION, provider=TEXAN, reference="REQ-2", id=2)
    found = supervision(directions=(LAPSED, texan))
    assert not found.met
    assert found.codes == (ProblemCode.no_direction,)
    assert found.reason == (
        "Needs a supervising provider available: no direction from a provider for this "
        f"request (a direction was recorded, but {LAPSED_WORDS}; REQ-2 is from Dr. Tex, but "
        "Dr. Tex has no California license current on 2026-11-23), and no approved protocol "
        f"covers it: {ASK}."
    )
    assert found.evidence == [ASSIGNMENT_LABEL]


def test_a_direction_given_at_the_very_moment_counts():
    found = supervision(directions=(replace(DIRECTION, given_at=AT),))
    assert found.met, found.reason
    assert "(REQ-1182, given 2026-11-23 10:00)" in found.reason


def test_a_direction_from_an_unlicensed_provider_does_not_hide_a_good_one_after_it():
    found = supervision(directions=(LAPSED, DIRECTION))
    assert found.met, found.reason
    assert found.reason == MET_BY_DIRECTION
    assert found.records[-1] == DIRECTION_REF


def test_a_direction_for_someone_or_something_else_does_not_hide_a_good_one_after_it():
    for other in (
        replace(DIRECTION, assistant="ben@example.org", id=1),
        replace(DIRECTION, task=INJECTION.code, id=1),
        replace(DIRECTION, site=NORTH.code, id=1),
    ):
        found = supervision(directions=(other, DIRECTION))
        assert found.met, (other, found.reason)
        assert found.records[-1] == DIRECTION_REF


def test_a_direction_that_does_not_count_is_named_beside_the_closest_protocol():
    v4 = replace(PROTOCOL, version=4, id=4)
    found = supervision(directions=(LAPSED,), protocols=(v4,), acknowledged=READ_V3)
    assert found.codes == (ProblemCode.no_direction, ProblemCode.protocol_unacknowledged)
    assert found.reason == (
        "Needs a supervising provider available: no direction from a provider for this "
        f"request (a direction was recorded, but {LAPSED_WORDS}): {ASK}; Ana Ruiz acknowledged "
        "the Refill calls protocol only in version 3; read and acknowledge version 4."
    )
    assert found.records[-1] == RecordRef(
        "protocol", 4, "protocol refills v4, approved 2026-08-15 by dr.lee@example.org, "
        "review by 2027-06-11"
    )  # fmt: skip


# --------------------------------------------------------------------------- protocols


def test_a_protocol_is_named_with_its_approver_and_review_date_and_linked():
    found = supervision(protocols=(PROTOCOL,), acknowledged=READ_V3)
    assert found.met
    assert found.reason == MET_BY_PROTOCOL
    assert found.records[-1] == PROTOCOL_REF
    assert found.evidence == [ASSIGNMENT_LABEL, PROTOCOL_REF.label]


def test_a_protocol_that_does_not_cover_it_here_does_not_hide_a_good_one_after_it():
    for other in (
        replace(PROTOCOL, state="retired", id=1),
        replace(PROTOCOL, tasks=frozenset({INJECTION.code}), id=1),
        replace(PROTOCOL, sites=frozenset({NORTH.code}), id=1),
    ):
        found = supervision(protocols=(other, PROTOCOL), acknowledged=READ_V3)
        assert found.met, (other, found.reason)
        assert found.reason == MET_BY_PROTOCOL
        assert found.records[-1] == PROTOCOL_REF


def test_a_protocol_for_this_site_among_others_covers_it():
    here = replace(PROTOCOL, sites=frozenset({NORTH.code, MAIN.code}))
    assert supervision(protocols=(here,), acknowledged=READ_V3).met


def test_a_protocol_covering_several_tasks_covers_each():
    both = replace(PROTOCOL, tasks=frozenset({INJECTION.code, FOR_REFILL["task"].code}))
    assert supervision(protocols=(both,), acknowledged=READ_V3).met


def test_a_protocol_with_problems_does_not_hide_a_good_one_after_it():
    past_review = replace(PROTOCOL, version=2, review_by=BEFORE, id=2)
    found = supervision(protocols=(past_review, PROTOCOL), acknowledged=READ_V3)
    assert found.met
    assert found.reason == MET_BY_PROTOCOL


def test_the_protocol_with_the_fewest_problems_is_explained_whatever_the_order():
    # v4: a draft Ana never read (two problems); v3: read but past its review (one).
    draft = replace(PROTOCOL, version=4, state="draft", id=4)
    past_review = replace(PROTOCOL, review_by=BEFORE)
    for protocols in ((draft, past_review), (past_review, draft)):
        found = supervision(protocols=protocols, acknowledged=READ_V3)
        assert found.codes == (ProblemCode.no_direction, ProblemCode.protocol_not_current)
        assert found.reason == (
            "Needs a supervising provider available: no direction from a provider for this "
            f"request: {ASK}; the Refill calls protocol (v3) was due for review on {BEFORE}; a "
            "provider must review and approve it again."
        )
        assert found.records[-1].id == 3


def test_among_protocols_with_as_many_problems_the_latest_version_is_explained():
    # Neither read: one problem each.
    v2 = replace(PROTOCOL, version=2, id=2)
    for protocols in ((v2, PROTOCOL), (PROTOCOL, v2)):
        found = supervision(protocols=protocols)
        assert found.codes == (ProblemCode.no_direction, ProblemCode.protocol_unacknowledged)
        assert found.reason.endswith(
            f"{ASK}; Ana Ruiz has not acknowledged the Refill calls protocol (v3); read and "
            "acknowledge it."
        )
        assert found.records[-1] == PROTOCOL_REF


def test_among_protocols_alike_in_problems_and_version_the_first_given_is_explained():
    # Two protocols in version 3 covering refills, neither read: one problem each.
    other = replace(PROTOCOL, code="refills-peds", title="Pediatric refills", id=9)
    for first, then in ((PROTOCOL, other), (other, PROTOCOL)):
        found = supervision(protocols=(first, then))
        assert found.codes == (ProblemCode.no_direction, ProblemCode.protocol_unacknowledged)
        assert found.records[-1].id == first.id
        assert f"has not acknowledged the {first.title} protocol (v3)" in found.reason


def test_a_protocol_with_no_approver_is_linked_without_one():
    found = supervision(protocols=(replace(PROTOCOL, approved_by=None),), acknowledged=READ_V3)
    assert found.records[-1] == RecordRef(
        "protocol", 3, "protocol refills v3, approved 2026-08-15, review by 2027-06-11"
    )


# --------------------------------------------------------------------------- protocol problems


def problems(protocol=PROTOCOL, acknowledged=READ_V3, day=DAY):
    return protocol_problems(protocol, ANA, MAIN, day, acknowledged)


def test_an_approved_current_acknowledged_protocol_has_no_problem():
    assert problems() == []


def test_a_protocol_approved_on_the_day_counts_from_that_day():
    assert problems(replace(PROTOCOL, approved_on=DAY)) == []
    assert problems(replace(PROTOCOL, approved_on=AFTER)) == [
        (ProblemCode.protocol_not_current,
         f"the Refill calls protocol (v3) is approved only from {AFTER}"),
    ]  # fmt: skip


def test_a_protocol_with_no_approval_or_review_date_is_not_held_to_one():
    assert problems(replace(PROTOCOL, approved_on=None, review_by=None)) == []


def test_a_protocol_is_a_draft_unless_approved_and_by_someone():
    draft = [(ProblemCode.protocol_not_current,
              "the Refill calls protocol (v3) is a draft no provider has approved")]  # fmt: skip
    # Marked approved, but no approver recorded; an approver named on a draft.
    assert problems(replace(PROTOCOL, approved_by=None)) == draft
    assert problems(replace(PROTOCOL, state="draft")) == draft


def test_every_problem_of_a_protocol_is_said_in_order():
    lapsed_lee = lee_with(replace(CA_LICENSE, expires_on=BEFORE))
    late = replace(PROTOCOL, approved_on=AFTER, review_by=BEFORE, approved_by=lapsed_lee)
    assert problems(late, acknowledged=frozenset()) == [
        (ProblemCode.protocol_not_current,
         f"the Refill calls protocol (v3) is approved only from {AFTER}"),
        (ProblemCode.protocol_not_current,
         f"the Refill calls protocol (v3) was due for review on {BEFORE}; a provider must "
         "review and approve it again"),
        (ProblemCode.protocol_not_current,
         "the Refill calls protocol (v3) was approved by Dr. Lee, but Dr. Lee has no "
         "California license current on 2026-11-23; a provider licensed in California must "
         "approve it"),
        (ProblemCode.protocol_unacknowledged,
         "Ana Ruiz has not acknowledged the Refill calls protocol (v3); read and acknowledge it"),
    ]  # fmt: skip


def test_the_latest_older_version_read_is_named():
    read = frozenset({("refills", 1), ("refills", 2)})
    assert problems(acknowledged=read) == [
        (ProblemCode.protocol_unacknowledged,
         "Ana Ruiz acknowledged the Refill calls protocol only in version 2; read and "
         "acknowledge version 3"),
    ]  # fmt: skip


def test_reading_another_protocol_or_a_later_version_is_not_reading_this_one():
    unread = [(ProblemCode.protocol_unacknowledged,
               "Ana Ruiz has not acknowledged the Refill calls protocol (v3); read and "
               "acknowledge it")]  # fmt: skip
    assert problems(acknowledged=frozenset({("vitals", 2)})) == unread
    assert problems(acknowledged=frozenset({("refills", 4)})) == unread
    assert problems(acknowledged=frozenset({("vitals", 3)})) == unread


def test_the_whole_decision_rests_on_the_direction():
    decision = run(**FOR_REFILL, directions=(DIRECTION,))
    assert decision.status == "clear"
    assert decision.conditions[3].records[-1] == DIRECTION_REF
    assert LEE.name in decision.conditions[3].reason
