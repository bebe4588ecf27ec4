"""Edges of the rule's words and arithmetic that the golden practice does not reach: each
case is the decision's own output, written out in full."""

from __future__ import annotations

from tests.unit.test_rules_golden import comp, condition, rule, run


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
