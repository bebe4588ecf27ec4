"""The database connection: SQLite pragmas on every connection, constraints on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from config import ProductionConfig
from tests.conftest import make_app
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import License, Person
from tracker.supervision.models import Shift, SupervisionAssignment
from tracker.vocabulary import Role


@pytest.fixture
def sqlite_app(app, tmp_path):
    """The app as every real configuration runs it (the suite itself skips the fsync)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas only")
    real = ProductionConfig.SQLITE_SYNCHRONOUS
    return make_app(app.config["SQLALCHEMY_DATABASE_URI"], SQLITE_SYNCHRONOUS=real)


def pragmas(connection) -> tuple[str, int, int]:
    # synchronous=FULL (2) comes with WAL: checked with the journal mode. FULL, not NORMAL:
    # a committed sign-off must survive a power cut (DESIGN section 8).
    journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    return (
        f"{journal_mode}/{synchronous}",
        connection.exec_driver_sql("PRAGMA foreign_keys").scalar(),
        connection.exec_driver_sql("PRAGMA busy_timeout").scalar(),
    )


def test_every_new_sqlite_connection_has_wal_full_sync_foreign_keys_and_a_busy_timeout(
    sqlite_app,
):
    with sqlite_app.app_context():
        db.engine.dispose()
        # Two connections open at once are two new connections, not one from the pool.
        with db.engine.connect() as first, db.engine.connect() as second:
            assert first.connection.dbapi_connection is not second.connection.dbapi_connection
            for connection in (first, second):
                journal_mode, foreign_keys, busy_timeout = pragmas(connection)
                assert journal_mode == "wal/2"
                assert foreign_keys == 1
                assert busy_timeout > 0
        db.engine.dispose()
        with db.engine.connect() as again:
            journal_mode, foreign_keys, busy_timeout = pragmas(again)
            assert (journal_mode, foreign_keys) == ("wal/2", 1)
            assert busy_timeout > 0


def test_sqlite_refuses_a_row_pointing_at_nobody(sqlite_app):
    with sqlite_app.app_context():
        db.session.add(License(person_id=9999, type="MD", number="X1", state="CA"))
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            db.session.flush()
        db.session.rollback()


def _people_and_site():
    site = Site(code="main", name="Main", state="CA", timezone="America/Los_Angeles")
    ana = Person(email="ana@example.org", name="Ana", role=Role.assistant)
    lee = Person(email="lee@example.org", name="Lee", role=Role.provider)
    db.session.add_all([site, ana, lee])
    db.session.flush()
    return site, ana, lee


def test_a_shift_must_end_after_it_starts(app):
    with app.app_context():
        site, _, lee = _people_and_site()
        moment = datetime(2026, 11, 23, 16, tzinfo=UTC)
        db.session.add(Shift(provider_id=lee.id, site_id=site.id, starts_at=moment,
                             ends_at=moment))  # fmt: skip
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_supervision_assignment_cannot_end_before_it_starts(app):
    with app.app_context():
        site, ana, lee = _people_and_site()
        db.session.add(
            SupervisionAssignment(assistant_id=ana.id, provider_id=lee.id, site_id=site.id,
                                  starts_on=date(2026, 2, 1), ends_on=date(2026, 1, 31))
        )  # fmt: skip
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_two_people_cannot_share_an_email(app):
    with app.app_context():
        _people_and_site()
        db.session.add(Person(email="ana@example.org", name="Other Ana", role=Role.assistant))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_an_unknown_role_is_refused_by_the_database(app):
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("INSERT INTO people (email, name, role, can_validate, active, created_at) "
                     "VALUES ('x@example.org', 'X', 'nurse', false, true, '2026-01-01')")
            )  # fmt: skip
        db.session.rollback()


def test_moments_come_back_in_utc(app):
    with app.app_context():
        site, _, lee = _people_and_site()
        starts = datetime.fromisoformat("2026-11-23T08:00:00-08:00")
        ends = datetime.fromisoformat("2026-11-23T17:00:00-08:00")
        db.session.add(Shift(provider_id=lee.id, site_id=site.id, starts_at=starts, ends_at=ends))
        db.session.commit()
        db.session.expire_all()
        shift = db.session.scalar(db.select(Shift))
        assert shift.starts_at == starts
        assert shift.starts_at.tzinfo is not None
        assert shift.starts_at.utcoffset().total_seconds() == 0
