"""Sign-in hardening (DESIGN section 12): idle and absolute session limits, sign out
everywhere, one's own password change, an admin's "must change", two-factor sign-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from config import DevelopmentConfig, ProductionConfig, TestingConfig
from tests.conftest import PASSWORD
from tracker import dates
from tracker.audit.models import AuditEvent
from tracker.auth.models import RecoveryCode, TwoFactor
from tracker.errors import Refused
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.vocabulary import Role

EMAIL = "ana@example.org"
ADMIN = "root@example.org"
NEW_PASSWORD = "a fresh passphrase for her"


def sign_in(client, email=EMAIL, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def events(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# --------------------------------------------------------------------------- sessions


def test_a_session_ends_after_thirty_idle_minutes(app, client, make_person):
    make_person(EMAIL)
    start = dates.now()
    with time_machine.travel(start, tick=False):
        assert sign_in(client).status_code == 302
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/").status_code == 200  # a request keeps it alive…
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert client.get("/").status_code == 200  # …29 minutes after the last one
    with time_machine.travel(start + timedelta(minutes=58 + 32), tick=False):
        response = client.get("/staff/me")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "signed out after 30 minutes without activity" in page
        # Signing in again works, and goes back where the person was.
        again = client.post(response.headers["Location"],
                            data={"email": EMAIL, "password": PASSWORD})  # fmt: skip
        assert again.headers["Location"] == "/staff/me"


def test_the_idle_limit_comes_from_the_config(app, client, make_person):
    app.config["SESSION_IDLE_MINUTES"] = 5
    make_person(EMAIL)
    start = dates.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    with time_machine.travel(start + timedelta(minutes=7), tick=False):
        assert client.get("/").status_code == 302


def test_a_busy_session_still_ends_after_twelve_hours(app, client, make_person):
    make_person(EMAIL)
    start = dates.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200, minutes
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        response = client.get("/")
        assert response.status_code == 302
        assert "12-hour limit" in client.get(response.headers["Location"]).get_data(True)


def test_sign_out_everywhere_ends_every_session_of_that_person(app, client, make_person):
    ana = make_person(EMAIL)
    make_person("ben@example.org")
    phone, ben = app.test_client(), app.test_client()
    sign_in(client)
    sign_in(phone)
    sign_in(ben, "ben@example.org")
    assert "Sign out everywhere" in client.get("/account/").get_data(as_text=True)

    response = client.post("/account/sign-out-everywhere")

    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert ben.get("/").status_code == 200
    assert [e.actor_id for e in events(app, "logout_everywhere")] == [ana]


# --------------------------------------------------------------------------- passwords


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm": confirm or new})  # fmt: skip


def test_changing_ones_password_needs_the_current_one(app, client, make_person):
    make_person(EMAIL)
    sign_in(client)

    wrong = change(client, current="not-my-password-at-all")
    common = change(client, new="password1234")
    mismatch = change(client, confirm=NEW_PASSWORD + "!")

    assert wrong.status_code == 400
    assert "That is not your current password." in wrong.get_data(as_text=True)
    assert "common passwords" in common.get_data(as_text=True)
    assert "The two do not match." in mismatch.get_data(as_text=True)
    assert sign_in(app.test_client()).status_code == 302  # the old one still works


def test_changing_ones_password_signs_out_every_other_session(app, client, make_person):
    ana = make_person(EMAIL)
    other = app.test_client()
    sign_in(client)
    sign_in(other)

    response = change(client)

    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser goes on
    assert other.get("/").status_code == 302
    assert sign_in(app.test_client(), password=PASSWORD).status_code == 401
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 302
    assert [e.actor_id for e in events(app, "password_set")] == [ana]


def test_an_admin_can_ask_for_a_new_password_at_next_sign_in(app, client, make_person):
    ana = make_person(EMAIL)
    make_person(ADMIN, role=Role.admin)
    admin = app.test_client()
    sign_in(admin, ADMIN)
    with app.app_context():
        person = db.session.get(Person, ana)
        data = {"name": person.name, "email": EMAIL, "role": "assistant",
                "must_change_password": "y"}  # fmt: skip
    assert "Ask for a new password" in admin.get(f"/records/people/{ana}/edit").get_data(True)
    assert admin.post(f"/records/people/{ana}/edit", data=data).status_code == 302

    sign_in(client)
    home = client.get("/")

    assert home.status_code == 302
    assert home.headers["Location"] == "/account/password"
    assert client.get("/staff/me").headers["Location"] == "/account/password"
    assert change(client).status_code == 302
    assert client.get("/").status_code == 200
    with app.app_context():
        assert not db.session.get(Person, ana).must_change_password


def test_a_manager_cannot_ask_for_a_forced_change(app, make_person):

    from tracker.staff.services import update_person

    ana = make_person(EMAIL)
    boss = make_person("boss@example.org", role=Role.manager)
    with app.app_context():
        person, manager = db.session.get(Person, ana), db.session.get(Person, boss)
        with pytest.raises(Refused, match="Only an administrator"):
            update_person(manager, person, email=EMAIL, name="Ana", role=Role.assistant,
                          must_change_password=True)  # fmt: skip


# --------------------------------------------------------------------------- two-factor


def turn_on_two_factor(app, client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    assert client.get("/account/two-factor/qr.svg").mimetype == "image/svg+xml"
    with client.session_transaction() as session:
        secret = session["pending_totp_secret"]
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page.get_data(True)
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 400
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r'class="recovery-code">([A-Z0-9-]+)<', done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_turning_on_two_factor_then_signing_in_with_a_code_once(app, client, make_person):
    ana = make_person(EMAIL)
    sign_in(client)
    secret, codes = turn_on_two_factor(app, client)
    with app.app_context():
        stored = db.session.get(TwoFactor, ana)
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert stored is not None and len(hashes) == 10
    assert not {c.replace("-", "") for c in codes} & set(hashes)  # stored hashed
    assert [e.actor_id for e in events(app, "two_factor_enabled")] == [ana]
    client.post("/logout")

    first = sign_in(client)
    assert first.headers["Location"] == "/login/code"
    second_page = client.get("/login/code")
    assert "Enter the six-digit code" in second_page.get_data(as_text=True)
    assert "default-src 'self'" in second_page.headers["Content-Security-Policy"]
    assert client.get("/").status_code == 302  # not signed in yet
    start = dates.now() + timedelta(seconds=60)
    with time_machine.travel(start, tick=False):
        code = pyotp.TOTP(secret).now()
        assert client.post("/login/code", data={"code": "123456"}).status_code == 401
        assert client.post("/login/code", data={"code": code}).status_code == 302
        assert client.get("/").status_code == 200
        # The same code, replayed from another browser after the password: refused.
        other = app.test_client()
        sign_in(other)
        assert other.post("/login/code", data={"code": code}).status_code == 401
    dump = repr([(e.before, e.after) for e in events(app, "two_factor_enabled")])
    assert secret not in dump


def test_a_recovery_code_signs_in_once(app, client, make_person):
    ana = make_person(EMAIL)
    sign_in(client)
    _secret, codes = turn_on_two_factor(app, client)
    client.post("/logout")

    sign_in(client)
    used = client.post("/login/code", data={"code": codes[3].lower()})
    assert used.status_code == 302
    assert "Recovery codes left: 9 of 10" in client.get("/account/").get_data(as_text=True)
    client.post("/logout")
    sign_in(client)
    again = client.post("/login/code", data={"code": codes[3]})

    assert again.status_code == 401
    recovery = events(app, "recovery_code_used")
    assert [(e.actor_id, e.after["codes_left"]) for e in recovery] == [(ana, 9)]


def test_a_role_that_requires_two_factor_is_sent_to_set_it_up(app, client, make_person):
    app.config["REQUIRE_2FA_ROLES"] = "admin,compliance"
    make_person(ADMIN, role=Role.admin)
    make_person(EMAIL)
    assistant = app.test_client()
    sign_in(assistant)
    assert assistant.get("/").status_code == 200  # not required of an assistant

    sign_in(client, ADMIN)
    home = client.get("/")

    assert home.status_code == 302
    assert home.headers["Location"] == "/account/two-factor"
    assert client.get("/audit/").headers["Location"] == "/account/two-factor"
    turn_on_two_factor(app, client)
    assert client.get("/").status_code == 200
    refused = client.post("/account/two-factor/off", data={"password": PASSWORD})
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(TwoFactor)) is not None


def test_turning_two_factor_off_needs_the_password(app, client, make_person):
    make_person(EMAIL)
    sign_in(client)
    turn_on_two_factor(app, client)

    client.post("/account/two-factor/off", data={"password": "not-the-password-1"})
    with app.app_context():
        assert db.session.scalar(select(TwoFactor)) is not None
    client.post("/account/two-factor/off", data={"password": PASSWORD})

    with app.app_context():
        assert db.session.scalar(select(TwoFactor)) is None
        assert db.session.scalar(select(RecoveryCode)) is None
    assert len(events(app, "two_factor_disabled")) == 1


def test_production_requires_two_factor_of_admins_and_compliance_not_development():
    assert ProductionConfig.REQUIRE_2FA_ROLES == "admin,compliance"
    assert DevelopmentConfig.REQUIRE_2FA_ROLES == ""
    assert TestingConfig.REQUIRE_2FA_ROLES == ""
