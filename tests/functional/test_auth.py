"""Signing in and out: passwords, throttling, CSRF, redirects, cookies, and the audit log."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, make_app
from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.vocabulary import Role

EMAIL = "ana@example.org"


def signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def events(app, action=None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(db.session.scalars(query))


def test_sign_in_opens_the_home_page(client, auth, make_person):
    make_person(EMAIL, name="Ana Ruiz")

    response = auth.login(EMAIL)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Ana Ruiz" in home.get_data(as_text=True)


def test_the_email_is_not_case_sensitive(client, auth, make_person):
    make_person(EMAIL)

    auth.login("  Ana@Example.ORG ")

    assert signed_in(client)


@pytest.mark.parametrize(
    ("email", "password"),
    [(EMAIL, "wrong-password-123"), ("nobody@example.org", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_a_wrong_password_or_unknown_email_is_refused_with_a_message(
    app, client, auth, make_person, email, password
):
    make_person(EMAIL)

    response = auth.login(email, password)

    assert response.status_code == 401
    # The same words either way: the page does not tell who has an account.
    assert "Email or password is not right." in response.get_data(as_text=True)
    assert not signed_in(client)
    failed = events(app, "login_failed")
    assert [e.record_id for e in failed] == [email]


def test_a_malformed_email_is_shown_next_to_the_field(client, make_person):
    response = client.post("/login", data={"email": "not-an-email", "password": PASSWORD})

    assert response.status_code == 200
    assert "Enter an email address" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_control_character_in_the_email_is_a_form_error(client, make_person):
    make_person(EMAIL)

    response = client.post("/login", data={"email": "ana\x00@example.org", "password": PASSWORD})

    assert response.status_code == 200
    # The one text-cleaning step of every form (tracker/forms.py) answers first.
    assert "Remove the control characters" in response.get_data(as_text=True)


def test_a_failed_sign_in_with_a_long_email_is_recorded_in_full(app, client):
    long_email = "a" * 70 + "@" + "b" * 60 + ".example.org"

    response = client.post("/login", data={"email": long_email, "password": PASSWORD})

    assert response.status_code == 401
    assert "Email or password is not right." in response.get_data(as_text=True)
    assert [e.record_id for e in events(app, "login_failed")] == [long_email]


def test_a_deactivated_person_cannot_sign_in(app, client, auth, make_person):
    make_person(EMAIL, active=False)

    response = auth.login(EMAIL)

    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert events(app, "login_failed")[0].after == {"reason": "inactive"}


def test_a_person_deactivated_while_signed_in_is_signed_out(app, client, auth, make_person):
    person_id = make_person(EMAIL)
    auth.login(EMAIL)
    assert signed_in(client)
    with app.app_context():
        db.session.get(Person, person_id).active = False
        db.session.commit()

    response = client.get("/")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_logout_signs_out(app, client, auth, make_person):
    person_id = make_person(EMAIL)
    auth.login(EMAIL)

    response = auth.logout()

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert not signed_in(client)
    logout = events(app, "logout")
    assert [e.actor_id for e in logout] == [person_id]


def test_logout_is_post_only(client, auth, make_person):
    make_person(EMAIL)
    auth.login(EMAIL)

    response = client.get("/logout")

    assert response.status_code == 405
    assert "That action is not available here." in response.get_data(as_text=True)
    assert signed_in(client)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "http:/evil.example",
    ],
)
def test_next_cannot_send_a_person_off_site(client, make_person, target):
    make_person(EMAIL)

    response = client.post(
        f"/login?next={quote(target, safe='')}", data={"email": EMAIL, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_on_this_site_is_followed(client, make_person):
    make_person(EMAIL)

    response = client.post(
        "/login?next=/staff/me?tab=credentials", data={"email": EMAIL, "password": PASSWORD}
    )

    assert response.headers["Location"] == "/staff/me?tab=credentials"


def test_the_login_redirect_remembers_where_the_person_was_going(client, make_person):
    make_person(EMAIL)
    bounce = client.get("/staff/me")
    login_url = bounce.headers["Location"]
    assert urlsplit(login_url).path == "/login"

    response = client.post(login_url, data={"email": EMAIL, "password": PASSWORD})

    assert urlsplit(response.headers["Location"]).path == "/staff/me"


def test_the_session_cookie_is_http_only_and_same_site_lax(client, make_person):
    make_person(EMAIL)

    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                           "remember": "y"})  # fmt: skip

    cookies = response.headers.getlist("Set-Cookie")
    session = [c for c in cookies if c.startswith("session=")]
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert session and remember
    for cookie in session + remember:
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


def test_login_and_failed_login_are_in_the_audit_log_without_any_password(app, auth, make_person):
    person_id = make_person(EMAIL)
    auth.login(EMAIL, "wrong-horse-battery-9")
    auth.login(EMAIL)

    failed = events(app, "login_failed")
    login = events(app, "login")
    assert [(e.record_id, e.actor_id) for e in failed] == [(EMAIL, None)]
    assert [e.actor_id for e in login] == [person_id]
    with app.app_context():
        password_hash = db.session.get(Person, person_id).password_hash
        rows = db.session.execute(select(AuditEvent.__table__)).all()
    dump = repr(rows)
    assert "wrong-horse-battery-9" not in dump
    assert PASSWORD not in dump
    assert password_hash not in dump
    assert "password_hash" not in dump


# --------------------------------------------------------------------------- CSRF


@pytest.fixture
def csrf_app(app):
    """A second app on the same database, with CSRF protection on as in production."""
    csrf_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True)
    yield csrf_app
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


def csrf_token(page) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(True))
    if match is None:
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_with_csrf_on_a_form_without_its_token_is_refused(csrf_app, make_person):
    make_person(EMAIL)
    client = csrf_app.test_client()

    refused = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 400
    assert "The form expired or did not come from this site; reload it." in refused.get_data(
        as_text=True
    )

    token = csrf_token(client.get("/login"))
    response = client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert signed_in(client)


def test_with_csrf_on_logout_needs_the_token(csrf_app, make_person):
    make_person(EMAIL)
    client = csrf_app.test_client()
    token = csrf_token(client.get("/login"))
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})

    refused = client.post("/logout")

    assert refused.status_code == 400
    assert signed_in(client)  # still signed in: the forged request did nothing

    home = client.get("/")
    response = client.post("/logout", data={"csrf_token": csrf_token(home)})
    assert response.status_code == 302
    assert not signed_in(client)


def test_a_role_label_is_shown_after_sign_in(client, auth, make_person):
    make_person("mia@example.org", role=Role.manager, name="Mia Manager")
    auth.login("mia@example.org")

    page = client.get("/").get_data(as_text=True)

    assert "Mia Manager" in page
    assert "Practice manager" in page
