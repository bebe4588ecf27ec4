"""Reading the audit log: a record's history, what each event changed, filters by day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from tracker.audit import history
from tracker.audit.models import AuditEvent
from tracker.audit.services import CLI, record_event
from tracker.catalog.models import Task
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import Role


def event(**values) -> AuditEvent:
    """An event stored as is (these tests read; the chain is not their subject)."""
    values.setdefault("actor_label", "cli")
    values.setdefault("action", "update")
    values.setdefault("occurred_at", datetime(2026, 1, 2, 12, 0, tzinfo=UTC))
    stored = AuditEvent(prev_hash="0" * 64, hash=uuid.uuid4().hex, **values)
    db.session.add(stored)
    db.session.flush()
    return stored


def test_history_is_one_records_events_newest_first(app):
    with app.app_context():
        first = record_event(
            "create", record_type="competencies", record_id=5, after={"a": 1}, actor=CLI
        )
        record_event("update", record_type="competencies", record_id=6, after={"a": 2}, actor=CLI)
        record_event("create", record_type="people", record_id=5, after={"a": 3}, actor=CLI)
        last = record_event("revoke", record_type="competencies", record_id=5, actor=CLI,
                            before={"a": 1}, after={"a": 1, "reason": "left"})  # fmt: skip
        lines = history.history_for("competencies", 5, None)
        assert [line.event.id for line in lines] == [last.id, first.id]
        # A value the event adds has no "before": "Reason: left", not "— → left".
        assert lines[0].changes == [history.Change("Reason", None, "left")]


def test_changes_list_what_differs_and_hide_secrets():
    update = AuditEvent(
        before={"name": "Ana", "job_level": None, "sites": ["main"], "password_hash": "x"},
        after={"name": "Ana", "job_level": "CMA", "sites": ["main", "north"], "api_token": "t"},
    )
    assert history.changes_of(update) == [
        history.Change("job_level", "—", "CMA"),
        history.Change("sites", "main", "main, north"),
    ]
    create = AuditEvent(
        after={"id": 3, "created_at": "2026", "name": "Ana", "evidence": "", "active": True,
               "nested": {"reset_secret": "s", "kept": 1}},
    )  # fmt: skip
    assert history.changes_of(create) == [
        history.Change("name", None, "Ana"),
        history.Change("active", None, "yes"),
        history.Change("nested", None, '{"kept": 1}'),
    ]
    assert history.changes_of(AuditEvent()) == []


def test_days_are_whole_days_in_the_display_time_zone(app):
    with app.app_context():
        # 07:00 UTC on 2 January is still 1 January in Los Angeles.
        early = event(action="early", occurred_at=datetime(2026, 1, 2, 7, 0, tzinfo=UTC))
        filters = history.EventFilter(date_from=date(2026, 1, 2), date_to=date(2026, 1, 2))
        in_la = db.session.scalars(history.events_query(filters, "America/Los_Angeles", None)).all()
        in_utc = db.session.scalars(history.events_query(filters, "UTC", None)).all()
        assert early not in in_la and early in in_utc
        first = history.EventFilter(date_to=date(2026, 1, 1))
        assert early in db.session.scalars(history.events_query(first, "America/Los_Angeles", None))


def test_the_display_time_zone(app):
    with app.app_context():
        assert history.display_timezone() == "UTC"
        db.session.add(Site(code="b", name="B", state="TX", timezone="America/Chicago"))
        db.session.add(Site(code="a", name="A", state="CA", timezone="America/Los_Angeles"))
        db.session.flush()
        assert history.display_timezone() == "America/Chicago"  # the first site made
        app.config["DISPLAY_TIMEZONE"] = "America/New_York"
        assert history.display_timezone() == "America/New_York"


def test_known_values_feed_the_filter_menus(app):
    with app.app_context():
        event(action="login", record_type="people")
        event(action="import", record_type="")
        actions, types = history.known_values()
        assert actions == ["import", "login"] and types == ["people"]


def test_csv_cells_that_a_spreadsheet_would_run_are_defused():
    assert history.csv_cell("=SUM(A1)") == "'=SUM(A1)"
    assert history.csv_cell("@cmd") == "'@cmd"
    assert history.csv_cell("ana@example.org") == "ana@example.org"
    assert history.csv_cell(None) == ""


def test_ids_of_people_tasks_and_sites_are_shown_with_their_names(app):
    with app.app_context():
        ana = Person(email="ana@example.org", name="Ana Ruiz", role=Role.assistant)
        db.session.add(ana)
        db.session.flush()
        injection = db.session.scalar(select(Task).where(Task.code == "injection"))
        stored = record_event(
            "update",
            record_type="competencies",
            record_id=1,
            before={"person_id": ana.id, "task_id": injection.id, "validated_by_id": None},
            after={"person_id": ana.id, "task_id": injection.id, "validated_by_id": 999999},
            actor=CLI,
        )
        create = record_event("create", record_type="competencies", record_id=2, actor=CLI,
                              after={"person_id": ana.id, "task_id": injection.id})  # fmt: skip
        [update_line, create_line] = history.lines([stored, create])
        assert update_line.changes == [history.Change("validated_by_id", "—", "999999")]
        assert create_line.changes == [
            history.Change("person_id", None, f"Ana Ruiz (#{ana.id})"),
            history.Change("task_id", None, f"Injection (#{injection.id})"),
        ]


def test_a_history_reads_in_words_without_sign_ins(app):
    """Field labels, names without ids, moments on the site's clock; sign-ins stay out."""
    with app.app_context():
        site = Site(code="main", name="Main St", state="CA", timezone="America/Los_Angeles")
        lee = Person(email="dr.lee@example.org", name="Dr. Lee", role=Role.provider)
        db.session.add_all([site, lee])
        db.session.flush()
        record_event("login", record_type="delegations", record_id=9, actor=lee)
        record_event("access_denied", record_type="delegations", record_id=9, actor=lee)
        record_event(
            "update",
            record_type="delegations",
            record_id=9,
            before={"scheduled_for": "2026-12-01T18:00:00+00:00", "delegated_by_id": None},
            after={"scheduled_for": "2026-12-01T19:30:00+00:00", "delegated_by_id": lee.id},
            actor=lee,
        )
        [line] = history.history_for("delegations", 9, None, tz="America/Los_Angeles")
        assert line.event.action == "update"
        assert history.Change("Scheduled for", "2026-12-01 10:00 PST",
                              "2026-12-01 11:30 PST") in line.changes  # fmt: skip
        assert history.Change("Delegated by", "—", "Dr. Lee") in line.changes
        # The audit trail itself keeps every event and the raw values.
        [raw] = history.lines([line.event])
        assert raw.changes[0].field == "scheduled_for"
        assert raw.changes[0].after == "2026-12-01T19:30:00+00:00"
        trail = db.session.scalars(history.events_query(history.EventFilter(), "UTC", None)).all()
        assert {e.action for e in trail} >= {"login", "access_denied", "update"}
