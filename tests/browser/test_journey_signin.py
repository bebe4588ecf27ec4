"""Signing in, the staff list and training files, in a real browser."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tracker import dates

#: The first site's zone: the demo's and the sample practice's "today" is kept there.
SITE_ZONE = "America/Los_Angeles"

MANAGER = "manager@valley.example.org"
ANA = "ana@valley.example.org"  # assistant at Main St (CA)
BEN = "ben@valley.example.org"  # assistant at North (TX)
CARA = "cara@valley.example.org"  # assistant at Main St
DR_LEE = "dr.lee@valley.example.org"


def practice_file(today: date) -> dict:
    """Two sites; Ben's file holds one competency of each status the page shows."""

    def d(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    def competency(person, task, validated, **extra):
        return {
            "person": person, "task": task, "trained_on": d(validated - 7),
            "training_hours": 12, "validated_on": d(validated), "validated_by": DR_LEE,
            "evidence": "Skills checklist observed", **extra,
        }  # fmt: skip

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
            {"email": DR_LEE, "name": "Dr. Jordan Lee", "role": "provider",
             "sites": ["main", "north"], "can_validate": True},
            {"email": ANA, "name": "Ana Ruiz", "role": "assistant", "job_level": "CMA",
             "sites": ["main"]},
            {"email": BEN, "name": "Ben Carter", "role": "assistant", "job_level": "MA I",
             "sites": ["north"]},
            {"email": CARA, "name": "Cara Diaz", "role": "assistant", "job_level": "MA II",
             "sites": ["main"]},
        ],
        "licenses": [
            {"person": DR_LEE, "type": "MD", "number": "CA-1", "state": "CA",
             "expires_on": d(400)},
            {"person": DR_LEE, "type": "MD", "number": "TX-1", "state": "TX",
             "expires_on": d(400)},
        ],
        "competencies": [
            competency(ANA, "vital-signs", -30),
            competency(BEN, "vital-signs", -30, expires_on=d(300)),
            competency(BEN, "injection", -400, expires_on=d(-35)),
            competency(BEN, "room-prep", -200, revoked_on=d(-5)),
            competency(BEN, "venipuncture", -10, expires_on=d(20)),
            {"person": BEN, "task": "ear-lavage", "trained_on": d(-900),
             "training_hours": 8, "prior_employer": True,
             "evidence": "Certificate from previous employer"},
        ],
        "supervision": [
            {"assistant": BEN, "provider": DR_LEE, "site": "north", "starts_on": d(-365)},
        ],
    }  # fmt: skip


@pytest.fixture
def valley(seed):
    """The practice imported, with passwords for the people who sign in."""
    seed.practice(practice_file(dates.today(SITE_ZONE)))
    return {email: seed.password(email) for email in (MANAGER, ANA, BEN)}


def competency_row(page, task_name: str):
    section = page.get_by_role("region", name="Competencies")
    return section.get_by_role("row").filter(has=page.get_by_role("cell", name=task_name))


def test_manager_filters_staff_and_reads_a_training_file(page, valley, sign_in, open_menu):
    sign_in(page, MANAGER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Valley Family Medicine")

    open_menu(page, "People", "Staff")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    people = page.get_by_role("table").get_by_role("row")
    expect(people).to_have_count(1 + 5)  # the header, then everyone
    expect(page.get_by_text("5 people.")).to_be_visible()

    page.get_by_label("Site").select_option(label="North (TX)")
    page.get_by_label("Role").select_option(label="Medical assistant")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"site=north"))
    expect(page).to_have_url(re.compile(r"role=assistant"))
    # The filters stay chosen, and only North's assistant is listed.
    expect(page.get_by_label("Site")).to_have_value("north")
    expect(page.get_by_label("Role")).to_have_value("assistant")
    expect(people).to_have_count(1 + 1)
    expect(page.get_by_role("link", name="Ben Carter")).to_be_visible()
    for elsewhere in ("Ana Ruiz", "Cara Diaz", "Dr. Jordan Lee", "Mia Manager"):
        expect(page.get_by_role("link", name=elsewhere)).to_have_count(0)

    # Main St's assistants are two; the site filter really changes the list.
    page.get_by_label("Site").select_option("main")
    page.get_by_role("button", name="Filter").click()
    expect(people).to_have_count(1 + 2)
    expect(page.get_by_role("link", name="Ana Ruiz")).to_be_visible()
    expect(page.get_by_role("link", name="Cara Diaz")).to_be_visible()
    expect(page.get_by_role("link", name="Ben Carter")).to_have_count(0)

    page.get_by_label("Site").select_option("north")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Ben Carter").click()
    expect(page).to_have_url(re.compile(rf"/staff/{valley[BEN]}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ben Carter")
    expect(page.get_by_text("North (TX)")).to_be_visible()

    expected = {
        "Vital signs": "current",
        "Injection": "expired",
        "Room preparation": "revoked",
        "Venipuncture": "expiring",
        "Ear lavage": "prior employer",
    }
    for task_name, status in expected.items():
        row = competency_row(page, task_name)
        expect(row).to_have_count(1)
        expect(row.locator(".badge")).to_have_text(status)
    expiry = (dates.today(SITE_ZONE) - timedelta(days=35)).isoformat()
    expect(competency_row(page, "Injection")).to_contain_text(expiry)


def test_assistant_on_a_tablet_sees_only_their_own_file(new_page, valley, sign_in, sign_out):
    page = new_page(viewport={"width": 820, "height": 1180}, is_mobile=True, has_touch=True)
    sign_in(page, ANA)
    expect(page.get_by_role("heading", name="Hello, Ana Ruiz")).to_be_visible()
    # Assistants have no staff list in the menu.
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Staff", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Open my training file").click()
    expect(page).to_have_url(re.compile(rf"/staff/{valley[ANA]}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana Ruiz")
    expect(competency_row(page, "Vital signs").locator(".badge")).to_have_text("current")

    # Another assistant's file is "not found", not "forbidden": it does not say it exists.
    response = page.goto(f"/staff/{valley[BEN]}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("There is nothing here, or it is not yours to see.")).to_be_visible()
    expect(page.get_by_text("Ben Carter")).to_have_count(0)
    page.get_by_role("link", name="Go to the home page").click()
    expect(page.get_by_role("heading", name="Hello, Ana Ruiz")).to_be_visible()

    # The staff list is not theirs to open either.
    response = page.goto("/staff/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()

    sign_out(page)
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(f"/staff/{valley[ANA]}")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_assistant_signs_out_from_the_collapsed_menu_on_a_phone(
    phone_page, valley, sign_in, sign_out
):
    sign_in(phone_page, ANA)
    # At 390 px the navbar is collapsed: "Sign out" shows only once the menu is opened.
    expect(phone_page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(phone_page.get_by_role("button", name="Toggle navigation")).to_be_visible()
    sign_out(phone_page)
    expect(phone_page.get_by_text("You are signed out.")).to_be_visible()
    phone_page.goto("/")
    expect(phone_page).to_have_url(re.compile(r"/login"))


def test_a_wrong_password_keeps_the_person_out(page, valley):
    page.goto("/login")
    page.get_by_label("Email").fill(MANAGER)
    page.get_by_label("Password").fill("not-the-password-at-all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Email or password is not right.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/login"))
