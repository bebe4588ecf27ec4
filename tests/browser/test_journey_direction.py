"""A provider gives a direction for one refill request; the assistant's "May I?" then says
yes and names it (DESIGN section 15). Before it, the answer says to ask the provider."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

ANA, LEE = "ana@valley.example.org", "dr.lee@valley.example.org"
REFILL = "refill-transmission"


@pytest.fixture
def practice(seed):
    seed.practice(
        {
            "practice": {"name": "Valley Family Medicine"},
            "sites": [{"code": "main", "name": "Main St", "state": "CA",
                       "timezone": "America/Los_Angeles"}],
            "people": [
                {"email": ANA, "name": "Ana Ruiz", "role": "assistant", "job_level": "CMA",
                 "sites": ["main"]},
                {"email": LEE, "name": "Dr. Jordan Lee", "role": "provider", "sites": ["main"],
                 "can_validate": True},
            ],
            "licenses": [{"person": LEE, "type": "MD", "number": "A1", "state": "CA",
                          "expires_on": "2199-12-31"}],
            "state_rules": [{"state": "CA", "task": REFILL, "status": "permitted",
                             "requires_credentials": [], "min_training_hours": 0,
                             "supervision": "available", "citation": "16 CCR 1366",
                             "verified_on": None}],
            "policies": [{"task": REFILL, "job_levels": [], "site": None, "authorized": True,
                          "requires_credentials": [], "supervision": "available",
                          "competency_valid_months": None, "document": "Phone policy v1",
                          "effective_from": "2024-01-01", "effective_to": None}],
            "competencies": [{"person": ANA, "task": REFILL, "trained_on": "2024-02-01",
                              "training_hours": 2, "validated_on": "2024-02-10",
                              "validated_by": LEE, "expires_on": None,
                              "prior_employer": False, "revoked_on": None,
                              "evidence": "Phone checklist"}],
            "supervision": [{"assistant": ANA, "provider": LEE, "site": "main",
                             "starts_on": "2024-01-01", "ends_on": None}],
        }
    )  # fmt: skip
    seed.password(ANA)
    seed.password(LEE)


def ask_about_refills(page):
    page.goto("/may-i")
    page.get_by_label("Task").select_option(label="Refill transmission")
    page.get_by_role("button", name="Check").click()


def test_a_providers_direction_makes_the_assistants_answer_clear_and_names_it(
    page, practice, sign_in, sign_out
):
    sign_in(page, ANA)
    ask_about_refills(page)
    expect(page.get_by_text("Not yet.")).to_be_visible()
    expect(page.get_by_text("ask the provider; do not decide it yourself").first).to_be_visible()
    sign_out(page)

    sign_in(page, LEE)
    page.goto("/directions")
    page.get_by_role("link", name="Give a direction").click()
    page.get_by_label("Medical assistant").select_option(label="Ana Ruiz")
    page.get_by_label("Task").select_option(label="Refill transmission")
    page.get_by_label("Site").select_option(label="Main St")
    page.get_by_label("Reference of the request").fill("RX-REQ-77")
    page.get_by_role("button", name="Give this direction").click()
    expect(page.get_by_text("Your direction RX-REQ-77 for Ana Ruiz")).to_be_visible()
    expect(page.get_by_role("cell", name="RX-REQ-77")).to_be_visible()
    sign_out(page)

    sign_in(page, ANA)
    ask_about_refills(page)
    expect(page.get_by_text("Yes.", exact=True)).to_be_visible()
    expect(
        page.get_by_text("Dr. Jordan Lee's direction for this request (RX-REQ-77")
    ).to_be_visible()
    page.goto("/directions")
    expect(page.get_by_role("heading", name="My directions today")).to_be_visible()
    expect(page.get_by_role("cell", name="RX-REQ-77")).to_be_visible()
