"""Fixtures in the flaskr style: a fresh database per test, ``app``, ``client``, ``runner``
and an ``auth`` helper. The suite runs on SQLite unless TEST_DATABASE_URL names another
database (PostgreSQL in CI)."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, inspect, text

from config import TestingConfig
from tracker import create_app
from tracker.decision.models import STAMP_TABLE
from tracker.extensions import db
from tracker.vocabulary import Role

PASSWORD = "correct-horse-battery"

#: ``TRACKER_TEST_NOW=2027-08-14T23:30:00-07:00 pytest`` runs the whole suite with every clock
#: in the process moved to that moment (and ticking on from it): CI's far-off-date run.
_far_off_travel = None


def _database_of_this_worker() -> None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``test_gw0``, …),
    made on first use beside the one TEST_DATABASE_URL names: workers truncate tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("TEST_DATABASE_URL")
    if not worker or not url or not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        query = text("SELECT 1 FROM pg_database WHERE datname = :name")
        if connection.execute(query, {"name": name}).scalar() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    os.environ["TEST_DATABASE_URL"] = base.set(database=name).render_as_string(False)


def pytest_configure(config):
    global _far_off_travel
    _database_of_this_worker()
    moment = os.environ.get("TRACKER_TEST_NOW")
    if moment and _far_off_travel is None:
        import time_machine

        _far_off_travel = time_machine.travel(datetime.fromisoformat(moment), tick=True)
        _far_off_travel.start()


def pytest_unconfigure(config):
    global _far_off_travel
    if _far_off_travel is not None:
        _far_off_travel.stop()
        _far_off_travel = None


def pytest_report_header(config):
    moment = os.environ.get("TRACKER_TEST_NOW")
    return f"clock moved to {moment} (TRACKER_TEST_NOW)" if moment else None


def database_url(tmp_path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite'}"


def make_app(url: str, **overrides):
    config = type("Config", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, **overrides})
    return create_app(config)


_schema_fresh_this_run = False


def _empty_database() -> None:
    """A fresh, empty schema: a new SQLite file per test; PostgreSQL tables emptied.

    On PostgreSQL the schema is rebuilt once per run (and whenever a test dropped it, as
    the migration tests do); between tests every table is truncated, which is far quicker
    than dropping and creating them each time.
    """
    global _schema_fresh_this_run
    engine = db.engine
    if engine.dialect.name != "postgresql":
        db.create_all()
        return
    if not _schema_fresh_this_run or not inspect(engine).has_table("people"):
        db.drop_all()
        db.create_all()
        _schema_fresh_this_run = True
        return
    # The fact stamp's single row stays; the truncation's own trigger gives it a new value.
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables if t.name != STAMP_TABLE)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@contextmanager
def recording_statements(engine):
    """The SQL statements run on ``engine`` inside the block, in order."""
    statements: list[str] = []

    def keep(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


class NoCache:
    """A fact snapshot that keeps nothing: every value is loaded afresh."""

    def get(self, key, load):
        return load()


def stamp_triggers(connection) -> dict[str, str]:
    """The fact stamp's triggers as the database itself lists them: name -> table."""
    if connection.dialect.name == "sqlite":
        query = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT t.tgname, c.relname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
        )
    rows = connection.execute(text(query))
    return {name: table for name, table in rows if name.startswith(STAMP_TABLE)}


def _build_fresh_database(app) -> None:
    """An empty schema holding the built-in task catalog."""
    from tracker.catalog.services import ensure_catalog

    with app.app_context():
        _empty_database()
        ensure_catalog()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file with the schema and the catalog, built once per test process: each test
    starts from a copy of it (a file copy instead of creating 30 tables every time)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    _build_fresh_database(make_app(f"sqlite:///{path}"))
    return path


@pytest.fixture
def app(request, tmp_path):
    url = database_url(tmp_path)
    if url.startswith("sqlite:///"):
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "test.sqlite")
        app = make_app(url)
    else:
        app = make_app(url)
        _build_fresh_database(app)
    yield app
    with app.app_context():
        # Close every session first, or PostgreSQL waits on a lock forever.
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_person(app):
    """Create a person who can sign in; returns their id."""
    from tracker.sites.models import Site
    from tracker.staff.models import Person

    def make(email, role=Role.assistant, name=None, sites=(), job_level=None, active=True,
             can_validate=False, password=PASSWORD):  # fmt: skip
        with app.app_context():
            person = Person(
                email=email,
                name=name or email.split("@")[0].title(),
                role=Role(role),
                job_level=job_level,
                active=active,
                can_validate=can_validate,
            )
            person.set_password(password)
            for code in sites:
                site = db.session.query(Site).filter_by(code=code).one()
                person.sites.append(site)
            db.session.add(person)
            db.session.commit()
            return person.id

    return make


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email, password=PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


#: The moment the sample practice's fixed dates are asked about: Friday 2026-11-20, 09:00 in
#: Los Angeles. Its shift (Monday 2026-11-23) and the delegations tests record for that day
#: are then upcoming, its competency current, its state rule verified within the year.
SAMPLE_NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


@pytest.fixture
def sample_clock():
    """Stop every clock at SAMPLE_NOW for a test that asks the sample practice about now."""
    import time_machine

    with time_machine.travel(SAMPLE_NOW, tick=False) as traveller:
        yield traveller


def add_evening_shift(app) -> None:
    """Dr. Lee's evening shift at Main St on the sample Monday (2026-11-23, 17:00-21:00 in Los
    Angeles): the record a delegation made for that evening lacked."""
    from sqlalchemy import select

    from tracker.sites.models import Site
    from tracker.staff.models import Person
    from tracker.supervision.models import Shift

    with app.app_context():
        lee = db.session.scalar(select(Person).where(Person.email == "dr.lee@example.org"))
        site = db.session.scalar(select(Site).where(Site.code == "main"))
        db.session.add(
            Shift(
                provider_id=lee.id,
                site_id=site.id,
                starts_at=datetime.fromisoformat("2026-11-23T17:00:00-08:00"),
                ends_at=datetime.fromisoformat("2026-11-23T21:00:00-08:00"),
            )
        )
        db.session.commit()


def sample_practice(today: date | None = None) -> dict:
    """The practice file of DESIGN section 5, a small but complete practice."""
    return {
        "practice": {"name": "Valley Family Medicine"},
        "sites": [
            {"code": "main", "name": "Main St", "state": "CA",
             "timezone": "America/Los_Angeles"},
            {"code": "north", "name": "North", "state": "TX", "timezone": "America/Chicago"},
        ],
        "people": [
            {"email": "ana@example.org", "name": "Ana Ruiz", "role": "assistant",
             "job_level": "CMA", "sites": ["main"]},
            {"email": "dr.lee@example.org", "name": "Dr. Lee", "role": "provider",
             "sites": ["main"], "can_validate": True, "active": True},
            {"email": "manager@example.org", "name": "Mia Manager", "role": "manager",
             "sites": ["main", "north"]},
        ],
        "tasks": [{"code": "spirometry", "name": "Spirometry", "kind": "clinical"}],
        "licenses": [{"person": "dr.lee@example.org", "type": "MD", "number": "A12345",
                      "state": "CA", "expires_on": "2027-06-30"}],
        "credentials": [{"person": "ana@example.org", "type": "CMA", "number": "123",
                         "issuer": "AAMA", "issued_on": "2024-01-01",
                         "expires_on": "2029-01-01", "verified_on": "2024-02-01"}],
        "state_rules": [{"state": "CA", "task": "injection", "status": "permitted",
                         "requires_credentials": [], "min_training_hours": 10,
                         "supervision": "on_site", "citation": "16 CCR 1366, 1366.1",
                         "verified_on": "2026-06-01"}],
        "policies": [{"task": "injection", "job_levels": ["CMA"], "site": None,
                      "authorized": True, "requires_credentials": [],
                      "supervision": "on_site", "competency_valid_months": 12,
                      "document": "Clinical Task Policy v3", "effective_from": "2026-01-01",
                      "effective_to": None}],
        "competencies": [{"person": "ana@example.org", "task": "injection",
                          "trained_on": "2026-02-01", "training_hours": 12,
                          "validated_on": "2026-02-10", "validated_by": "dr.lee@example.org",
                          "expires_on": None, "prior_employer": False, "revoked_on": None,
                          "evidence": "Skills checklist #44"}],
        "supervision": [{"assistant": "ana@example.org", "provider": "dr.lee@example.org",
                         "site": "main", "starts_on": "2026-01-01", "ends_on": None}],
        "shifts": [{"provider": "dr.lee@example.org", "site": "main",
                    "starts_at": "2026-11-23T08:00:00-08:00",
                    "ends_at": "2026-11-23T17:00:00-08:00"}],
    }  # fmt: skip


@pytest.fixture
def practice(app):
    """The sample practice imported; returns the file it came from."""
    from tracker.audit.services import CLI
    from tracker.practice_file.importer import import_practice

    data = sample_practice()
    with app.app_context():
        import_practice(data, actor=CLI)
        db.session.commit()
    return data
