"""The staff list and the training file, as the people of the practice see them."""

from __future__ import annotations

import functools
import html
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tests.conftest import PASSWORD
from tracker import dates
from tracker.audit.services import CLI
from tracker.extensions import db
from tracker.practice_file.importer import import_practice
from tracker.staff.models import Person

#: The sample practice's first site, whose clock the practice-wide pages keep.
SITE_ZONE = "America/Los_Angeles"


def practice_file(today: date) -> dict:
    """Two sites; Ana's competencies are current, expiring, expired and revoked."""

    def d(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    def comp(task, validated, expires=None, revoked=None, hours=8):
        return {"person": "ana@example.org", "task": task, "trained_on": d(validated - 3),
                "training_hours": hours, "validated_on": d(validated),
                "validated_by": "dr.lee@example.org", "expires_on": expires,
                "revoked_on": revoked, "evidence": f"Checklist for {task}"}  # fmt: skip

    return {
        "sites": [
            {"code": "main", "name": "Main St", "state": "CA", "timezone": "America/Los_Angeles"},
            {"code": "north", "name": "North Clinic", "state": "TX",
             "timezone": "America/Chicago"},
        ],
        "people": [
            {"email": "ana@example.org", "name": "Ana Ruiz", "role": "assistant",
             "job_level": "CMA", "sites": ["main"]},
            {"email": "ben@example.org", "name": "Ben Carter", "role": "assistant",
             "job_level": "MA I", "sites": ["north"]},
            {"email": "old@example.org", "name": "Olive Former", "role": "assistant",
             "sites": ["north"], "active": False},
            {"email": "dr.lee@example.org", "name": "Dr. Jordan Lee", "role": "provider",
             "sites": ["main"], "can_validate": True},
            {"email": "mia@example.org", "name": "Mia Manager", "role": "manager",
             "sites": ["main", "north"]},
        ],
        "licenses": [
            {"person": "dr.lee@example.org", "type": "MD", "number": "CA-A123456",
             "state": "CA", "expires_on": d(400)},
            {"person": "dr.lee@example.org", "type": "MD", "number": "TX-OLD-1",
             "state": "TX", "expires_on": d(-30)},
        ],
        "credentials": [
            {"person": "ana@example.org", "type": "CMA", "number": "CMA-10293",
             "issuer": "AAMA", "issued_on": d(-900), "expires_on": d(900),
             "verified_on": d(-880)},
            {"person": "ana@example.org", "type": "RMA", "number": "RMA-7781", "issuer": "AMT",
             "issued_on": d(-800), "expires_on": d(-3), "verified_on": None},
        ],
        "competencies": [
            comp("injection", -30, expires=d(200)),
            comp("venipuncture", -300, expires=d(10)),
            comp("vital-signs", -400, expires=d(-5)),
            comp("ear-lavage", -100, revoked=d(-1)),
        ],
        "supervision": [
            {"assistant": "ana@example.org", "provider": "dr.lee@example.org", "site": "main",
             "starts_on": d(-365), "ends_on": None},
        ],
    }  # fmt: skip


@functools.cache
def password_hash() -> str:
    """One hash for every test person: hashing is deliberately slow."""
    return generate_password_hash(PASSWORD)


@pytest.fixture
def clinic(app, make_person):
    """The practice imported; returns each person's id by email. Every password is PASSWORD."""
    with app.app_context():
        import_practice(practice_file(dates.today(SITE_ZONE)), actor=CLI)
        for person in db.session.scalars(select(Person)):
            person.password_hash = password_hash()
        db.session.commit()
        return {p.email: p.id for p in db.session.scalars(select(Person))}


def sign_in(client, email):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def section(page: str, heading: str) -> str:
    """The HTML of the section under a heading (up to the end of its <section>)."""
    match = re.search(rf"<h2[^>]*>\s*{re.escape(heading)}\s*</h2>", page)
    assert match, f"no {heading!r} heading on the page"
    end = page.find("</section>", match.end())
    return page[match.end() : end if end != -1 else len(page)]


def table_rows(fragment: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S)
    return [[text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in rows if "<td" in row]  # fmt: skip


def table_records(fragment: str) -> list[dict[str, str]]:
    """The first table's rows as {column heading: cell text}."""
    headings = [text_of(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", fragment, re.S)]
    return [dict(zip(headings, row, strict=False)) for row in table_rows(fragment)]


def listed_people(page: str) -> list[str]:
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    return sorted(text_of(name) for name in re.findall(r'<a href="/staff/\d+">([^<]+)</a>', table))


# --------------------------------------------------------------------------- staff list


def test_the_staff_list_shows_everyone_with_their_status(client, clinic):
    sign_in(client, "mia@example.org")

    response = client.get("/staff/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert listed_people(page) == ["Ana Ruiz", "Ben Carter", "Dr. Jordan Lee", "Mia Manager",
                                   "Olive Former"]  # fmt: skip
    olive = next(r for r in table_records(page) if r["Name"].startswith("Olive Former"))
    assert olive["Status"] == "deactivated"
    ana = next(r for r in table_records(page) if r["Name"].startswith("Ana Ruiz"))
    assert (ana["Role"], ana["Job level"], ana["Status"]) == ("Medical assistant", "CMA", "active")


def test_the_staff_list_filters_by_site(client, clinic):
    sign_in(client, "mia@example.org")

    page = client.get("/staff/?site=north").get_data(as_text=True)

    assert listed_people(page) == ["Ben Carter", "Mia Manager", "Olive Former"]


def test_the_staff_list_filters_by_role(client, clinic):
    sign_in(client, "mia@example.org")

    page = client.get("/staff/?role=provider").get_data(as_text=True)

    assert listed_people(page) == ["Dr. Jordan Lee"]


def test_the_staff_list_filters_by_site_and_role(client, clinic):
    sign_in(client, "dr.lee@example.org")

    page = client.get("/staff/?site=main&role=assistant").get_data(as_text=True)

    assert listed_people(page) == ["Ana Ruiz"]


def test_a_filter_nobody_matches_says_so(client, clinic):
    sign_in(client, "mia@example.org")

    page = client.get("/staff/?site=main&role=compliance").get_data(as_text=True)

    assert listed_people(page) == []
    assert "Nobody matches these filters." in page


@pytest.mark.parametrize("query", ["site=nowhere", "role=nurse"])
def test_an_unknown_filter_value_is_a_friendly_400(client, clinic, query):
    sign_in(client, "mia@example.org")

    response = client.get(f"/staff/?{query}")

    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)


def test_an_assistant_may_not_open_the_staff_list(client, clinic):
    sign_in(client, "ana@example.org")

    response = client.get("/staff/")

    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Your role does not give you access to this page." in page
    assert "Ben Carter" not in page


# --------------------------------------------------------------------------- training file


def test_the_training_file_shows_each_competency_status(client, clinic):
    sign_in(client, "mia@example.org")

    response = client.get(f"/staff/{clinic['ana@example.org']}")

    assert response.status_code == 200
    records = table_records(section(response.get_data(as_text=True), "Competencies"))
    assert {r["Task"]: r["Status"] for r in records} == {
        "Injection": "current",
        "Venipuncture": "expiring",
        "Vital signs": "expired",
        "Ear lavage": "revoked",
    }
    injection = next(r for r in records if r["Task"] == "Injection")
    assert injection["By"] == "Dr. Jordan Lee"
    assert injection["Expires"] == (dates.today(SITE_ZONE) + timedelta(days=200)).isoformat()


def test_the_training_file_shows_credentials_sites_and_supervisors(client, clinic):
    sign_in(client, "mia@example.org")

    page = client.get(f"/staff/{clinic['ana@example.org']}").get_data(as_text=True)

    credentials = {r["Type"]: r for r in table_records(section(page, "Credentials"))}
    assert credentials["CMA"]["Number"] == "CMA-10293"
    assert credentials["CMA"]["Status"] == "current"
    assert credentials["RMA"]["Status"] == "expired"
    assert credentials["RMA"]["Verified"] == "never verified"
    assert "Main St (CA)" in text_of(page)
    supervision = text_of(section(page, "Supervision"))
    assert "Supervised by Dr. Jordan Lee at Main St" in supervision
    assert "open-ended" in supervision


def test_a_providers_file_shows_licenses_and_supervisees(client, clinic):
    sign_in(client, "mia@example.org")

    page = client.get(f"/staff/{clinic['dr.lee@example.org']}").get_data(as_text=True)

    licenses = {r["Number"]: r for r in table_records(section(page, "Licenses"))}
    assert licenses["CA-A123456"]["State"] == "CA"
    assert licenses["CA-A123456"]["Status"] == "current"
    assert licenses["TX-OLD-1"]["Status"] == "expired"
    assert "Supervises Ana Ruiz at Main St" in text_of(section(page, "Supervision"))


def test_an_assistant_sees_their_own_file(client, clinic):
    sign_in(client, "ana@example.org")

    mine = client.get("/staff/me")
    assert mine.status_code == 302
    own_url = f"/staff/{clinic['ana@example.org']}"
    assert urlsplit(mine.headers["Location"]).path == own_url

    response = client.get(own_url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ana Ruiz" in page
    assert "Checklist for injection" in page


def test_an_assistant_gets_404_on_another_file(client, clinic):
    sign_in(client, "ana@example.org")

    response = client.get(f"/staff/{clinic['ben@example.org']}")

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Ben Carter" not in page
    assert "There is nothing here, or it is not yours to see." in page


def test_a_provider_may_open_an_assistants_file(client, clinic):
    sign_in(client, "dr.lee@example.org")

    response = client.get(f"/staff/{clinic['ben@example.org']}")

    assert response.status_code == 200
    assert "Ben Carter" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/staff/999999", "/no-such-page"])
def test_a_missing_page_is_a_friendly_404(client, clinic, path):
    sign_in(client, "mia@example.org")

    response = client.get(path)

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Not found" in page
    assert "There is nothing here" in page
    assert 'href="/"' in page  # a way back home
    assert "Traceback" not in page


def test_a_missing_page_is_a_404_before_sign_in_too(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)
