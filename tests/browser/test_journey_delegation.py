"""A manager records a delegation in a real browser; an expired competency flags it."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tracker.dates import add_months

MANAGER = "manager@valley.example.org"
ANA = "ana@valley.example.org"  # her injection competency has expired
BEN = "ben@valley.example.org"  # everything in place
DR_LEE = "dr.lee@valley.example.org"
ZONE = ZoneInfo("America/Los_Angeles")


def practice_file(today: date) -> dict:
    """Main St (CA): state rule, policy, supervision and tomorrow's shift are all in place."""

    def d(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    tomorrow = today + timedelta(days=1)
    shift_start = datetime.combine(tomorrow, time(8), ZONE)
    return {
        "practice": {"name": "Valley Family Medicine"},
        "sites": [
            {"code": "main", "name": "Main St", "state": "CA",
             "timezone": "America/Los_Angeles"},
            {"code": "north", "name": "North", "state": "TX", "timezone": "America/Chicago"},
        ],
        "people": [
            {"email": MANAGER, "name": "Mia Manager", "role": "manager",
             "sites": ["main", "north"]},
            {"email": DR_LEE, "name": "Dr. Jordan Lee", "role": "provider", "sites": ["main"],
             "can_validate": True},
            {"email": ANA, "name": "Ana Ruiz", "role": "assistant", "job_level": "CMA",
             "sites": ["main"]},
            {"email": BEN, "name": "Ben Carter", "role": "assistant", "job_level": "CMA",
             "sites": ["main"]},
        ],
        "licenses": [{"person": DR_LEE, "type": "MD", "number": "CA-A12345", "state": "CA",
                      "expires_on": d(400)}],
        "state_rules": [{"state": "CA", "task": "injection", "status": "permitted",
                         "requires_credentials": [], "min_training_hours": 10,
                         "supervision": "on_site", "citation": "16 CCR 1366, 1366.1",
                         "verified_on": d(-60)}],
        "policies": [{"task": "injection", "job_levels": ["CMA"], "site": None,
                      "authorized": True, "requires_credentials": [],
                      "supervision": "on_site", "competency_valid_months": 12,
                      "document": "Clinical Task Policy v3", "effective_from": d(-365),
                      "effective_to": None}],
        "competencies": [
            {"person": ANA, "task": "injection", "trained_on": d(-420), "training_hours": 12,
             "validated_on": d(-400), "validated_by": DR_LEE, "expires_on": d(-30),
             "evidence": "Skills checklist #44"},
            {"person": BEN, "task": "injection", "trained_on": d(-40), "training_hours": 12,
             "validated_on": d(-30), "validated_by": DR_LEE, "expires_on": d(300),
             "evidence": "Skills checklist #45"},
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
    """The practice imported; returns people's ids and the delegation's moment."""
    today = datetime.now(ZONE).date()
    seed.practice(practice_file(today))
    seed.password(MANAGER)
    ids = {email: seed.person_id(email) for email in (MANAGER, ANA, BEN, DR_LEE)}
    return {"ids": ids, "today": today, "tomorrow": today + timedelta(days=1)}


def record_delegation(page, ids, email, when, in_room=False, notes=""):
    """Fill /delegations/new by field name (the form's contract) and submit it."""
    page.goto("/delegations/new")
    expect(page.get_by_role("heading", name="Record a delegation")).to_be_visible()
    form = page.locator("main form")
    form.locator("[name=assistant_id]").select_option(str(ids[email]))
    form.locator("[name=task_code]").select_option("injection")
    form.locator("[name=site_code]").select_option("main")
    form.locator("input[type=datetime-local][name=scheduled_for]").fill(when)
    form.locator("[name=delegated_by_id]").select_option(str(ids[DR_LEE]))
    in_room_box = form.locator("input[type=checkbox][name=in_room]")
    if in_room:
        in_room_box.check()
    else:
        in_room_box.uncheck()
    form.locator("textarea[name=notes]").fill(notes)
    form.get_by_role("button", name="Record delegation").click()


def test_manager_records_a_delegation_flagged_for_an_expired_competency(page, valley, sign_in):
    ids, today, tomorrow = valley["ids"], valley["today"], valley["tomorrow"]
    sign_in(page, MANAGER)

    # Without a moment the form comes back with the message next to the field, saving nothing.
    record_delegation(page, ids, ANA, "")
    expect(page).to_have_url(re.compile(r"/delegations/new$"))
    expect(page.get_by_text("Give a date and time")).to_be_visible()

    when = f"{tomorrow.isoformat()}T10:30"
    record_delegation(page, ids, ANA, when, in_room=True, notes="Flu shot, room 3")
    expect(page).to_have_url(re.compile(r"/delegations/\d+$"))
    delegation_url = page.url
    delegation_path = re.search(r"/delegations/\d+$", delegation_url).group(0)

    expect(page.get_by_role("heading", level=1)).to_have_text("Injection · Ana Ruiz")
    # The notes are shown with the delegation (the history panel below repeats them).
    expect(page.locator("dd", has_text="Flu shot, room 3")).to_be_visible()
    # The moment on the site's clock, here and in the history (no UTC).
    expect(page.locator("dd", has_text=f"{tomorrow.isoformat()} 10:30")).to_be_visible()
    expect(page.get_by_text(f"Scheduled for: {tomorrow.isoformat()} 10:30")).to_be_visible()
    expect(page.get_by_text("attested", exact=True)).to_be_visible()

    decision = page.get_by_role("region", name="Decision when recorded")
    expect(decision).to_contain_text("Flagged")
    # Only the competency is unmet, and its reason names the day it expired.
    unmet = decision.get_by_role("listitem").filter(has_text="not met")
    expect(unmet).to_have_count(1)
    expect(unmet).to_contain_text("Competency")
    # The earliest of its own date (30 days ago) and its validation plus the policy's 12
    # months (DESIGN section 13): validated 400 days ago, so the policy's date comes first.
    expired_on = min(today - timedelta(days=30), add_months(today - timedelta(days=400), 12))
    expect(unmet).to_contain_text(f"expired on {expired_on.isoformat()}")
    for met in ("State law", "Employer policy", "Supervision"):
        item = decision.get_by_role("listitem").filter(has_text=met)
        expect(item.first).not_to_contain_text("not met")

    # A delegation with everything in place is clear, and listed after the flagged one.
    record_delegation(page, ids, BEN, f"{tomorrow.isoformat()}T09:00")
    expect(page.get_by_role("region", name="Decision when recorded")).to_contain_text("Clear")

    page.get_by_role("link", name="Home", exact=True).click()
    listed = page.get_by_role("region", name="Upcoming delegations, flagged first")
    rows = listed.get_by_role("row").filter(has_text="Injection")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Ana Ruiz")
    expect(rows.nth(0)).to_contain_text("Flagged")
    expect(rows.nth(1)).to_contain_text("Ben Carter")
    expect(rows.nth(1)).to_contain_text("Clear")

    rows.nth(0).get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(delegation_path) + "$"))
    expect(page.get_by_role("region", name="Decision when recorded")).to_contain_text("Flagged")
