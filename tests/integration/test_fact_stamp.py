"""The fact stamp: triggers on every table a decision reads give it a new value on each
change, whoever makes it; other writes leave it alone; a rollback takes a change back."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, select, text

from tests.conftest import NoCache, recording_statements, stamp_triggers
from tracker.audit.services import record_event
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.decision.cache import Snapshot, read_stamp
from tracker.decision.facts import load_facts, load_for_decision
from tracker.decision.models import FACT_TABLES, STAMP_TABLE, stamp_trigger_names
from tracker.decision.services import evaluate, log_decision, self_check_choices
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.supervision.models import Shift
from tracker.vocabulary import RuleStatus


def test_every_fact_table_has_its_triggers(app):
    with app.app_context():
        triggers = stamp_triggers(db.session.connection())
        assert set(triggers) == stamp_trigger_names(db.engine.dialect.name)
        assert set(triggers.values()) == set(FACT_TABLES)


def tables_read(work) -> set[str]:
    """The tables named in the SQL ``work`` runs."""
    with recording_statements(db.engine) as statements:
        work()
    names = set(db.metadata.tables)
    return {name for sql in statements for name in names if re.search(rf"\b{name}\b", sql)}


def test_fact_tables_name_every_table_the_facts_come_from(app, practice):
    """If loading facts starts reading another table, it must get the triggers too."""
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        lee = db.session.scalar(select(Person).where(Person.email == "dr.lee@example.org"))
        manager = db.session.scalar(select(Person).where(Person.email == "manager@example.org"))
        main = db.session.scalar(select(Site).where(Site.code == "main"))
        at = main_moment()

        def work():
            load_facts()
            load_facts(assistant_ids=[ana.id], site_ids=[main.id], shifts_from=at, shifts_to=at)
            db.session.expire_all()
            for person in (ana, manager):
                self_check_choices(person, NoCache())
            load_for_decision(ana, main, at, lee, snapshot=NoCache())

        read = tables_read(work)
        assert read - {STAMP_TABLE} <= set(FACT_TABLES)
        assert {"competencies", "shifts", "policies", "state_rules"} <= read


def main_moment() -> datetime:
    return datetime.fromisoformat("2026-11-23T10:00:00-08:00")


def stamp_after(change) -> tuple[str, str]:
    before = read_stamp()
    change()
    db.session.flush()
    return before, read_stamp()


def test_changes_to_facts_give_a_new_stamp(app, practice):
    with app.app_context():
        assert read_stamp()
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        north = db.session.scalar(select(Site).where(Site.code == "north"))
        scheduling = db.session.scalar(select(Task).where(Task.code == "scheduling"))
        policy = db.session.scalar(select(Policy))
        shift = db.session.scalar(select(Shift))

        changes = {
            "insert a competency": lambda: db.session.add(
                Competency(person=ana, task=scheduling, validated_on=date(2026, 1, 5))
            ),
            "update a policy": lambda: setattr(policy, "authorized", not policy.authorized),
            "delete a shift": lambda: db.session.delete(shift),
            "add a person to a site": lambda: ana.sites.append(north),
            "rename a person": lambda: setattr(ana, "name", "Ana R."),
            "raw SQL on a state rule": lambda: db.session.execute(
                text("UPDATE state_rules SET citation = 'updated'")
            ),
        }
        for what, change in changes.items():
            before, after = stamp_after(change)
            assert after != before, what
        db.session.commit()


def test_other_writes_keep_the_stamp(app, practice):
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        main = db.session.scalar(select(Site).where(Site.code == "main"))
        task = db.session.scalar(select(Task).where(Task.code == "injection"))
        db.session.commit()
        before = read_stamp()
        decision = evaluate(ana, task, main, main_moment())
        log_decision(decision, source="page", assistant=ana, task=task, site=main, asked_by=ana)
        record_event("viewed", ana, actor=ana)
        db.session.commit()
        assert read_stamp() == before


def test_a_rolled_back_change_takes_its_stamp_back(app, practice):
    with app.app_context():
        before = read_stamp()
        rule = db.session.scalar(select(StateRule))
        rule.status = RuleStatus.prohibited
        db.session.flush()
        assert read_stamp() != before
        db.session.rollback()
        assert read_stamp() == before


def test_a_change_from_another_connection_is_seen(app, practice):
    with app.app_context():
        before = read_stamp()
        db.session.commit()
        other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        try:
            with other.begin() as connection:
                connection.execute(
                    text("UPDATE sites SET name = 'Main Street' WHERE code = 'main'")
                )
        finally:
            other.dispose()
        assert read_stamp() != before


def test_truncating_a_fact_table_gives_a_new_stamp(app, practice):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("TRUNCATE is PostgreSQL's")
        before = read_stamp()
        db.session.execute(text("TRUNCATE shifts"))
        assert read_stamp() != before
        db.session.rollback()


def injection_at_main():
    ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
    task = db.session.scalar(select(Task).where(Task.code == "injection"))
    main = db.session.scalar(select(Site).where(Site.code == "main"))
    competency = db.session.scalar(select(Competency).where(Competency.task_id == task.id))
    return ana, task, main, competency


def test_a_pending_change_is_seen_and_a_rolled_back_one_is_not_kept(app, practice):
    """The stamp is read after this transaction's pending changes are flushed."""
    with app.app_context():
        ana, task, main, competency = injection_at_main()
        assert evaluate(ana, task, main, main_moment(), snapshot=Snapshot()).status == "clear"

        competency.revoked_on = date(2026, 11, 1)  # pending, not flushed
        assert evaluate(ana, task, main, main_moment(), snapshot=Snapshot()).status == "flagged"
        db.session.rollback()

        assert evaluate(ana, task, main, main_moment(), snapshot=Snapshot()).status == "clear"


def test_facts_changed_after_the_snapshot_are_used_but_not_kept(app, practice):
    with app.app_context():
        ana, task, main, competency = injection_at_main()
        snapshot = Snapshot()
        competency.revoked_on = date(2026, 11, 1)  # written after the stamp was read
        assert evaluate(ana, task, main, main_moment(), snapshot=snapshot).status == "flagged"
        db.session.rollback()

        assert evaluate(ana, task, main, main_moment(), snapshot=Snapshot()).status == "clear"
        assert snapshot.cache.hits == 0


def test_a_kept_book_cannot_be_changed(app, practice):
    with app.app_context():
        ana, task, main, _ = injection_at_main()
        book = load_for_decision(ana, main, main_moment(), snapshot=Snapshot())
        with pytest.raises(TypeError):
            book.shifts_by_site["elsewhere"] = ()
        assert isinstance(book.shifts_by_site["main"], tuple)
        assert load_for_decision(ana, main, main_moment(), snapshot=Snapshot()) is book
