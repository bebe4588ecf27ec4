"""``flask --app tracker db upgrade`` builds the whole schema and the task catalog, twice
without change, and the migration matches the models.

Runs on a fresh SQLite file, and on PostgreSQL too when TEST_DATABASE_URL names one. The
PostgreSQL database is shared with the rest of the suite, so every table (alembic_version
included) is dropped before and after.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect, select, text

import tracker.models  # noqa: F401  (every table on the metadata)
from tests.conftest import make_app, sample_practice, stamp_triggers
from tracker.catalog.builtin import TASK_CATALOG
from tracker.extensions import db

PROJECT = Path(__file__).resolve().parents[2]


def drop_everything(url: str) -> None:
    """Drop every table the database holds, whoever made it (reflect, then drop)."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL does not name a PostgreSQL database")
    drop_everything(url)
    try:
        yield url
    finally:
        drop_everything(url)


def flask_db(url: str, *args: str) -> subprocess.CompletedProcess:
    """``flask --app tracker db ARGS`` on the database at ``url``; it must succeed."""
    env = {**os.environ, "DATABASE_URL": url, "TRACKER_CONFIG": "development"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tracker", "db", *args],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def upgrade(url: str) -> subprocess.CompletedProcess:
    return flask_db(url, "upgrade")


def state_of(url: str) -> dict:
    """The schema (tables, columns, indexes) and the rows of tasks and alembic_version."""
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        schema = {
            name: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
                sorted(i["name"] for i in inspector.get_indexes(name)),
            )
            for name in inspector.get_table_names()
        }
        with engine.connect() as conn:
            tasks = conn.execute(
                text("SELECT id, code, name, kind, description, builtin FROM tasks ORDER BY id")
            ).all()
            version = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        return {"schema": schema, "tasks": [tuple(r) for r in tasks], "version": version}
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_and_the_catalog(empty_database):
    upgrade(empty_database)

    state = state_of(empty_database)
    assert set(state["schema"]) == set(db.metadata.tables) | {"alembic_version"}
    catalog = {(code, name, kind, description) for _, code, name, kind, description, _ in
               state["tasks"]}  # fmt: skip
    assert catalog == {(t.code, t.name, t.kind.value, t.description) for t in TASK_CATALOG}
    assert len(state["tasks"]) == 25
    assert all(bool(builtin) for *_, builtin in state["tasks"])


def test_a_second_upgrade_changes_nothing(empty_database):
    upgrade(empty_database)
    first = state_of(empty_database)

    upgrade(empty_database)

    assert state_of(empty_database) == first


def test_the_migration_matches_the_models(empty_database):
    upgrade(empty_database)

    engine = create_engine(empty_database)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    assert differences == [], "models and migrations differ; run flask db migrate"


def test_the_app_works_on_the_migrated_database(empty_database):
    from tracker.audit.services import CLI, verify_chain
    from tracker.practice_file.importer import import_practice
    from tracker.staff.models import Person

    upgrade(empty_database)
    app = make_app(empty_database)
    try:
        with app.app_context():
            counts, _ = import_practice(sample_practice(), actor=CLI)
            db.session.commit()
            assert counts["people"]["created"] == 3
            ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
            # Server defaults from the migration, not only the models' Python defaults.
            assert ana.active is True and ana.can_validate is False
            assert verify_chain()[0] is True
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def stamp_state(url: str) -> tuple[dict, list]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            triggers = stamp_triggers(conn)
            has_table = inspect(conn).has_table("fact_stamp")
            rows = conn.execute(text("SELECT id, stamp FROM fact_stamp")).all() if has_table else []
        return triggers, rows
    finally:
        engine.dispose()


def test_the_migrations_install_the_fact_stamp_triggers(empty_database):
    """Migrations give the same stamp row and triggers as ``create_all`` (a batch
    migration on SQLite copies a table and would drop its triggers: this catches it), a
    write on the migrated database changes the stamp, and the downgrade takes it all away."""
    from tracker.decision.models import FACT_TABLES, stamp_trigger_names

    upgrade(empty_database)
    triggers, rows = stamp_state(empty_database)
    dialect = create_engine(empty_database).dialect.name
    assert set(triggers) == stamp_trigger_names(dialect)
    assert set(triggers.values()) == set(FACT_TABLES)
    assert [row[0] for row in rows] == [1]

    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE tasks SET name = name WHERE code = 'injection'"))
    finally:
        engine.dispose()
    assert stamp_state(empty_database)[1] != rows

    flask_db(empty_database, "downgrade", "0001")
    assert stamp_state(empty_database) == ({}, [])
    upgrade(empty_database)
    assert set(stamp_state(empty_database)[0]) == stamp_trigger_names(dialect)


def test_the_name_keys_migration_re_keys_typed_requesters(empty_database):
    """0009_name_keys: an incident stored with a key by the old rule ("reyes, morgan") gets
    DESIGN section 14's key, so its look-alike requester stops seeing it at once."""
    from datetime import UTC, datetime

    from tracker.incidents.models import Incident
    from tracker.names import name_key
    from tracker.staff.models import Person
    from tracker.vocabulary import DeclineReason, Role

    flask_db(empty_database, "upgrade", "0008_protocols")
    app = make_app(empty_database)
    try:
        with app.app_context():
            ana = Person(email="ana@example.org", name="Ana", role=Role.assistant, active=True)
            db.session.add(ana)
            db.session.flush()
            incident = Incident(
                logged_by=ana, occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
                requester_name="Reyes, M\u043ergan", requester_role="manager",
                what_was_asked="Sign it", reason=DeclineReason.outside_scope, steps=[],
            )  # fmt: skip
            db.session.add(incident)
            db.session.commit()
            db.session.execute(text("UPDATE incidents SET requester_key = 'reyes, morgan'"))
            db.session.commit()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    upgrade(empty_database)

    engine = create_engine(empty_database)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT requester_name, requester_key FROM incidents")).one()
    finally:
        engine.dispose()
    assert stored == ("Reyes, M\u043ergan", name_key("Morgan Reyes"))
