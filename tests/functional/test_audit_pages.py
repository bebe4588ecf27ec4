"""The audit trail page, its CSV download and the chain check, through the pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from config import TestingConfig
from tests.conftest import PASSWORD
from tracker import dates
from tracker.audit.models import AuditEvent
from tracker.audit.services import CLI, SystemActor, record_event, snapshot
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.vocabulary import Role

#: The sample practice's first site, whose clock the practice-wide pages keep.
SITE_ZONE = "America/Los_Angeles"

#: Hashed once: hashing for every person of every test would take most of the suite's time.
PASSWORD_HASH = generate_password_hash(PASSWORD, method=TestingConfig.PASSWORD_HASH_METHOD)


@pytest.fixture
def staff(app):
    people = {
        "adi": ("admin@example.org", Role.admin, "Adi Admin"),
        "cal": ("compliance@example.org", Role.compliance, "Cal Compliance"),
        "mia": ("manager@example.org", Role.manager, "Mia Manager"),
        "lee": ("dr.lee@example.org", Role.provider, "Dr. Lee"),
        "ana": ("ana@example.org", Role.assistant, "Ana Ruiz"),
    }
    with app.app_context():
        stored = {
            key: Person(email=email, role=role, name=name, password_hash=PASSWORD_HASH)
            for key, (email, role, name) in people.items()
        }
        db.session.add_all(stored.values())
        db.session.commit()
        return {key: person.id for key, person in stored.items()}


def add_event(app, action, actor=None, actor_label="cli", **kwargs):
    with app.app_context():
        who = db.session.get(Person, actor) if actor else SystemActor(actor_label)
        event = record_event(action, actor=who, **kwargs)
        db.session.commit()
        return event.id


def table_rows(html: str) -> str:
    """The event table only (the filter menus also list actions and people)."""
    return html.split("<tbody>", 1)[1]


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize(
    "email, status",
    [
        ("admin@example.org", 200),
        ("compliance@example.org", 200),
        ("manager@example.org", 403),
        ("dr.lee@example.org", 403),
        ("ana@example.org", 403),
    ],
)
@pytest.mark.parametrize("path", ["/audit/", "/audit/verify", "/audit/events.csv"])
def test_only_compliance_and_admins_open_the_audit_pages(client, auth, staff, email, status, path):
    auth.login(email)
    assert client.get(path).status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(client, staff):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --------------------------------------------------------------------------- the list


def test_events_are_newest_first_with_before_and_after(client, auth, app, staff):
    with app.app_context():
        ana = db.session.get(Person, staff["ana"])
        before = snapshot(ana)
        ana.job_level = "CMA"
        record_event("update", ana, before=before, after=snapshot(ana),
                     actor=db.session.get(Person, staff["mia"]))  # fmt: skip
        db.session.commit()
    add_event(app, "first-marker", record_type="note", record_id="1", after={"n": 1})
    auth.login("compliance@example.org")
    html = table_rows(client.get("/audit/").get_data(as_text=True))
    assert html.index("first-marker") < html.index(">update<")
    assert "Job level:</span>" in html  # in words, as the record's history says it
    assert '— <span aria-label="changed to">→</span> CMA' in html
    assert "manager@example.org" in html


def test_filter_by_person_finds_what_they_did_and_what_was_done_to_them(client, auth, app, staff):
    add_event(app, "did-by-lee", actor=staff["lee"], record_type="note", record_id="7")
    add_event(app, "about-ana", actor=staff["mia"], record_type="people", record_id=staff["ana"])
    add_event(app, "ana-login-failed", record_type="login", record_id="ana@example.org",
              actor_label="anonymous")  # fmt: skip
    add_event(app, "someone-else", actor=staff["mia"], record_type="note", record_id="8")
    auth.login("admin@example.org")
    lee = table_rows(client.get(f"/audit/?person={staff['lee']}").get_data(as_text=True))
    assert "did-by-lee" in lee and "about-ana" not in lee and "someone-else" not in lee
    ana = table_rows(client.get(f"/audit/?person={staff['ana']}").get_data(as_text=True))
    assert "about-ana" in ana and "ana-login-failed" in ana
    assert "did-by-lee" not in ana and "someone-else" not in ana


def test_filter_by_record_type_id_and_action(client, auth, app, staff):
    add_event(app, "note-seven", record_type="note", record_id="7")
    add_event(app, "note-eight", record_type="note", record_id="8")
    add_event(app, "memo-seven", record_type="memo", record_id="7")
    auth.login("admin@example.org")
    notes = table_rows(client.get("/audit/?record_type=note").get_data(as_text=True))
    assert "note-seven" in notes and "note-eight" in notes and "memo-seven" not in notes
    seven = table_rows(client.get("/audit/?record_type=note&record_id=7").get_data(as_text=True))
    assert "note-seven" in seven and "note-eight" not in seven and "memo-seven" not in seven
    by_action = table_rows(client.get("/audit/?action=memo-seven").get_data(as_text=True))
    assert "memo-seven" in by_action and "note-seven" not in by_action


def test_filter_by_date_range(client, auth, app, staff):
    add_event(app, "today-marker", record_type="note", record_id="1")
    auth.login("admin@example.org")
    today = dates.today(SITE_ZONE)
    around = f"/audit/?date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}"
    assert "today-marker" in client.get(around).get_data(as_text=True)
    later = f"/audit/?date_from={today + timedelta(days=2)}"
    assert "No events match these filters." in client.get(later).get_data(as_text=True)
    earlier = f"/audit/?date_to={today - timedelta(days=2)}"
    assert "No events match these filters." in client.get(earlier).get_data(as_text=True)


@pytest.mark.parametrize(
    "query, message",
    [
        ("date_from=2026-13-01", "Not a valid date value."),
        ("date_from=2026-05-02&date_to=2026-05-01", "Must be on or after the From date."),
        ("record_type=nonsense", "Not a valid choice."),
        ("person=abc", "Not a valid choice."),
        ("record_id=" + "9" * 65, "Field cannot be longer than 64 characters."),
    ],
)
def test_bad_filters_get_a_message_not_an_error(client, auth, staff, query, message):
    auth.login("admin@example.org")
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get(f"/audit/events.csv?{query}").status_code == 400


def test_events_are_paginated(client, auth, app, staff):
    app.config["AUDIT_PAGE_SIZE"] = 3
    for n in range(7):
        add_event(app, f"marker-{n}", record_type="note", record_id=str(n))
    auth.login("admin@example.org")
    first = table_rows(client.get("/audit/?record_type=note").get_data(as_text=True))
    assert "marker-6" in first and "marker-4" in first and "marker-3" not in first
    assert "page 1 of 3" in first
    assert "record_type=note" in first and "page=2" in first  # the links keep the filters
    third = table_rows(client.get("/audit/?record_type=note&page=3").get_data(as_text=True))
    assert "marker-0" in third and "marker-1" not in third
    beyond = client.get("/audit/?record_type=note&page=99")
    assert beyond.status_code == 200 and "No events match" in beyond.get_data(as_text=True)


# --------------------------------------------------------------------------- secrets


def test_no_secret_ever_reaches_the_page_or_the_csv(client, auth, app, staff):
    with app.app_context():
        ana = db.session.get(Person, staff["ana"])
        stored_hash = ana.password_hash
        record_event("update", ana, before={"email": ana.email, "password_hash": stored_hash},
                     after={"email": ana.email, "password_hash": "new-hash",
                            "reset_token": "tok-SECRET-123",
                            "nested": {"api_secret": "nested-SECRET"}}, actor=CLI)  # fmt: skip
        db.session.commit()
    assert stored_hash
    auth.login("admin@example.org")
    page = client.get("/audit/").get_data(as_text=True)
    csv_text = client.get("/audit/events.csv").get_data(as_text=True)
    for text in (page, csv_text):
        assert stored_hash not in text
        assert "tok-SECRET-123" not in text and "nested-SECRET" not in text
        assert "password_hash" not in text and "reset_token" not in text


# --------------------------------------------------------------------------- CSV


def test_csv_download_follows_the_filters_and_defuses_formulas(client, auth, app, staff):
    add_event(app, "login_failed", record_type="login", record_id='=HYPERLINK("http://x")',
              actor_label="anonymous", after={"reason": "bad credentials"})  # fmt: skip
    add_event(app, "other", record_type="note", record_id="1")
    auth.login("compliance@example.org")
    response = client.get("/audit/events.csv?record_type=login")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["id", "occurred_at_utc", "actor", "action"]
    actions = [row[3] for row in rows[1:]]
    assert "login_failed" in actions and "other" not in actions
    [failed] = [row for row in rows[1:] if row[3] == "login_failed"]
    assert failed[5] == '\'=HYPERLINK("http://x")'
    assert '"reason": "bad credentials"' in failed[7]


# --------------------------------------------------------------------------- verify


def test_verify_says_whole_then_names_the_broken_link(client, auth, app, staff):
    first = add_event(app, "one", record_type="note", record_id="1", after={"n": 1})
    add_event(app, "two", record_type="note", record_id="2", after={"n": 2})
    auth.login("admin@example.org")
    whole = client.get("/audit/verify").get_data(as_text=True)
    assert "Whole." in whole and "audit chain is whole" in whole
    with app.app_context():
        db.session.execute(
            update(AuditEvent).where(AuditEvent.id == first).values(after={"n": 999})
        )
        db.session.commit()
    broken = client.get("/audit/verify").get_data(as_text=True)
    assert "Broken." in broken
    assert f"broken link at event {first}" in broken


def test_the_audit_page_lists_refused_access(client, auth, app, staff):
    auth.login("ana@example.org")
    assert client.get("/audit/").status_code == 403
    auth.logout()
    auth.login("admin@example.org")
    html = table_rows(client.get("/audit/?action=access_denied").get_data(as_text=True))
    assert "audit.events" in html and "ana@example.org" in html
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.record_id == "audit.events")
        )
