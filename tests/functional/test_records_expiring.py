"""What is expiring (the page, each training file and the CLI) and the moving-states list."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker import dates
from tracker.audit.services import CLI
from tracker.extensions import db
from tracker.practice_file.importer import import_practice
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import Role

#: The sample practice's first site, whose clock the practice-wide pages keep.
SITE_ZONE = "America/Los_Angeles"


def practice_file(today: date) -> dict:
    """Dates relative to today: items expired, expiring soon, later, never, renewed, revoked."""

    def d(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    def comp(person, task, validated, expires=None, revoked=None):
        return {
            "person": person,
            "task": task,
            "trained_on": d(validated - 5),
            "training_hours": 20,
            "validated_on": d(validated),
            "validated_by": "dr.lee@example.org",
            "expires_on": expires,
            "revoked_on": revoked,
        }

    def cred(person, kind, number, expires):
        return {
            "person": person,
            "type": kind,
            "number": number,
            "issuer": "Board",
            "issued_on": d(-700),
            "expires_on": expires,
            "verified_on": d(-690),
        }

    return {
        "sites": [
            {"code": "main", "name": "Main St", "state": "CA", "timezone": "America/Los_Angeles"},
            {"code": "north", "name": "North", "state": "TX", "timezone": "America/Chicago"},
        ],
        "people": [
            {"email": "ana@example.org", "name": "Ana Ruiz", "role": "assistant",
             "job_level": "CMA", "sites": ["main"]},
            {"email": "ben@example.org", "name": "Ben Carter", "role": "assistant",
             "job_level": "CMA", "sites": ["north"]},
            {"email": "dan@example.org", "name": "Dan Gone", "role": "assistant",
             "sites": ["main"], "active": False},
            {"email": "dr.lee@example.org", "name": "Dr. Lee", "role": "provider",
             "sites": ["main"]},
        ],
        "licenses": [
            {"person": "dr.lee@example.org", "type": "MD", "number": "A1", "state": "CA",
             "expires_on": d(80)},
        ],
        "credentials": [
            cred("ana@example.org", "CMA", "C-1", d(10)),
            cred("ana@example.org", "RMA", "R-1", d(-5)),
            cred("ana@example.org", "BLS", "B-1", None),
            cred("ben@example.org", "CMA", "C-2", d(45)),
            cred("dan@example.org", "CMA", "C-3", d(-30)),
        ],
        "state_rules": [
            {"state": "CA", "task": "injection", "status": "permitted", "supervision": "on_site",
             "min_training_hours": 10, "verified_on": d(-30), "citation": "16 CCR 1366"},
            {"state": "CA", "task": "xray", "status": "permitted", "supervision": "on_site",
             "verified_on": d(-30)},
            {"state": "TX", "task": "xray", "status": "permitted", "supervision": "on_site",
             "requires_credentials": ["Limited-scope x-ray permit"], "verified_on": d(-30)},
        ],
        "policies": [
            {"task": "injection", "authorized": True, "supervision": "on_site",
             "competency_valid_months": 12, "document": "Policy v1", "effective_from": d(-900)},
        ],
        "competencies": [
            # No expiry of its own: 12 months after validation, from the policy.
            comp("ana@example.org", "injection", -350),
            comp("ana@example.org", "vital-signs", -10, expires=d(200)),
            comp("ana@example.org", "venipuncture", -100, expires=d(5), revoked=d(-1)),
            comp("ana@example.org", "xray", -400, expires=d(-100)),
            comp("ana@example.org", "xray", -90, expires=d(300)),
            comp("ana@example.org", "scheduling", -90),
        ],
    }  # fmt: skip


@pytest.fixture
def clinic(app, make_person):
    today = dates.today(SITE_ZONE)
    with app.app_context():
        import_practice(practice_file(today), actor=CLI)
        db.session.commit()
    make_person("boss@example.org", Role.manager, name="Bo Manager")
    make_person("cora@example.org", Role.compliance, name="Cora")
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        ana.set_password(PASSWORD)
        db.session.commit()
    return today


def sign_in(client, email):
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def section(page: str, heading_id: str) -> str:
    """The text of the <section> labelled by ``heading_id``."""
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert match, heading_id
    return match.group(0)


def text(response) -> str:
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- the page


def test_the_page_lists_what_runs_out_within_the_chosen_days(client, clinic):
    today = clinic
    sign_in(client, "boss@example.org")

    page = text(client.get("/records/expiring?days=30"))
    due = section(page, "due-h")

    assert "CMA credential #C-1" in due and (today + timedelta(days=10)).isoformat() in due
    assert "RMA credential #R-1" in due and "expired" in due
    # Validated 350 days ago, valid 12 months by the policy: it runs out on the same date a
    # year on (a 29 February on the 28th), written out rather than computed by the rule.
    validated = today - timedelta(days=350)
    leap_day = (validated.month, validated.day) == (2, 29)
    injection_expiry = date(validated.year + 1, validated.month, 28 if leap_day else validated.day)
    assert "Injection competency" in due
    assert f'{injection_expiry.isoformat()} <small class="text-muted">(from policy)' in due
    # Later than 30 days, renewed, revoked, current, or a deactivated person: not listed.
    assert "Ben Carter" not in due
    assert "MD license" not in due
    assert "X-ray" not in due
    assert "Venipuncture" not in due
    assert "Vital signs" not in due
    assert "Dan Gone" not in page
    # Records that never expire are listed apart.
    no_expiry = section(page, "none-h")
    assert "BLS credential #B-1" in no_expiry
    assert "Scheduling competency" in no_expiry
    assert "BLS" not in due


def test_longer_windows_show_more_and_soonest_come_first(client, clinic):
    sign_in(client, "boss@example.org")
    due90 = section(text(client.get("/records/expiring?days=90")), "due-h")
    assert "Ben Carter" in due90 and "CA MD license #A1" in due90
    order = [due90.index(s) for s in ("RMA credential", "CMA credential #C-1", "Ben Carter",
                                      "CA MD license")]  # fmt: skip
    assert order == sorted(order)

    due60 = section(text(client.get("/records/expiring?days=60")), "due-h")
    assert "Ben Carter" in due60 and "MD license" not in due60


def test_the_page_filters_by_site(client, clinic):
    sign_in(client, "cora@example.org")  # compliance reads it
    page = text(client.get("/records/expiring?days=90&site=north"))
    due = section(page, "due-h")
    assert "Ben Carter" in due and "Ana Ruiz" not in due and "Dr. Lee" not in due
    assert "Renew or edit" not in page  # read-only for compliance


def test_record_keepers_get_renew_links(client, clinic):
    sign_in(client, "boss@example.org")
    page = text(client.get("/records/expiring?days=90"))
    assert re.search(r'href="/records/credentials/\d+/edit"', page)
    assert re.search(r'href="/records/licenses/\d+/edit"', page)


@pytest.mark.parametrize("query", ["days=abc", "days=-5", "days=9999", "site=nowhere"])
def test_bad_filters_are_a_friendly_400(client, clinic, query):
    sign_in(client, "boss@example.org")
    response = client.get(f"/records/expiring?{query}")
    assert response.status_code == 400
    assert "Bad request" in text(response)


def test_assistants_may_not_open_the_page(client, clinic):
    sign_in(client, "ana@example.org")
    assert client.get("/records/expiring").status_code == 403


def test_each_training_file_shows_that_persons_expiring_items(app, client, clinic):
    sign_in(client, "ana@example.org")  # an assistant sees their own file
    page = text(client.get("/staff/me", follow_redirects=True))
    mine = section(page, "exp-h")
    assert "CMA credential #C-1" in mine and "Injection competency" in mine
    assert "RMA credential #R-1" in mine
    assert "Ben Carter" not in mine and "C-2" not in mine
    assert "No expiry recorded: Scheduling competency, BLS credential #B-1." in mine
    assert "Renew or edit" not in mine  # assistants do not edit their records


# --------------------------------------------------------------------------- the CLI


def test_the_cli_prints_one_line_per_item_and_exits_0(runner, clinic):
    today = clinic
    result = runner.invoke(args=["expiring", "--days", "30"])

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    cma = next(line for line in lines if "CMA credential #C-1" in line)
    assert cma.startswith((today + timedelta(days=10)).isoformat())
    assert "expiring" in cma and "Ana Ruiz <ana@example.org>" in cma
    assert any("RMA credential #R-1" in line and "expired" in line for line in lines)
    assert any("Injection competency (expiry from policy)" in line for line in lines)
    assert any(line.startswith("no expiry") and "BLS" in line for line in lines)
    assert not any("Ben Carter" in line or "Dan Gone" in line for line in lines)
    assert len(lines) == 5  # CMA, RMA, injection; BLS and scheduling never expire


def test_the_cli_defaults_to_60_days_and_filters_by_site(runner, clinic):
    default = runner.invoke(args=["expiring"]).output
    assert "Ben Carter" in default and "MD license" not in default

    north = runner.invoke(args=["expiring", "--days", "90", "--site", "north"])
    assert north.exit_code == 0
    assert north.output.strip().splitlines() == [
        line for line in north.output.strip().splitlines() if "Ben Carter" in line
    ]
    assert "Ben Carter" in north.output


def test_the_cli_refuses_an_unknown_site_or_bad_days(runner, clinic):
    unknown = runner.invoke(args=["expiring", "--site", "nowhere"])
    assert unknown.exit_code == 2
    assert "no site with code nowhere" in unknown.output
    assert runner.invoke(args=["expiring", "--days", "soon"]).exit_code == 2


def test_the_cli_and_the_page_list_the_same_items(client, runner, clinic):
    sign_in(client, "boss@example.org")
    page = section(text(client.get("/records/expiring?days=90")), "due-h")
    lines = [
        line for line in runner.invoke(args=["expiring", "--days", "90"]).output.splitlines()
        if not line.startswith("no expiry")
    ]  # fmt: skip
    assert len(lines) == page.count("<tr>") - 1  # less the header row
    for line in lines:
        what = line.split(">  ", 1)[1].removesuffix(" (expiry from policy)")
        assert what in page


# --------------------------------------------------------------------------- moving states


def person_form(app, email, **overrides):
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == email))
        sites = {s.code: s.id for s in db.session.scalars(select(Site))}
        data = {
            "name": person.name,
            "email": person.email,
            "role": person.role.value,
            "job_level": person.job_level or "",
            "sites": [sites[code] for code in person.site_codes],
            "can_validate": "y" if person.can_validate else "",
        }
        for key, value in overrides.items():
            data[key] = [sites[c] for c in value] if key == "sites" else value
        return person.id, data


def test_moving_an_assistant_to_a_new_state_says_what_to_re_verify(app, client, clinic):
    sign_in(client, "boss@example.org")
    ana, data = person_form(app, "ana@example.org", sites=["main", "north"])

    response = client.post(f"/records/people/{ana}/edit", data=data, follow_redirects=True)

    page = text(response)
    assert response.history[0].headers["Location"].endswith(f"/staff/{ana}#scope-TX")
    assert "Ana Ruiz now works in Texas, a state they did not work in before" in page
    assert "have no Texas rule recorded (not verified" in page
    assert "AAMA" in page
    assert "Limited-scope x-ray permit" in page

    texas = re.search(r'id="scope-TX".*?</div>\s*</div>', page, re.S)
    assert texas, "the training file shows what to re-verify in Texas"
    texas = texas.group(0)
    # Injection and vital signs hold competencies but Texas has no rule: not verified.
    assert re.search(r"Injection</td>\s*<td>.*?not verified", texas, re.S)
    assert re.search(r"Vital signs</td>\s*<td>.*?not verified", texas, re.S)
    assert "verify with the Texas medical board and the AAMA state scope resource" in texas
    # X-ray is permitted in Texas only with a permit Ana does not hold.
    assert re.search(r"X-ray and imaging</td>\s*<td>.*?permitted", texas, re.S)
    assert "Needs one of Limited-scope x-ray permit: none held." in texas
    assert re.search(r"Limited-scope x-ray permit\s*<span[^>]*>not held", texas)
    # An administrative task needs no state rule; a revoked competency is not a task she holds.
    assert re.search(r"Scheduling</td>\s*<td>.*?no rule needed", texas, re.S)
    assert "Venipuncture" not in texas

    california = re.search(r'id="scope-CA".*?</div>\s*</div>', page, re.S).group(0)
    assert re.search(r"Injection</td>\s*<td>.*?permitted", california, re.S)


def test_no_moving_notice_when_no_new_state_is_gained(app, client, clinic):
    sign_in(client, "boss@example.org")
    ana, data = person_form(app, "ana@example.org", name="Ana R. Ruiz")
    page = text(client.post(f"/records/people/{ana}/edit", data=data, follow_redirects=True))
    assert "record was saved" in page
    assert "now works in" not in page


def test_moving_a_provider_raises_no_scope_notice(app, client, clinic):
    sign_in(client, "boss@example.org")
    lee, data = person_form(app, "dr.lee@example.org", sites=["main", "north"])
    page = text(client.post(f"/records/people/{lee}/edit", data=data, follow_redirects=True))
    assert "record was saved" in page
    assert "now works in" not in page
    assert 'id="scope-' not in page
