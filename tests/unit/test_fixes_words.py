"""How a decision's reasons and steps read for an assistant and for a manager."""

from __future__ import annotations

from types import SimpleNamespace

from tracker.decision.fixes import ma_steps, reason_for
from tracker.domain import Role

ASSISTANT = SimpleNamespace(role=Role.assistant)
MANAGER = SimpleNamespace(role=Role.manager)
NO_RULE = {
    "condition": "state_law",
    "met": False,
    "reason": "No California rule is recorded for Venipuncture, so it is not verified. Verify "
    "it with the California medical board and the AAMA state scope resource, then record the "
    "rule.",
}
OFF_SHIFT = {
    "condition": "supervision",
    "met": False,
    "reason": "Needs a supervising provider on site: Dr. Lee is not on shift at Main St at "
    "2026-07-01 20:00; record the provider's shift or wait until they are on site.",
}


def test_an_assistant_is_not_told_to_verify_state_law():
    words = reason_for(NO_RULE, ASSISTANT)
    assert "not confirmed that a medical assistant may do it there" in words
    assert "medical board" not in words
    assert reason_for(NO_RULE, MANAGER) == NO_RULE["reason"]


def test_a_local_time_gets_the_sites_abbreviation_and_the_assistant_no_record_keeping():
    assert "at 2026-07-01 20:00 PDT;" in reason_for(OFF_SHIFT, MANAGER, "America/Los_Angeles")
    assert "record the provider's shift" in reason_for(OFF_SHIFT, MANAGER)
    words = reason_for(OFF_SHIFT, ASSISTANT, "America/Chicago")
    assert "at 2026-07-01 20:00 CDT; wait until they are on site." in words


def test_the_assistants_steps_fit_what_is_unmet():
    result = {
        "status": "flagged",
        "conditions": [
            {"condition": "state_law", "met": True, "reason": ""},
            {"condition": "employer_policy", "met": True, "reason": ""},
            {"condition": "competency", "met": False, "reason": "… expired on 2026-01-01; …"},
            OFF_SHIFT,
        ],
    }
    steps = ma_steps(result)
    assert len(steps) == 2
    assert "re-validate" in steps[0]
    assert steps[1].startswith("Ask your supervising provider")
    assert not any("state" in step for step in steps)
