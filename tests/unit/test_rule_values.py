"""What the rule makes, alone (``tracker.rule.values``): a condition given its words or told
how to work them out, compared, hashed and shown; an expiry that says whether a policy set
it. No decision needed."""

from __future__ import annotations

from datetime import date

from tracker.rule.values import Condition, Expiry, ExpiryCause, ProblemCode, RecordRef

RULE_REF = RecordRef("state_rule", 11, "CA rule for injection")


def test_a_condition_given_no_words_has_none():
    bare = Condition("state_law", True)
    assert (bare.condition, bare.met, bare.reason, bare.records, bare.codes) == (
        "state_law", True, "", (), ()
    )  # fmt: skip
    assert bare.evidence == []
    assert bare.to_json() == {"condition": "state_law", "met": True, "reason": "", "evidence": []}


def test_words_given_now_and_words_worked_out_later_are_the_same_condition():
    now = Condition("state_law", False, "No rule.", (RULE_REF,), (ProblemCode.no_state_rule,))
    said = []

    def words():
        said.append(1)
        return "No rule.", (RULE_REF,)

    later = Condition.later("state_law", False, (ProblemCode.no_state_rule,), words)
    assert said == []  # nothing worked out until read
    assert later.codes == (ProblemCode.no_state_rule,)
    assert later.records == (RULE_REF,)
    assert later.reason == "No rule."
    assert later.evidence == ["CA rule for injection"]
    assert said == [1]  # once, whichever is read first and however often
    assert later == now and now == later
    assert hash(later) == hash(now)
    assert (
        later.to_json()
        == now.to_json()
        == {
            "condition": "state_law",
            "met": False,
            "reason": "No rule.",
            "evidence": ["CA rule for injection"],
        }
    )


def test_the_reason_read_first_works_out_the_records_too():
    later = Condition.later("competency", True, (), lambda: ("Counts.", (RULE_REF,)))
    assert later.reason == "Counts."
    assert later.records == (RULE_REF,)


def test_conditions_differing_in_anything_differ():
    base = Condition("state_law", True, "Yes.", (RULE_REF,), ())
    assert base == Condition("state_law", True, "Yes.", (RULE_REF,), ())
    for other in (
        Condition("employer_policy", True, "Yes.", (RULE_REF,), ()),
        Condition("state_law", False, "Yes.", (RULE_REF,), ()),
        Condition("state_law", True, "No.", (RULE_REF,), ()),
        Condition("state_law", True, "Yes.", (), ()),
        Condition("state_law", True, "Yes.", (RULE_REF,), (ProblemCode.no_state_rule,)),
    ):
        assert base != other
    assert base != "Yes."
    assert (base == "Yes.") is False
    assert base.__eq__("Yes.") is NotImplemented


def test_a_condition_is_shown_with_its_words():
    later = Condition.later("state_law", False, (ProblemCode.no_state_rule,),
                            lambda: ("No rule.", ()))  # fmt: skip
    assert repr(later) == (
        "Condition(condition='state_law', met=False, reason='No rule.', records=(), "
        "codes=(<ProblemCode.no_state_rule: 'no_state_rule'>,))"
    )


def test_an_expiry_says_whether_a_policy_set_it():
    assert Expiry(date(2027, 1, 1), ExpiryCause.policy, site="main").from_policy is True
    assert Expiry(date(2027, 1, 1), ExpiryCause.own, site="main").from_policy is False
    assert Expiry(date(2027, 1, 1), ExpiryCause.revoked).from_policy is False
    assert Expiry().from_policy is False
