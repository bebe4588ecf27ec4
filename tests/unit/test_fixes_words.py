"""How a decision's reasons and steps read for an assistant and for a manager."""

from __future__ import annotations

from types import SimpleNamespace

from tracker.decision.fixes import ma_steps, reason_for
from tracker.vocabulary import Role

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


def test_a_clear_answer_warns_of_what_expires_within_30_days():
    from datetime import date

    from tracker.decision.fixes import Context, expiring_soon

    ctx = Context(
        assistant=SimpleNamespace(name="Ana"),
        task=SimpleNamespace(name="Injection"),
        site=SimpleNamespace(timezone="America/Los_Angeles"),
        day=date(2026, 12, 1),
    )

    def clear(competency_until: str, credential_expires: str) -> dict:
        label = (
            f"competency for injection: validated 2025-12-26 by x, current until {competency_until}"
        )
        return {
            "status": "clear",
            "conditions": [
                {"condition": "state_law", "met": True, "reason": "", "records": [
                    {"kind": "credential", "id": 3,
                     "label": f"credential CMA #123, expires {credential_expires}"}]},
                {"condition": "competency", "met": True, "reason": "", "records": [
                    {"kind": "competency", "id": 1, "label": label}]},
            ],
        }  # fmt: skip

    words = expiring_soon(clear("2026-12-26", "2026-12-31"), ctx)
    assert words == [
        "The CMA credential expires on 2026-12-31, in 30 days: renew it and give the practice "
        "the new one.",
        "The Injection competency expires on 2026-12-26, in 25 days: ask for it to be "
        "re-validated before then.",
    ]
    assert expiring_soon(clear("2027-01-01", "2029-01-01"), ctx) == []
    assert expiring_soon({**clear("2026-12-26", "2026-12-31"), "status": "flagged"}, ctx) == []


PERMIT_MISSING = {
    "condition": "state_law",
    "met": False,
    "reason": "California requires XRAY-PERMIT for X-ray; Ana holds no current XRAY-PERMIT on "
    "2026-11-23. Record a current credential to meet it.",
    "codes": ["state_credential_missing"],
}


def test_an_assistant_lacking_a_permit_is_told_so_and_to_ask_the_manager():
    result = {"status": "flagged", "conditions": [PERMIT_MISSING]}
    (step,) = ma_steps(result)
    assert "credential" in step and "practice manager to record it" in step
    assert "not confirmed" not in step
    words = reason_for(PERMIT_MISSING, ASSISTANT)
    assert "Record a current credential" not in words
    assert "ask the practice manager to record it" in words
    assert reason_for(PERMIT_MISSING, MANAGER) == PERMIT_MISSING["reason"]


def test_each_state_problem_gets_its_own_step():
    def step_for(codes):
        condition = {"condition": "state_law", "met": False, "reason": "…", "codes": codes}
        return ma_steps({"status": "flagged", "conditions": [condition]})[0]

    assert "not confirmed" in step_for(["no_state_rule"])
    assert "only a licensed provider" in step_for(["not_permitted"])
    assert "credential" in step_for(["state_credential_missing"])
