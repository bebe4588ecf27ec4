"""The self-check, the compliance matrix and the decision log through the test client."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker.decision.models import DecisionRecord
from tracker.extensions import db
from tracker.vocabulary import Role


def records(app):
    with app.app_context():
        return db.session.scalar(select(func.count(DecisionRecord.id)))


def test_assistant_self_check_clear(app, client, login_as):
    ana = login_as("ana@example.org")
    page = client.get("/may-i")
    assert page.status_code == 200
    assert "May I do this here, now?" in page.get_data(as_text=True)
    response = client.post(
        "/may-i",
        data={"assistant_id": ana, "task_code": "injection", "site_code": "main",
              "at": "2026-11-23T10:00"},
    )  # fmt: skip
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Yes." in text
    assert "What to do now" not in text
    with app.app_context():
        kept = db.session.scalar(select(DecisionRecord))
        assert kept.source == "page"
        assert kept.asked_by_id == ana
        assert kept.at.isoformat() == "2026-11-23T18:00:00+00:00"


def test_assistant_self_check_flagged_says_what_to_do(app, client, login_as):
    ana = login_as("ana@example.org")
    response = client.post(
        "/may-i",
        data={"assistant_id": ana, "task_code": "venipuncture", "site_code": "main",
              "at": "2026-11-23T10:00"},
    )  # fmt: skip
    text = response.get_data(as_text=True)
    assert "Not yet." in text
    assert "No California rule is recorded for Venipuncture" in text
    assert "not confirmed that a medical assistant may do it there" in text
    # The assistant's own steps for what is unmet, not the manager's (verify state law) nor
    # the six generic ones.
    assert "AAMA state scope resource" not in text
    assert "What you can do" in text
    assert "Tell your supervising provider or the practice manager" in text
    assert "watch you perform it and sign off your competency" in text
    assert "Escalate" not in text
    # The moment on the site's clock, with its abbreviation.
    assert "for 2026-11-23 10:00 PST at Main St" in text
    # One click to log the request they declined, prefilled with task, site and time.
    assert '/incidents/new?task=venipuncture&amp;site=main&amp;at=2026-11-23T10:00"' in text


def test_reserved_task_is_never_an_assistants(app, client, login_as):
    ana = login_as("ana@example.org")
    response = client.post(
        "/may-i", data={"assistant_id": ana, "task_code": "diagnosis", "site_code": "main"}
    )
    text = response.get_data(as_text=True)
    assert "No. Diagnosis is never a medical assistant's to do." in text
    assert "reserved for licensed providers" in text
    # Its own plain answer: what the assistant may do instead, no conditions, no steps.
    assert "Pass on a provider's own instructions" in text
    assert "Not yet" not in text and "The four answers" not in text
    assert "What you can do" not in text and "Something is not in place" not in text


def test_an_assistant_cannot_check_for_someone_else(app, client, login_as, make_person):
    other = make_person("other.ma@example.org", Role.assistant, sites=["main"])
    login_as("ana@example.org")
    before = records(app)
    response = client.post(
        "/may-i", data={"assistant_id": other, "task_code": "injection", "site_code": "main"}
    )
    assert response.status_code == 400
    assert records(app) == before


def test_self_check_rejects_bad_input_without_writing(app, client, login_as):
    ana = login_as("ana@example.org")
    before = records(app)
    for data in (
        {"assistant_id": ana, "task_code": "", "site_code": "main"},
        {"assistant_id": ana, "task_code": "no-such-task", "site_code": "main"},
        {"assistant_id": ana, "task_code": "injection", "site_code": "north"},
        {"assistant_id": ana, "task_code": "injection", "site_code": "main", "at": "soon"},
    ):
        assert client.post("/may-i", data=data).status_code == 400
    assert records(app) == before


def test_matrix_shows_each_cell_and_why(app, client, login_as):
    login_as("manager@example.org")
    response = client.get("/matrix?site=main&group=all&at=2026-11-23T10:00")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Ana Ruiz" in text
    assert "Injection" in text and "Diagnosis" in text
    # The summary counts (a dict's .clear method once printed here).
    assert "built-in method" not in text
    assert re.search(r"<strong>\d+ clear</strong>, <strong>\d+ flagged</strong>", text)
    assert "reserved for providers" in text
    # Each cell says its status in words for screen readers and links to its decision.
    assert '<span class="visually-hidden">clear</span>' in text
    assert "flagged, 1 unmet" in text or "flagged, 2 unmet" in text
    assert client.get("/matrix?site=nowhere").status_code == 400
    assert client.get("/matrix?site=main&group=nonsense").status_code == 400


def ana_id(app) -> int:
    from tracker.staff.models import Person

    with app.app_context():
        return db.session.scalar(select(Person.id).where(Person.email == "ana@example.org"))


def test_matrix_decides_at_the_chosen_moment_and_group(app, client, login_as):
    login_as("manager@example.org")
    ana = ana_id(app)
    # Dr. Lee's only shift is 2026-11-23 08:00-17:00 at Main St: Ana is clear for
    # injection at 10:00 there, and flagged at 22:00.
    day = client.get("/matrix?site=main&at=2026-11-23T10:00").get_data(as_text=True)
    night = client.get("/matrix?site=main&at=2026-11-23T22:00").get_data(as_text=True)
    assert "Decided for 2026-11-23 10:00 PST" in day
    assert "Decided for 2026-11-23 22:00 PST" in night
    cell = 'class="cell {}"><a href="/matrix/main/{}/injection/{}"'
    assert cell.format("clear", ana, "2026-11-23T18:00:00Z") in day
    assert cell.format("flagged", ana, "2026-11-24T06:00:00Z") in night
    # Clinical tasks by default; administrative and all on request.
    assert "Injection" in day and "Scheduling" not in day and "Diagnosis" not in day
    admin = client.get("/matrix?site=main&group=administrative").get_data(as_text=True)
    assert "Scheduling" in admin and "Injection" not in admin
    bad = client.get("/matrix?site=main&at=tomorrow")
    assert bad.status_code == 400
    assert "Give the moment as a date and a time" in bad.get_data(as_text=True)


def test_a_matrix_cell_opens_its_decision_with_the_fixes(app, client, login_as):
    login_as("manager@example.org")
    ana = ana_id(app)
    page = client.get(f"/matrix/main/{ana}/venipuncture/2026-11-23T18:00:00Z")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "For 2026-11-23 10:00 PST" in text
    # No state rule, no policy, no competency: each links to its fix, prefilled.
    # Each comes back to the cell (next).
    back = f"next=/matrix/main/{ana}/venipuncture/2026-11-23T18:00:00Z"
    assert f'href="/policy/states/rules/new?state=CA&amp;task=venipuncture&amp;{back}"' in text
    assert f'href="/policy/new?task=venipuncture&amp;site=main&amp;level=CMA&amp;{back}"' in text
    assert f'href="/competencies/new?person_id={ana}&amp;task=venipuncture&amp;{back}"' in text
    cell = "/matrix/main/{}/injection/{}"
    assert client.get(cell.format(ana, "x")).status_code == 400
    assert client.get(cell.format(ana + 999, "2026-11-23T18:00:00Z")).status_code == 404


def test_matrix_is_not_for_assistants(client, login_as):
    login_as("ana@example.org")
    assert client.get("/matrix").status_code == 403


def test_decision_log_and_rerun_as_of(app, client, login_as, runner):
    runner.invoke(
        args=["check", "--assistant", "ana@example.org", "--task", "injection", "--site",
              "main", "--at", "2026-11-23T10:00:00-08:00"]
    )  # fmt: skip
    login_as("manager@example.org")
    log = client.get("/decisions").get_data(as_text=True)
    assert "command line" in log
    with app.app_context():
        kept_id = db.session.scalar(select(DecisionRecord.id))
    page = client.get(f"/decisions/{kept_id}").get_data(as_text=True)
    assert "gives the same answer" in page
    assert client.get("/decisions?source=nonsense").status_code == 400


def test_an_assistant_sees_only_their_own_decisions(app, client, login_as, runner, make_person):
    runner.invoke(
        args=["check", "--assistant", "ana@example.org", "--task", "injection", "--site", "main"]
    )
    with app.app_context():
        kept_id = db.session.scalar(select(DecisionRecord.id))
    make_person("other.ma@example.org", Role.assistant, sites=["main"])
    client.post("/login", data={"email": "other.ma@example.org", "password": PASSWORD})
    assert client.get(f"/decisions/{kept_id}").status_code == 404
    assert "Ana Ruiz" not in client.get("/decisions").get_data(as_text=True)
    login_as("ana@example.org")
    assert client.get(f"/decisions/{kept_id}").status_code == 200


def test_the_declined_request_form_comes_prefilled_from_an_answer(app, client, login_as):
    from tracker.catalog.models import Task
    from tracker.sites.models import Site

    login_as("ana@example.org")
    with app.app_context():
        task_id = db.session.scalar(select(Task.id).where(Task.code == "venipuncture"))
        site_id = db.session.scalar(select(Site.id).where(Site.code == "main"))
    page = client.get("/incidents/new?task=venipuncture&site=main&at=2026-11-23T10:00")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(rf'<option (selected )?value="{task_id}"( selected)?>Venipuncture', text)
    assert "selected" in re.search(rf'<option[^>]*value="{task_id}"[^>]*>', text).group(0)
    assert "selected" in re.search(rf'<option[^>]*value="{site_id}"[^>]*>', text).group(0)
    assert 'value="2026-11-23T10:00"' in text
    # Unknown values and a moment to come are simply not prefilled.
    page = client.get("/incidents/new?task=nope&site=north&at=2999-01-01T10:00")
    assert page.status_code == 200
    assert 'value="2999-01-01T10:00"' not in page.get_data(as_text=True)
