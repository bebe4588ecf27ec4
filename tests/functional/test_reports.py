"""Reports: CSV exports (columns, escaping, filters, visibility), the dashboard on the demo
practice, the printable pages, and who may open each."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker import dates
from tracker.catalog.models import Task
from tracker.dates import add_months
from tracker.delegations.services import record_delegation
from tracker.extensions import db
from tracker.incidents.models import Incident
from tracker.reports import exports
from tracker.reports.csv_export import CHUNK_ROWS, cell, csv_lines
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import DeclineReason, Role

EVIL = '=HYPERLINK("http://evil.example/x","Click me")'


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "Content-Length" not in response.headers  # streamed: rows go out as they are read
    text = response.get_data().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return rows


def as_dicts(rows) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# --------------------------------------------------------------------------- the cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (EVIL, "'" + EVIL),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Ana = Ruiz", "Ana = Ruiz"),
        ("", ""),
        (None, ""),
        (-3, -3),
        (2.5, 2.5),
        (True, "yes"),
        (date(2027, 1, 31), "2027-01-31"),
    ],
)
def test_a_cell_is_inert_in_a_spreadsheet(value, expected):
    assert cell(value) == expected


def test_rows_are_written_as_they_come_not_all_at_once():
    def endless():
        number = 0
        while True:
            yield (number, f"=row {number}")
            number += 1

    first = next(csv_lines(("n", "text"), endless()))

    lines = first.split("\r\n")
    assert lines[:3] == ["n,text", "0,'=row 0", "1,'=row 1"]
    assert len(lines) == CHUNK_ROWS + 2  # the header, a chunk of rows, and the line end


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def people(app, practice, make_person):
    make_person("evil@example.org", Role.assistant, EVIL, sites=("main",), job_level="CMA")
    make_person("dr.kay@example.org", Role.provider, "Dr. Kay", sites=("main",))
    make_person("cora@example.org", Role.compliance, "Cora Compliance")
    make_person("boss@example.org", Role.admin, "Bo Boss")
    with app.app_context():
        return {p.email.split("@")[0]: p.id for p in db.session.scalars(select(Person))}


@pytest.fixture
def signed_in(client, app, people):
    def login(email):
        with app.app_context():
            person = db.session.scalar(select(Person).where(Person.email == email))
            person.set_password(PASSWORD)
            db.session.commit()
        client.post("/logout")
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302

    return login


@pytest.fixture
def delegations(app, people):
    """Three delegations: Ana clear-or-not by Dr. Lee tomorrow and in 10 days; the evil-named
    assistant (no competency: flagged) by Dr. Kay in 3 days."""
    with app.app_context():
        by_email = {p.email: p for p in db.session.scalars(select(Person))}
        site = db.session.scalar(select(Site).where(Site.code == "main"))
        task = db.session.scalar(select(Task).where(Task.code == "injection"))
        now = dates.now_to_the_second()
        made = []
        for assistant, provider, days, notes in (
            ("ana@example.org", "dr.lee@example.org", 1, "Flu shot"),
            ("ana@example.org", "dr.lee@example.org", 10, "-5 units"),
            ("evil@example.org", "dr.kay@example.org", 3, EVIL),
        ):
            made.append(
                record_delegation(
                    assistant=by_email[assistant],
                    task=task,
                    site=site,
                    scheduled_for=now + timedelta(days=days),
                    delegated_by=by_email[provider],
                    entered_by=by_email["manager@example.org"],
                    notes=notes,
                )  # fmt: skip
            )
        db.session.commit()
        return [(d.id, d.decision.status) for d in made]


# --------------------------------------------------------------------------- delegations


def test_delegations_export_columns_escaping_and_local_times(client, signed_in, delegations):
    signed_in("manager@example.org")

    rows = read_csv(client.get("/reports/delegations.csv"))

    assert tuple(rows[0]) == exports.DELEGATION_COLUMNS
    records = as_dicts(rows)
    # Soonest first: tomorrow's, then the one in 3 days, then the one in 10.
    assert [int(r["id"]) for r in records] == [delegations[i][0] for i in (0, 2, 1)]
    evil = next(r for r in records if r["assistant_email"] == "evil@example.org")
    assert evil["assistant_name"] == "'" + EVIL
    assert evil["notes"] == "'" + EVIL
    assert evil["standing"] == "flagged"
    assert "competency" in evil["unmet_conditions"].split("; ")
    assert next(r for r in records if r["notes"].endswith("5 units"))["notes"] == "'-5 units"
    # ISO-8601 in the site's own offset (Los Angeles), recorded_at in UTC.
    assert evil["scheduled_for"][-6:] in ("-08:00", "-07:00")
    assert date.fromisoformat(evil["scheduled_for"][:10])
    assert evil["recorded_at"].endswith("+00:00")


def test_delegations_export_filters(client, signed_in, delegations, people):
    signed_in("manager@example.org")
    flagged = [d for d, status in delegations if status != "clear"]

    only_flagged = as_dicts(read_csv(client.get("/reports/delegations.csv?standing=flagged")))
    none_cancelled = read_csv(client.get("/reports/delegations.csv?status=cancelled"))
    today = dates.today("America/Los_Angeles")
    window = as_dicts(read_csv(client.get(
        f"/reports/delegations.csv?from={today + timedelta(days=2)}&to={today + timedelta(days=5)}"
    )))  # fmt: skip

    assert sorted(int(r["id"]) for r in only_flagged) == sorted(flagged)
    assert none_cancelled == [list(exports.DELEGATION_COLUMNS)]
    assert [r["assistant_email"] for r in window] == ["evil@example.org"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=lost", "status 'lost' is not one of"),
        ("standing=maybe", "standing must be clear or flagged"),
        ("site=nowhere", "no site with code 'nowhere'"),
        ("from=31/12/2026", "from '31/12/2026' is not a date"),
        ("from=2027-02-01&to=2027-01-01", "to is before from"),
    ],
)
def test_delegations_export_refuses_bad_filters_clearly(client, signed_in, people, query, message):
    signed_in("manager@example.org")

    response = client.get(f"/reports/delegations.csv?{query}")

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_provider_exports_only_their_delegations(client, signed_in, delegations):
    signed_in("dr.kay@example.org")

    records = as_dicts(read_csv(client.get("/reports/delegations.csv")))

    assert [int(r["id"]) for r in records] == [delegations[2][0]]


# --------------------------------------------------------------------------- matrix, expiring


def test_matrix_export_has_a_row_per_assistant_and_task(client, signed_in, people):
    signed_in("cora@example.org")

    rows = read_csv(client.get("/reports/matrix.csv?site=main"))

    assert tuple(rows[0]) == exports.MATRIX_COLUMNS
    records = as_dicts(rows)
    with client.application.app_context():
        tasks = db.session.scalars(select(Task)).all()
    assert len(records) == 2 * len(tasks)  # Ana and the evil-named assistant
    assert {r["assistant_name"] for r in records} == {"Ana Ruiz", "'" + EVIL}
    diagnosis = next(
        r for r in records if r["task"] == "diagnosis" and r["assistant_email"] == "ana@example.org"
    )
    assert diagnosis["status"] == "prohibited"
    assert "reserved" in diagnosis["reasons"].lower()
    evil = [r for r in records if r["assistant_email"] == "evil@example.org"]
    injection = next(r for r in evil if r["task"] == "injection")
    assert injection["status"] == "flagged"
    assert "competency" in injection["unmet_conditions"]
    assert client.get("/reports/matrix.csv?site=nowhere").status_code == 400


@pytest.mark.usefixtures("sample_clock")
def test_finder_export_lists_clear_then_flagged_with_what_is_missing(client, signed_in, people):
    signed_in("manager@example.org")
    # Monday 10:00 in Los Angeles: Dr. Lee is on shift; Ana is clear, the evil-named
    # assistant (no competency, no supervision) is flagged.
    response = client.get("/reports/eligible.csv?task=injection&site=main&at=2026-11-23T10:00")

    rows = read_csv(response)
    assert tuple(rows[0]) == exports.ELIGIBLE_COLUMNS
    records = as_dicts(rows)
    assert [(r["assistant_email"], r["answer"]) for r in records] == [
        ("ana@example.org", "clear"),
        ("evil@example.org", "flagged"),
    ]
    assert records[0]["at_local"].startswith("2026-11-23T10:00")
    assert records[0]["unmet_conditions"] == ""
    assert "competency" in records[1]["unmet_conditions"]
    assert records[1]["assistant_name"] == "'" + EVIL  # inert in a spreadsheet
    page = client.get("/eligible?task=injection&site=main&at=2026-11-23T10:00")
    assert "/reports/eligible.csv?task=injection" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("task=injection&site=nowhere", "site must name"),
        ("task=nothing&site=main", "no task with code"),
        ("task=injection&site=main&at=tomorrow", "at must be"),
        ("task=injection&site=main&at=9999-01-01T10:00", "at must be"),
        ("task=diagnosis&site=main", "never an assistant"),
    ],
)
def test_finder_export_refuses_bad_questions_clearly(client, signed_in, people, query, message):
    signed_in("manager@example.org")
    response = client.get(f"/reports/eligible.csv?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_expiring_export(client, signed_in, people, app):
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        ana.credentials[0].expires_on = dates.today("America/Los_Angeles") + timedelta(days=9)
        ana.credentials[0].type = "@CMA"
        db.session.commit()
        due = ana.credentials[0].expires_on.isoformat()
    signed_in("manager@example.org")

    rows = read_csv(client.get("/reports/expiring.csv?days=30"))

    assert tuple(rows[0]) == exports.EXPIRING_COLUMNS
    [credential] = [r for r in as_dicts(rows) if r["kind"] == "credential"]
    assert credential == {
        "expires_on": due, "status": "expiring", "kind": "credential",
        "person_email": "ana@example.org", "person_name": "Ana Ruiz", "role": "assistant",
        "what": "'@CMA credential #123", "expiry_from_policy": "no", "expiry_site": "",
    }  # fmt: skip
    assert client.get("/reports/expiring.csv?days=-1").status_code == 400
    assert client.get("/reports/expiring.csv?days=abc").status_code == 400


# --------------------------------------------------------------------------- incidents


def _incident(logged_by_id, **values):
    moment = dates.now() - timedelta(days=2)
    record = Incident(logged_by_id=logged_by_id, logged_at=moment, occurred_at=moment,
                      what_was_asked=values.pop("asked", "Draw blood"),
                      reason=DeclineReason.not_trained, steps=["paused"], **values)  # fmt: skip
    db.session.add(record)
    db.session.flush()
    return record.id


def test_incidents_export_applies_the_visibility_rule(app, client, signed_in, people):
    with app.app_context():
        about_cora = _incident(people["ana"], requester_id=people["cora"])
        typed_cora = _incident(people["ana"], requester_name="cora  COMPLIANCE")
        other = _incident(people["ana"], requester_name="Dr. Who", asked=EVIL)
        db.session.commit()

    signed_in("cora@example.org")
    for_cora = as_dicts(read_csv(client.get("/reports/incidents.csv")))
    signed_in("boss@example.org")
    rows = read_csv(client.get("/reports/incidents.csv"))

    assert [int(r["id"]) for r in for_cora] == [other]
    assert for_cora[0]["what_was_asked"] == "'" + EVIL
    assert tuple(rows[0]) == exports.INCIDENT_COLUMNS
    assert sorted(int(r["id"]) for r in as_dicts(rows)) == sorted([about_cora, typed_cora, other])


def test_a_manager_exports_incidents_but_never_those_about_their_own_requests(
    app, client, signed_in, people
):
    with app.app_context():
        about_manager = _incident(people["ana"], requester_id=people["manager"])
        other = _incident(people["ana"], requester_name="Dr. Who")
        db.session.commit()

    signed_in("manager@example.org")
    response = client.get("/reports/incidents.csv")
    rows = as_dicts(read_csv(response))

    assert response.status_code == 200
    assert [int(r["id"]) for r in rows] == [other]
    assert about_manager not in [int(r["id"]) for r in rows]
    # To the second, with the site's offset: no microseconds.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", rows[0]["occurred_at"])
    dashboard = client.get("/reports/").get_data(as_text=True)
    assert 'href="/reports/incidents.csv"' in dashboard


@pytest.mark.parametrize("email", ["dr.lee@example.org", "ana@example.org"])
def test_providers_and_assistants_do_not_export_incidents(client, signed_in, email):
    signed_in(email)

    assert client.get("/reports/incidents.csv").status_code == 403


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("ana@example.org", set()),
        ("dr.lee@example.org", {"delegations", "matrix", "roster", "eligible"}),
        ("manager@example.org",
         {"dashboard", "delegations", "matrix", "expiring", "incidents", "roster", "eligible"}),
        ("cora@example.org",
         {"dashboard", "delegations", "matrix", "expiring", "incidents", "roster", "eligible"}),
        ("boss@example.org",
         {"dashboard", "delegations", "matrix", "expiring", "incidents", "roster", "eligible"}),
    ],
)  # fmt: skip
def test_who_may_open_each_report(client, signed_in, email, allowed):
    signed_in(email)
    urls = {
        "dashboard": "/reports/",
        "delegations": "/reports/delegations.csv",
        "matrix": "/reports/matrix.csv",
        "expiring": "/reports/expiring.csv",
        "incidents": "/reports/incidents.csv",
        "roster": "/reports/print/roster",
        "eligible": "/reports/eligible.csv?task=injection&site=main",
    }

    status = {name: client.get(url).status_code for name, url in urls.items()}

    assert {name for name, code in status.items() if code == 200} == allowed
    assert {code for name, code in status.items() if name not in allowed} <= {403}


# --------------------------------------------------------------------------- print pages


def test_printable_training_file(client, signed_in, people):
    signed_in("manager@example.org")

    response = client.get(f"/reports/print/training-file/{people['ana']}?paper=a4")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Training file: Ana Ruiz" in page
    assert "CMA" in page and "AAMA" in page  # the credential
    assert "Injection" in page and "Dr. Lee" in page  # the competency and its validator
    assert "Signature of the practice manager" in page
    today = dates.today("America/Los_Angeles").isoformat()
    assert f"Printed {today}" in page
    assert 'class="paper-a4"' in page
    assert re.search(r'<link rel="stylesheet" href="/static/print\.[^"]*css">', page)
    assert "navbar" not in page and "Sign out" not in page
    assert "style=" not in page and "<style" not in page and "onclick" not in page
    assert page.count('class="page-section"') == 3


def test_an_assistant_prints_only_their_own_file(client, signed_in, people):
    signed_in("ana@example.org")

    own = client.get(f"/reports/print/training-file/{people['ana']}")
    other = client.get(f"/reports/print/training-file/{people['evil']}")
    provider = client.get(f"/reports/print/training-file/{people['dr.lee']}")

    assert own.status_code == 200 and 'class="paper-letter"' in own.get_data(as_text=True)
    assert other.status_code == 404
    assert provider.status_code == 404
    assert client.get(f"/reports/print/training-file/{people['ana']}?paper=a3").status_code == 400


def test_printable_roster_at_a_chosen_moment(client, signed_in, people):
    signed_in("manager@example.org")

    response = client.get("/reports/print/roster?site=main&at=2031-03-04T10:15")
    bad = client.get("/reports/print/roster?site=main&at=yesterday-ish")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Roster: Main St (CA)" in page
    assert "decided for 2031-03-04 10:15 PST" in page
    assert "Ana Ruiz" in page and EVIL.replace('"', "&#34;") in page
    assert "Venipuncture" in page and "Injection" in page
    assert "Scheduling" not in page and "Diagnosis" not in page  # clinical tasks only
    assert "What is missing for each flagged task" in page
    assert "navbar" not in page and "style=" not in page
    assert bad.status_code == 400
    assert "The moment &#39;yesterday-ish&#39; is not an ISO-8601 date" in bad.get_data(
        as_text=True
    )


def test_print_stylesheet_lays_out_both_papers_and_hides_the_screen_parts(client):
    response = client.get("/static/print.css")
    css = response.get_data(as_text=True)
    response.close()

    assert "size: A4" in css and "size: letter" in css
    assert "@media print" in css and ".no-print" in css
    assert "break-before: page" in css


# --------------------------------------------------------------------------- dashboard


@pytest.fixture
def demo(app):
    from tracker.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()


def demo_login(client, email):
    response = client.post("/login", data={"email": email, "password": "demo-password-2026"})
    assert response.status_code == 302


def table_rows(page: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as text cells."""
    table = page.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        rows.append([re.sub(r"<[^>]+>", "", c).strip()
                     for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])  # fmt: skip
    return rows


def test_dashboard_numbers_on_the_demo_practice(app, client, demo):
    demo_login(client, "manager@demo.clinic")

    response = client.get("/reports/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert table_rows(page, "Upcoming planned delegations per site") == [
        ["Albany Family Care", "2", "0", "2", "0%"],
        ["Austin North", "1", "1", "0", "100%"],
        ["Main Street Clinic", "3", "2", "1", "67%"],
    ]
    assert table_rows(page, "Flagged upcoming delegations by unmet condition") == [
        ["State law", "1"],
        ["Employer policy", "1"],
        ["Competency", "3"],
        ["Supervision", "0"],
        ["Reserved for providers", "0"],
    ]
    expiring = table_rows(page, "Items expiring by month")
    assert len(expiring) == 6
    # The demo's records expiring from today: a venipuncture competency (25 days), Chloe's
    # CMA (40 days), Dr. Patel's license (45 days), and Ana's injection competency (165 days),
    # which falls inside this month and the next five only late in a month.
    today = dates.today("America/Los_Angeles")
    horizon = add_months(today.replace(day=1), 6)
    injection = int(today + timedelta(days=165) < horizon)
    assert [sum(int(row[i]) for row in expiring) for i in (1, 2, 3, 4)] == [
        1 + injection,
        1,
        1,
        3 + injection,
    ]
    assert expiring[0][0] == f"{today:%B %Y}"
    declined = table_rows(page, "Declined requests by month (those you may see)")
    assert len(declined) == 12
    assert sum(int(row[1]) for row in declined) == 2
    # Four charts, each an image with a title, drawn without style attributes or scripts.
    assert page.count('<svg class="chart"') == 4
    assert page.count('role="img"') == 4
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "style=" not in main and "<script" not in main


def test_declined_requests_chart_hides_a_requesters_own_incidents(app, client, demo):
    with app.app_context():
        people = {p.email: p for p in db.session.scalars(select(Person))}
        _incident(people["ana@demo.clinic"].id, requester_id=people["compliance@demo.clinic"].id)
        db.session.commit()

    demo_login(client, "compliance@demo.clinic")
    for_requester = table_rows(
        client.get("/reports/").get_data(as_text=True),
        "Declined requests by month (those you may see)",
    )
    client.post("/logout")
    demo_login(client, "admin@demo.clinic")
    for_admin = table_rows(
        client.get("/reports/").get_data(as_text=True),
        "Declined requests by month (those you may see)",
    )

    assert sum(int(r[1]) for r in for_requester) == 2
    assert sum(int(r[1]) for r in for_admin) == 3
