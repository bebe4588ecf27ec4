"""Sessions end for good (security finding 3): a copied cookie is worth nothing after
logout, sign-out everywhere, a password change, deactivation or reactivation; "keep me
signed in" lasts 30 days at most."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import time_machine
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker import dates
from tracker.auth.models import SignInSession
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.vocabulary import Role

EMAIL = "ana@example.org"
NEW_PASSWORD = "a-brand-new-passphrase-7"


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def sign_in(client, email=EMAIL, password=PASSWORD, remember=False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def copy_of(client, name: str, into):
    """Put ``client``'s cookie ``name`` into the browser ``into`` (an attacker's copy)."""
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    into.set_cookie(name, cookie.value)
    return into


def test_a_replayed_session_cookie_is_not_signed_in_after_logout(app, client, make_person):
    make_person(EMAIL)
    sign_in(client)
    thief = copy_of(client, "session", app.test_client())
    assert signed_in(thief)  # the copy works while the session lives

    client.post("/logout")

    assert not signed_in(client)
    assert not signed_in(thief)


def test_a_copied_remember_cookie_dies_with_the_logout_of_its_session(app, client, make_person):
    make_person(EMAIL)
    sign_in(client, remember=True)
    copy = copy_of(client, "remember_token", app.test_client())
    assert signed_in(copy)  # the remember cookie alone restores the session
    later_copy = copy_of(client, "remember_token", app.test_client())

    client.post("/logout")

    assert not signed_in(later_copy)


def test_logout_ends_only_that_browsers_session(app, client, make_person):
    make_person(EMAIL)
    other = app.test_client()
    sign_in(client)
    sign_in(other)

    client.post("/logout")

    assert signed_in(other)


def test_an_admin_setting_a_password_ends_every_session_and_remember_token(
    app, client, make_person
):
    ana = make_person(EMAIL)
    make_person("boss@example.org", role=Role.admin)
    sign_in(client, remember=True)
    remembered = copy_of(client, "remember_token", app.test_client())
    admin = app.test_client()
    sign_in(admin, "boss@example.org")
    with app.app_context():
        person = db.session.get(Person, ana)
        data = {"name": person.name, "email": EMAIL, "role": "assistant", "job_level": "",
                "password": NEW_PASSWORD}  # fmt: skip

    response = admin.post(f"/records/people/{ana}/edit", data=data)

    assert response.status_code == 302, response.get_data(as_text=True)
    assert not signed_in(client)
    assert not signed_in(remembered)
    assert signed_in(admin)
    sign_in(app.test_client(), password=NEW_PASSWORD)


def test_create_user_setting_a_password_ends_every_session(app, client, runner, make_person):
    make_person(EMAIL)
    sign_in(client, remember=True)
    remembered = copy_of(client, "remember_token", app.test_client())

    result = runner.invoke(args=["create-user", EMAIL, "--password-stdin"],
                           input=f"{NEW_PASSWORD}\n")  # fmt: skip

    assert result.exit_code == 0, result.output
    assert not signed_in(client)
    assert not signed_in(remembered)


def test_reactivating_a_person_does_not_revive_their_old_session(app, client, make_person):
    ana = make_person(EMAIL)
    make_person("boss@example.org", role=Role.admin)
    sign_in(client, remember=True)
    thief = copy_of(client, "session", app.test_client())
    copy_of(client, "remember_token", thief)
    admin = app.test_client()
    sign_in(admin, "boss@example.org")

    admin.post(f"/records/people/{ana}/deactivate")
    assert not signed_in(client)
    admin.post(f"/records/people/{ana}/reactivate")

    assert not signed_in(client)
    assert not signed_in(thief)
    sign_in(app.test_client())  # signing in afresh works


def test_the_remember_cookie_lasts_thirty_days_at_most(app, client, make_person):
    make_person(EMAIL)

    response = sign_in(client, remember=True)

    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "remember_token=" in c)
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert expires - datetime.now(UTC) <= timedelta(days=30, minutes=1)


def test_the_server_ends_a_remembered_session_after_thirty_days(app, client, make_person):
    """Even where sessions are allowed to last longer than the 12 hours of the default."""
    app.config.update(SESSION_ABSOLUTE_HOURS=24 * 90, SESSION_IDLE_MINUTES=60 * 24 * 90)
    make_person(EMAIL)
    sign_in(client, remember=True)
    remembered = copy_of(client, "remember_token", app.test_client())
    start = dates.now()

    with time_machine.travel(start + timedelta(days=29), tick=False):
        assert signed_in(copy_of(client, "remember_token", app.test_client()))
    with time_machine.travel(start + timedelta(days=30, hours=1), tick=False):
        assert not signed_in(remembered)


def test_the_cookie_carries_no_plain_person_id(app, client, make_person):
    """Flask-Login's id is person:generation:key, and only the key's hash is stored."""
    make_person(EMAIL)
    sign_in(client)

    with client.session_transaction() as session:
        user_id = session["_user_id"]
    person_id, generation, key = user_id.split(":")
    with app.app_context():
        rows = db.session.scalars(select(SignInSession)).all()
    assert len(rows) == 1
    assert len(key) >= 40
    assert key not in rows[0].key_hash
    assert int(generation) == rows[0].generation
