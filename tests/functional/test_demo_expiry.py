"""The demo practice's competencies read the same everywhere (DESIGN section 13, issue 22).

Ben Carter's injection competency (validated 500 days before the demo's today, under a
12-month policy that took effect later) and Diego Santos's x-ray competency (a 12-month
policy at Main Street only; he also works at Austin, where no x-ray policy applies) were
"current, no expiry" on the pages, the training file and the expiring list while the
decision said "expired" or gave a date. Each demo competency is checked here on every
surface against the training file's dates, and the decision at each site against them.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tracker.dates import add_months
from tracker.delegations.models import Delegation
from tracker.extensions import db
from tracker.staff.models import Person

#: Friday 2026-11-20, 09:00 in Los Angeles: the demo's today is 2026-11-20.
NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
BEN_INJECTION = add_months(TODAY - timedelta(days=500), 12)  # 2026-07-08
DIEGO_XRAY = add_months(TODAY - timedelta(days=120), 12)  # 2027-07-23, at Main Street only
MAIN, AUSTIN = "Main Street Clinic", "Austin North"
DEMO_PASSWORD = "demo-password-2026"


@pytest.fixture
def demo(app):
    import time_machine

    from tracker.demo import seed_demo

    with time_machine.travel(NOW, tick=False) as clock:
        with app.app_context():
            seed_demo()
            db.session.commit()
        yield clock


@pytest.fixture
def manager(client, demo):
    def sign_in():
        client.post("/logout")
        answer = client.post(
            "/login", data={"email": "manager@demo.clinic", "password": DEMO_PASSWORD}
        )
        assert answer.status_code == 302

    sign_in()
    return sign_in


@pytest.fixture
def token(app, demo):
    from tracker.api.tokens import create_token
    from tracker.audit.services import CLI

    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == "manager@demo.clinic"))
        value, _ = create_token(person, "expiry", ["read", "decide"], None, CLI)
        db.session.commit()
    return {"Authorization": f"Bearer {value}"}


def person_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Person.id).where(Person.email == email))


def training_file(client, token, email: str) -> dict:
    answer = client.get(f"/api/v1/people/{email}/training-file", headers=token)
    assert answer.status_code == 200
    return answer.get_json()


def competency(file: dict, task: str) -> dict:
    [found] = [c for c in file["competencies"] if c["task"] == task]
    return found


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def row_linking(page: str, href: str) -> str:
    """The text of the table row holding a link to ``href``."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        if f'href="{href}"' in row:
            return text_of(row)
    raise AssertionError(f"no row links to {href}")


def expected_words(entry: dict, sites: dict[str, str]) -> list[str]:
    """What a page says of a competency's expiry: each site's date when they differ."""
    by_site = entry["expiry_by_site"]
    if len({e["expires_on"] for e in by_site}) > 1:
        return [f"{e['expires_on'] or 'no expiry'} at {sites[e['site']]}" for e in by_site]
    if entry["revoked_on"]:
        return [f"revoked from {entry['revoked_on']}"]
    return [entry["expires_on"] or "no expiry"]


# --------------------------------------------------------------------------- the known two


def test_ben_carters_injection_competency_is_expired_on_every_page(app, client, manager, token):
    ben = person_id(app, "ben@demo.clinic")
    entry = competency(training_file(client, token, "ben@demo.clinic"), "injection")
    assert (entry["expires_on"], entry["status"]) == (BEN_INJECTION.isoformat(), "expired")
    assert entry["expiry_from_policy"] is True
    href = f"/competencies/{entry['id']}"

    staff_row = row_linking(client.get(f"/staff/{ben}").get_data(as_text=True), href)
    assert "expired" in staff_row and BEN_INJECTION.isoformat() in staff_row
    assert "no expiry" not in staff_row
    detail = text_of(client.get(href).get_data(as_text=True))
    assert f"Expires {BEN_INJECTION.isoformat()} (from the written policy)" in detail
    printed = text_of(client.get(f"/reports/print/training-file/{ben}").get_data(as_text=True))
    assert re.search(rf"Injection .*? {BEN_INJECTION.isoformat()} \(from policy\) expired", printed)

    expiring = client.get("/records/expiring?days=60").get_data(as_text=True)
    listed = row_linking(expiring, href)
    assert BEN_INJECTION.isoformat() in listed and "expired" in listed
    home = text_of(client.get("/").get_data(as_text=True))
    assert f"Injection competency expired {BEN_INJECTION.isoformat()}" in home

    # The decision on his delegation names the same day.
    with app.app_context():
        delegation_id = db.session.scalar(
            select(Delegation.id).join(Delegation.assistant).where(Person.id == ben)
        )
    page = text_of(client.get(f"/delegations/{delegation_id}").get_data(as_text=True))
    assert f"expired on {BEN_INJECTION.isoformat()}" in page


def test_diegos_xray_competency_has_main_streets_date_and_none_at_austin(
    app, client, manager, token
):
    diego = person_id(app, "diego@demo.clinic")
    entry = competency(training_file(client, token, "diego@demo.clinic"), "xray")
    assert entry["expires_on"] == DIEGO_XRAY.isoformat() and entry["expiry_site"] == "main"
    assert entry["expiry_by_site"] == [
        {"site": "austin", "expires_on": None, "expiry_from_policy": False},
        {"site": "main", "expires_on": DIEGO_XRAY.isoformat(), "expiry_from_policy": True},
    ]
    href = f"/competencies/{entry['id']}"
    each = [f"no expiry at {AUSTIN}", f"{DIEGO_XRAY.isoformat()} at {MAIN} (from policy)"]
    staff_row = row_linking(client.get(f"/staff/{diego}").get_data(as_text=True), href)
    assert all(words in staff_row for words in each), staff_row
    detail = text_of(client.get(href).get_data(as_text=True))
    assert f"{DIEGO_XRAY.isoformat()} at {MAIN} (from the written policy)" in detail
    printed = text_of(client.get(f"/reports/print/training-file/{diego}").get_data(as_text=True))
    assert all(words in printed for words in each), printed

    # Lists: the earliest, naming Main Street; never under "No expiry recorded".
    page = client.get("/records/expiring?days=366").get_data(as_text=True)
    due, none = page.split('id="none-h"', 1)
    assert f"{DIEGO_XRAY.isoformat()} at {MAIN}" in row_linking(due, href)
    assert href not in none
    rows = list(csv.DictReader(io.StringIO(
        client.get("/reports/expiring.csv?days=366").get_data(as_text=True))))  # fmt: skip
    [row] = [r for r in rows if r["person_email"] == "diego@demo.clinic" and "X-ray" in r["what"]]
    assert (row["expires_on"], row["expiry_site"], row["expiry_from_policy"]) == (
        DIEGO_XRAY.isoformat(), "main", "yes"
    )  # fmt: skip
    listed = client.get("/api/v1/expiring?days=366", headers=token).get_json()
    [item] = [i for i in listed["items"] if i["record_id"] == entry["id"]]
    assert (item["expires_on"], item["expiry_site"]) == (DIEGO_XRAY.isoformat(), "main")
    assert entry["id"] not in {i["record_id"] for i in listed["no_expiry"]}

    # The decision at Main Street: current until that day, expired the day after.
    assert "current until " + DIEGO_XRAY.isoformat() in decided(
        client, token, "diego@demo.clinic", "xray", "main", DIEGO_XRAY
    )
    assert "expired on " + DIEGO_XRAY.isoformat() in decided(
        client, token, "diego@demo.clinic", "xray", "main", DIEGO_XRAY + timedelta(days=1)
    )


def test_the_dashboard_and_the_reminders_count_diegos_xray_expiry(app, client, demo, manager):
    demo.move_to(datetime.combine(DIEGO_XRAY - timedelta(days=7), time(9),
                                  ZoneInfo("America/Los_Angeles")))  # fmt: skip
    manager()  # signed in again: the session ended with the days that passed
    page = client.get("/reports/").get_data(as_text=True)
    table = page.split("<caption>Items expiring by month</caption>", 1)[1].split("</table>")[0]
    month = DIEGO_XRAY.strftime("%B %Y")
    [row] = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S) if month in r]
    assert row.split()[2] == "1", row  # Diego's x-ray is the one competency expiring then

    result = app.test_cli_runner().invoke(args=["send-reminders", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        f"X-ray and imaging competency expires on {DIEGO_XRAY.isoformat()} (in 7 days) at "
        f"{MAIN} (expiry from the written policy)"
    ) in result.output


# --------------------------------------------------------------------------- every competency


def decided(client, token, email, task, site, day) -> str:
    """The competency condition's reason for a decision at 10:00 on the day at the site."""
    zone = {"main": "America/Los_Angeles", "austin": "America/Chicago",
            "albany": "America/New_York"}[site]  # fmt: skip
    at = datetime.combine(day, time(10), ZoneInfo(zone)).isoformat()
    answer = client.post(
        "/api/v1/decisions",
        json={"assistant": email, "task": task, "site": site, "at": at},
        headers=token,
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    [condition] = [c for c in answer.get_json()["conditions"] if c["condition"] == "competency"]
    return condition["reason"]


def listed_within_a_year(entry: dict) -> bool:
    """Whether the expiring list (366 days ahead) shows the competency with a date."""
    return (
        entry["expires_on"] is not None
        and date.fromisoformat(entry["expires_on"]) <= TODAY + timedelta(days=366)
        and not entry["revoked_on"]
        and entry["validated_on"] is not None
        and not entry["prior_employer"]
    )


def test_every_demo_competency_reads_the_same_on_every_page_and_in_the_decision(
    app, client, manager, token
):
    with app.app_context():
        people = db.session.scalars(select(Person).where(Person.role == "assistant")).all()
        assistants = [(p.id, p.email, {s.code: s.name for s in p.sites}) for p in people]
    expiring = client.get("/records/expiring?days=366").get_data(as_text=True)
    due = expiring.split('id="none-h"', 1)[0]
    checked = 0
    for pid, email, sites in assistants:
        file = training_file(client, token, email)
        staff = client.get(f"/staff/{pid}").get_data(as_text=True)
        printed = text_of(client.get(f"/reports/print/training-file/{pid}").get_data(as_text=True))
        for entry in file["competencies"]:
            href = f"/competencies/{entry['id']}"
            words = expected_words(entry, sites)
            row = row_linking(staff, href)
            detail = text_of(client.get(href).get_data(as_text=True))
            for said in words:
                assert said in row and said in detail and said in printed, (email, said)
            if listed_within_a_year(entry):
                earliest = entry["expires_on"]
                if entry["expiry_site"]:
                    earliest += f" at {sites[entry['expiry_site']]}"
                assert earliest in row_linking(due, href)
            for site in entry["expiry_by_site"]:
                if site["expires_on"] is None or entry["revoked_on"]:
                    continue
                last = date.fromisoformat(site["expires_on"])
                on = decided(client, token, email, entry["task"], site["site"], last)
                assert "expired on" not in on, (email, entry["task"], site, on)
                after = decided(client, token, email, entry["task"], site["site"],
                                last + timedelta(days=1))  # fmt: skip
                assert f"expired on {last.isoformat()}" in after, (email, entry["task"], after)
                checked += 1
    assert checked >= 15  # every validated demo competency at each site it has a date at
