"""create-user and seed-demo on the command line."""

from __future__ import annotations

from sqlalchemy import func, select

from tracker.audit.models import AuditEvent
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import Role

NEW_PASSWORD = "a-long-enough-passphrase"


def person(app, email):
    with app.app_context():
        found = db.session.scalar(select(Person).where(Person.email == email))
        if found is not None:
            db.session.expunge(found)
        return found


def count(app, column) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(column)))


def create_user(runner, *args, password=NEW_PASSWORD):
    return runner.invoke(args=["create-user", *args, "--password-stdin"], input=f"{password}\n")


def test_create_user_makes_a_person_who_can_sign_in(app, runner, client):
    result = create_user(runner, "Mia@Example.org", "--name", "Mia Manager", "--role", "manager")

    assert result.exit_code == 0, result.output
    assert "Created mia@example.org (manager)." in result.output
    mia = person(app, "mia@example.org")
    assert mia.name == "Mia Manager"
    assert mia.role == Role.manager
    assert mia.active
    response = client.post("/login", data={"email": "mia@example.org", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_the_password_is_stored_hashed(app, runner):
    create_user(runner, "mia@example.org", "--name", "Mia", "--role", "manager")

    mia = person(app, "mia@example.org")
    assert NEW_PASSWORD not in mia.password_hash
    assert mia.password_hash.split(":")[0] in {"scrypt", "pbkdf2"}
    assert mia.check_password(NEW_PASSWORD)
    assert not mia.check_password(NEW_PASSWORD + "x")


def test_a_password_under_twelve_characters_is_refused_and_nothing_is_stored(app, runner):
    events_before = count(app, AuditEvent.id)

    result = create_user(
        runner, "mia@example.org", "--name", "Mia", "--role", "manager", password="elevenchars"
    )

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "at least 12 characters" in result.output
    assert person(app, "mia@example.org") is None
    assert count(app, AuditEvent.id) == events_before


def test_an_empty_password_is_refused(app, runner):
    result = create_user(runner, "mia@example.org", "--name", "Mia", "--role", "manager",
                         password="")  # fmt: skip

    assert result.exit_code != 0
    assert person(app, "mia@example.org") is None


def test_exactly_twelve_characters_is_enough(app, runner):
    result = create_user(
        runner, "mia@example.org", "--name", "Mia", "--role", "manager", password="twelve-chars"
    )

    assert result.exit_code == 0, result.output
    assert person(app, "mia@example.org").check_password("twelve-chars")


def test_create_user_sets_a_new_password_for_an_existing_person(app, runner, make_person):
    make_person("ana@example.org")

    result = create_user(runner, "ana@example.org", password="another-long-password")

    assert result.exit_code == 0, result.output
    assert "Updated the password of ana@example.org" in result.output
    ana = person(app, "ana@example.org")
    assert ana.check_password("another-long-password")
    assert ana.role == Role.assistant


def test_a_short_new_password_leaves_the_old_one(app, runner, make_person):
    from tests.conftest import PASSWORD

    make_person("ana@example.org")

    result = create_user(runner, "ana@example.org", password="short")

    assert result.exit_code != 0
    assert person(app, "ana@example.org").check_password(PASSWORD)


def test_a_new_person_needs_a_name_and_a_role(app, runner):
    result = create_user(runner, "mia@example.org", "--role", "manager")

    assert result.exit_code == 2
    assert "needs --name and --role" in result.output
    assert person(app, "mia@example.org") is None


def test_an_unknown_role_is_refused(app, runner):
    result = create_user(runner, "mia@example.org", "--name", "Mia", "--role", "nurse")

    assert result.exit_code == 2
    assert "nurse" in result.output
    assert person(app, "mia@example.org") is None


def test_a_bad_email_is_refused(app, runner):
    result = create_user(runner, "mia-at-example.org", "--name", "Mia", "--role", "manager")

    assert result.exit_code == 2
    assert "not an email address" in result.output
    assert count(app, Person.id) == 0


def test_an_overlong_name_is_refused_without_a_traceback(app, runner):
    result = create_user(runner, "mia@example.org", "--name", "M" * 201, "--role", "manager")

    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "--name" in result.output
    assert person(app, "mia@example.org") is None


def test_no_password_reaches_the_audit_log(app, runner):
    create_user(runner, "mia@example.org", "--name", "Mia", "--role", "manager")

    with app.app_context():
        rows = repr(db.session.execute(select(AuditEvent.__table__)).all())
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["create", "password_set"]
    assert NEW_PASSWORD not in rows
    assert "password_hash" not in rows


# --------------------------------------------------------------------------- seed-demo


def test_seed_demo_if_empty_loads_a_practice_with_every_role(app, runner, client):
    result = runner.invoke(args=["seed-demo", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    with app.app_context():
        sites = db.session.scalars(select(Site)).all()
        people = db.session.scalars(select(Person)).all()
        assert len(sites) >= 3
        assert len({site.state for site in sites}) >= 3
        assert len(people) >= 12
        assert {p.role for p in people} == set(Role)
    # Every demo account signs in with the demo password.
    response = client.post(
        "/login", data={"email": "compliance@demo.clinic", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def test_a_second_seed_demo_if_empty_loads_nothing(app, runner):
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    with app.app_context():
        before = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }

    result = runner.invoke(args=["seed-demo", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "already holds people" in result.output
    with app.app_context():
        after = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
    assert after == before


def test_seed_demo_if_empty_leaves_a_real_practice_alone(app, runner, make_person):
    make_person("admin@example.org", role=Role.admin)

    result = runner.invoke(args=["seed-demo", "--if-empty"])

    assert result.exit_code == 0
    assert count(app, Person.id) == 1
    assert count(app, Site.id) == 0


def test_seed_demo_does_not_reset_a_changed_demo_password(app, runner):
    runner.invoke(args=["seed-demo", "--if-empty"])
    assert create_user(runner, "ana@demo.clinic", password="her-own-passphrase").exit_code == 0

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    ana = person(app, "ana@demo.clinic")
    assert ana.check_password("her-own-passphrase")
    assert not ana.check_password(DEMO_PASSWORD)
