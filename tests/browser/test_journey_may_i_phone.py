"""On a phone (390 px) an MA asks "May I?" and, told no, logs the request in one tap."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tracker.vocabulary import Role

ANA = "ana@valley.example.org"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def practice(seed):
    seed.practice(
        {
            "practice": {"name": "Valley Family Medicine"},
            "sites": [{"code": "main", "name": "Main St", "state": "CA",
                       "timezone": "America/Los_Angeles"}],
        }
    )  # fmt: skip
    seed.person(ANA, Role.assistant, name="Ana Ruiz", sites=["main"], job_level="CMA")


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize(
    ("task", "answer"),
    [
        ("Diagnosis", "No. Diagnosis is never a medical assistant's to do."),
        ("Injection", "Not yet."),
    ],
)
def test_an_answer_on_a_phone_leads_to_the_prefilled_declined_request(
    new_page, practice, sign_in, task, answer
):
    page = new_page(**PHONE)
    sign_in(page, ANA)
    page.goto("/may-i")
    page.get_by_label("Task").select_option(label=task)
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text(answer)).to_be_visible()
    if task != "Diagnosis":  # a reserved task is never an assistant's, whatever the time
        moment = re.compile(r"for \d{4}-\d\d-\d\d \d\d:\d\d P[SD]T at Main St")
        expect(page.get_by_text(moment)).to_be_visible()
    assert fits(page)
    page.get_by_role("link", name="Log a declined request").click()
    page.wait_for_url("**/incidents/new?**")
    chosen = page.get_by_label("The task", exact=True).locator("option:checked")
    expect(chosen).to_have_text(
        task if task != "Diagnosis" else "Diagnosis (reserved for providers)"
    )
    expect(page.get_by_label("Where").locator("option:checked")).to_have_text("Main St (CA)")
    assert fits(page)
