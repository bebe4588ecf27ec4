"""The self-check, the compliance matrix and the decision log through the test client."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker.delegations.models import DecisionRecord
from tracker.domain import Role
from tracker.extensions import db


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
    assert "AAMA state scope resource" in text
    assert "What to do now" in text
    for step in ("Pause", "Say what you need", "Ask the supervising provider directly"):
        assert step in text


def test_reserved_task_is_never_an_assistants(app, client, login_as):
    ana = login_as("ana@example.org")
    response = client.post(
        "/may-i", data={"assistant_id": ana, "task_code": "diagnosis", "site_code": "main"}
    )
    text = response.get_data(as_text=True)
    assert "No." in text
    assert "reserved for licensed providers" in text


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
    response = client.get("/matrix?site=main")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Ana Ruiz" in text
    assert "Injection" in text and "Diagnosis" in text
    # A flagged cell names its unmet conditions, for hover and for screen readers.
    assert "Employer policy:" in text
    assert "reserved for providers" in text
    assert client.get("/matrix?site=nowhere").status_code == 400


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
