"""A manager's fixes in a real browser: each fix link is prefilled with what the decision
knows and comes back where it came from; the assistant's steps fit what is unmet; the
manager downloads the incidents."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

MANAGER = "manager@valley.example.org"
ANA = "ana@valley.example.org"
BEN = "ben@valley.example.org"
DR_LEE = "dr.lee@valley.example.org"
ZONE = ZoneInfo("America/Los_Angeles")
PERMIT = "XRAY-PERMIT"


def practice_file(today: date) -> dict:
    """Main St (CA): injection and x-ray ruled and authorized for CMAs, both assistants
    signed off, supervised by Dr. Lee, on site tomorrow 08:00-17:00. X-ray needs a permit
    neither assistant has on record."""

    def d(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    shift_start = datetime.combine(today + timedelta(days=1), time(8), ZONE)
    rule = {
        "state": "CA",
        "status": "permitted",
        "min_training_hours": 2,
        "supervision": "on_site",
        "citation": "16 CCR 1366",
        "verified_on": d(-30),
    }
    policy = {
        "job_levels": ["CMA"],
        "site": None,
        "authorized": True,
        "requires_credentials": [],
        "supervision": "on_site",
        "competency_valid_months": 12,
        "document": "Clinical Task Policy v3",
        "effective_from": d(-365),
        "effective_to": None,
    }
    return {
        "practice": {"name": "Valley Family Medicine"},
        "sites": [{"code": "main", "name": "Main St", "state": "CA",
                   "timezone": "America/Los_Angeles"}],
        "people": [
            {"email": MANAGER, "name": "Mia Manager", "role": "manager", "sites": ["main"]},
            {"email": DR_LEE, "name": "Dr. Jordan Lee", "role": "provider", "sites": ["main"],
             "can_validate": True},
            {"email": ANA, "name": "Ana Ruiz", "role": "assistant", "job_level": "CMA",
             "sites": ["main"]},
            {"email": BEN, "name": "Ben Carter", "role": "assistant", "job_level": "CMA",
             "sites": ["main"]},
        ],
        "licenses": [{"person": DR_LEE, "type": "MD", "number": "CA-A12345", "state": "CA",
                      "expires_on": d(400)}],
        "state_rules": [
            {**rule, "task": "injection", "requires_credentials": []},
            {**rule, "task": "xray", "requires_credentials": [PERMIT]},
        ],
        "policies": [{**policy, "task": "injection"}, {**policy, "task": "xray"}],
        "competencies": [
            {"person": who, "task": task, "trained_on": d(-40), "training_hours": 12,
             "validated_on": d(-30), "validated_by": DR_LEE, "expires_on": d(300)}
            for who in (ANA, BEN) for task in ("injection", "xray")
        ],
        "supervision": [
            {"assistant": a, "provider": DR_LEE, "site": "main", "starts_on": d(-365)}
            for a in (ANA, BEN)
        ],
        "shifts": [{"provider": DR_LEE, "site": "main", "starts_at": shift_start.isoformat(),
                    "ends_at": (shift_start + timedelta(hours=9)).isoformat()}],
    }  # fmt: skip


@pytest.fixture
def valley(seed):
    today = datetime.now(ZONE).date()
    seed.practice(practice_file(today))
    for email in (MANAGER, BEN):
        seed.password(email)
    ids = {email: seed.person_id(email) for email in (MANAGER, ANA, BEN, DR_LEE)}
    return {"ids": ids, "tomorrow": today + timedelta(days=1)}


def path_of(url: str) -> str:
    parts = urlparse(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_a_shift_fix_from_an_evening_delegation_comes_back_clear(page, valley, sign_in):
    ids, tomorrow = valley["ids"], valley["tomorrow"].isoformat()
    sign_in(page, MANAGER)

    # Ana's injection tomorrow at 18:30, after Dr. Lee's shift ends at 17:00: flagged.
    page.goto("/delegations/new")
    form = page.locator("main form")
    form.locator("[name=assistant_id]").select_option(str(ids[ANA]))
    form.locator("[name=task_code]").select_option("injection")
    form.locator("[name=site_code]").select_option("main")
    form.locator("[name=scheduled_for]").fill(f"{tomorrow}T18:30")
    form.locator("[name=delegated_by_id]").select_option(str(ids[DR_LEE]))
    form.get_by_role("button", name="Record delegation").click()
    expect(page).to_have_url(re.compile(r"/delegations/\d+$"))
    delegation = path_of(page.url)
    recorded = page.get_by_role("region", name="Decision when recorded")
    expect(recorded).to_contain_text("Flagged")
    expect(recorded).to_contain_text("not on shift")

    # The fix offers a shift around 18:30 (not the day's 08:00-17:00), for Dr. Lee.
    recorded.get_by_role("link", name="Add the provider's shift").click()
    expect(page.get_by_role("heading", name="Add a shift")).to_be_visible()
    shift = page.locator("main form")
    expect(shift.locator("[name=provider]")).to_have_value(str(ids[DR_LEE]))
    expect(shift.locator("[name=starts_at]")).to_have_value(f"{tomorrow}T18:00")
    expect(shift.locator("[name=ends_at]")).to_have_value(f"{tomorrow}T20:00")
    shift.get_by_role("button", name="Save").click()

    # Saved, and back at the delegation, re-checked: now clear.
    expect(page).to_have_url(re.compile(re.escape(delegation) + "$"))
    expect(page.get_by_text("the standing changed from flagged to clear")).to_be_visible()
    standing = page.locator("dt", has_text="Standing").locator("xpath=following-sibling::dd[1]")
    expect(standing).to_contain_text("Clear")
    expect(page.get_by_role("region", name="Re-check 1 (standing changed)")).to_contain_text(
        "Clear"
    )


def test_the_finders_fix_records_the_permit_and_comes_back(page, valley, sign_in):
    tomorrow = valley["tomorrow"].isoformat()
    sign_in(page, MANAGER)
    page.goto(f"/eligible?task=xray&site=main&at={tomorrow}T10:00")
    finder = path_of(page.url)
    ana = page.get_by_role("row").filter(has_text="Ana Ruiz")
    expect(ana).to_contain_text("Flagged")
    expect(ana).to_contain_text(f"holds no current {PERMIT}")

    # The fix names the permit, and the form comes filled with its type.
    ana.get_by_role("link", name=f"Record Ana Ruiz's {PERMIT}").click()
    expect(page.get_by_role("heading", name="Add a credential for Ana Ruiz")).to_be_visible()
    credential = page.locator("main form")
    expect(credential.locator("[name=type]")).to_have_value(PERMIT)
    credential.locator("[name=number]").fill("XR-778")
    credential.locator("[name=issued_on]").fill("2025-01-15")
    credential.get_by_role("button", name="Save").click()

    # Back at the same question, where Ana is now clear.
    expect(page).to_have_url(re.compile(re.escape(finder) + "$"))
    expect(page.get_by_text("The credential was added to Ana Ruiz's record.")).to_be_visible()
    ana = page.get_by_role("row").filter(has_text="Ana Ruiz")
    expect(ana).to_contain_text("Clear")
    expect(page.get_by_role("row").filter(has_text="Ben Carter")).to_contain_text("Flagged")


def test_the_assistant_is_told_she_lacks_the_permit(page, valley, sign_in):
    tomorrow = valley["tomorrow"].isoformat()
    sign_in(page, BEN)
    page.goto("/may-i")
    form = page.locator("main form")
    form.locator("[name=task_code]").select_option("xray")
    form.locator("[name=at]").fill(f"{tomorrow}T10:00")
    form.get_by_role("button", name="Check").click()

    expect(page.get_by_text("Not yet.")).to_be_visible()
    steps = page.get_by_role("region", name="What you can do")
    expect(steps).to_contain_text("requires a credential")
    expect(steps).to_contain_text("practice manager to record it")
    expect(steps).not_to_contain_text("not confirmed")
    answers = page.get_by_role("region", name="The four answers")
    expect(answers).to_contain_text(f"holds no current {PERMIT}")
    expect(answers).to_contain_text("ask the practice manager to record it")
    expect(page.locator("main")).not_to_contain_text("Record a current credential")
    # No fix link is shown to her: they are the manager's.
    expect(answers.get_by_role("link", name=re.compile("Record"))).to_have_count(0)


def test_the_manager_downloads_the_incidents_from_the_dashboard(page, valley, sign_in):
    sign_in(page, MANAGER)
    page.goto("/reports/")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Declined-task incidents (CSV)").click()
    download = caught.value
    assert download.suggested_filename == "incidents.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        header = next(csv.reader(io.StringIO(handle.read())))
    assert header[:3] == ["id", "occurred_at", "logged_at"]


def test_the_matrix_shows_whole_task_names(page, valley, sign_in):
    sign_in(page, MANAGER)
    page.goto("/matrix?site=main")
    header = page.locator("thead th.task > span", has_text="Instrument sterilization")
    expect(header).to_be_visible()
    # Nothing of the name is hidden: the box holds all of its text.
    cut = header.evaluate(
        "el => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1"
    )
    assert not cut
    box = header.bounding_box()
    assert box["height"] > 120  # the whole name, turned, is taller than 11rem was allowed
