"""The audit log is a hash chain: verify-audit finds any altered or missing event."""

from __future__ import annotations

import threading
import time

from sqlalchemy import delete, func, select, update

from tracker.audit import services as audit_services
from tracker.audit.models import AuditEvent
from tracker.audit.services import CLI, compute_hash, record_event, verify_chain
from tracker.extensions import db


def event_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def run_sql(app, statement) -> None:
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


def verify(runner):
    result = runner.invoke(args=["verify-audit"])
    assert "Traceback" not in result.output
    return result


def test_the_chain_is_whole_after_an_import(app, runner, practice):
    ids = event_ids(app)
    assert len(ids) > 10  # one event per record imported

    result = verify(runner)

    assert result.exit_code == 0, result.output
    assert f"audit chain is whole: {len(ids)} events" in result.output


def test_an_empty_log_is_whole(app, runner):
    result = verify(runner)

    assert result.exit_code == 0, result.output
    assert "0 events" in result.output


def test_an_altered_event_is_named(app, runner, practice):
    target = event_ids(app)[5]
    run_sql(
        app,
        update(AuditEvent).where(AuditEvent.id == target).values(after={"name": "Someone else"}),
    )

    result = verify(runner)

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert f"broken link at event {target}:" in result.output
    assert "does not match its hash" in result.output


def test_an_altered_action_is_named(app, runner, practice):
    target = event_ids(app)[0]
    run_sql(app, update(AuditEvent).where(AuditEvent.id == target).values(action="login"))

    result = verify(runner)

    assert result.exit_code == 1
    assert f"broken link at event {target}:" in result.output


def test_an_event_rewritten_with_a_fresh_hash_breaks_the_next_link(app, runner, practice):
    ids = event_ids(app)
    target = ids[3]
    with app.app_context():
        event = db.session.get(AuditEvent, target)
        event.after = {**(event.after or {}), "name": "Forged"}
        event.hash = compute_hash(event, event.prev_hash)
        db.session.commit()

    result = verify(runner)

    assert result.exit_code == 1
    assert f"broken link at event {ids[4]}:" in result.output
    assert "does not follow" in result.output


def test_a_deleted_middle_event_is_found(app, runner, practice):
    ids = event_ids(app)
    middle = ids[len(ids) // 2]
    run_sql(app, delete(AuditEvent).where(AuditEvent.id == middle))

    result = verify(runner)

    assert result.exit_code == 1
    following = ids[len(ids) // 2 + 1]
    assert f"broken link at event {following}:" in result.output
    assert "deleted or altered" in result.output


def test_a_deleted_first_event_is_found(app, runner, practice):
    ids = event_ids(app)
    run_sql(app, delete(AuditEvent).where(AuditEvent.id == ids[0]))

    result = verify(runner)

    assert result.exit_code == 1
    assert f"broken link at event {ids[1]}:" in result.output


def test_events_never_hold_secrets(app):
    from tracker.staff.models import Person

    with app.app_context():
        person = Person(email="s@example.org", name="S", role="manager")
        person.set_password("a-very-secret-password")
        db.session.add(person)
        event = record_event(
            "create",
            person,
            after={**audit_services.snapshot(person), "password": "a-very-secret-password"},
            actor=CLI,
        )
        db.session.commit()
        assert "password_hash" not in event.after
        assert "password" not in event.after
        assert event.after["email"] == "s@example.org"


def test_writers_at_the_same_time_do_not_fork_the_chain(app, monkeypatch):
    """Each writer must chain onto the event written just before it, never onto the same one."""
    real_utcnow = audit_services.utcnow

    def slow_utcnow():
        time.sleep(0.01)  # between reading the last hash and writing: widen the race
        return real_utcnow()

    monkeypatch.setattr(audit_services, "utcnow", slow_utcnow)
    errors = []

    def writer(number: int) -> None:
        try:
            with app.app_context():
                for index in range(5):
                    record_event(
                        "probe", record_type="probe", record_id=f"{number}-{index}", actor=CLI
                    )
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 20
        prev_hashes = list(db.session.scalars(select(AuditEvent.prev_hash)))
        assert len(set(prev_hashes)) == 20, "two events chain onto the same predecessor"
        whole, message = verify_chain()
        assert whole, message


def test_events_written_outside_a_request_are_signed_cli(app):
    with app.app_context():
        event = record_event("import", record_type="practice", record_id="1", actor=CLI)
        db.session.commit()
        assert event.actor_label == "cli"
        assert event.actor_id is None
