"""The self-check keeps the facts it loaded while the fact stamp holds: a second question
reads nothing but the stamp, and any change to a record is seen by the very next one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import create_engine, select, text

from tests.conftest import recording_statements
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.decision.cache import fact_cache
from tracker.extensions import db
from tracker.staff.models import Person

MONDAY_10AM = "2026-11-23T10:00"


def ask(client, ana: int, task: str = "injection", at: str = MONDAY_10AM) -> str:
    response = client.post(
        "/may-i", data={"assistant_id": ana, "task_code": task, "site_code": "main", "at": at}
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_second_question_reads_only_the_stamp(app, client, login_as):
    ana = login_as("ana@example.org")
    assert "Yes." in ask(client, ana)

    with app.app_context():
        engine = db.engine
    with recording_statements(engine) as seen:
        ask(client, ana, task="scheduling")

    # Who is signed in, the stamp, and the decision kept in the log.
    assert len(seen) == 3, seen
    assert "fact_stamp" in seen[1]
    assert seen[2].startswith("INSERT INTO decision_records")
    with app.app_context():
        assert fact_cache().hits >= 3  # tasks, sites, and the decision's facts


def test_a_revoked_competency_is_seen_by_the_next_question(app, client, login_as):
    ana = login_as("ana@example.org")
    assert "Yes." in ask(client, ana)
    with app.app_context():
        competency = db.session.scalar(
            select(Competency).join(Task).where(Task.code == "injection")
        )
        competency.revoked_on = date(2026, 11, 1)
        competency.revoked_reason = "Retraining"
        db.session.commit()

    text_after = ask(client, ana)
    assert "Not yet." in text_after
    assert "revoked" in text_after


def test_a_change_made_by_another_worker_is_seen(app, client, login_as):
    """Raw SQL on a connection of its own, as another worker or the CLI would write."""
    ana = login_as("ana@example.org")
    assert "Yes." in ask(client, ana)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with other.begin() as connection:
            connection.execute(text("DELETE FROM shifts"))
    finally:
        other.dispose()

    assert "is not on shift" in ask(client, ana)


def test_a_new_task_and_a_new_site_show_in_the_form_at_once(app, client, login_as):
    ana = login_as("ana@example.org")
    assert "Ear irrigation" not in client.get("/may-i").get_data(as_text=True)
    with app.app_context():
        from tracker.sites.models import Site
        from tracker.vocabulary import TaskKind

        db.session.add(Task(code="ear-irrigation", name="Ear irrigation", kind=TaskKind.clinical))
        person = db.session.get(Person, ana)
        person.sites.append(db.session.scalar(select(Site).where(Site.code == "north")))
        db.session.commit()

    page = client.get("/may-i").get_data(as_text=True)
    assert "Ear irrigation" in page
    assert "North (TX)" in page


def test_a_deactivated_assistant_leaves_the_managers_list_at_once(app, client, login_as):
    login_as("manager@example.org")
    assert "Ana Ruiz" in client.get("/may-i").get_data(as_text=True)
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        ana.active = False
        db.session.commit()

    assert "Ana Ruiz" not in client.get("/may-i").get_data(as_text=True)
