"""Passwords by NIST SP 800-63B (security finding 6): 12 to 128 characters, taken exactly
as typed, no composition rules; common ones and the email's name part refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.passwords import common_passwords, password_problem
from tracker.staff.models import Person
from tracker.vocabulary import Role

EMAIL = "mia.manager@example.org"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("x" * 11, "at least 12 characters"),
        (" " * 12, "one character repeated"),
        ("a" * 5000, "at most 128 characters"),
        ("z" * 129 + "!", "at most 128 characters"),
        ("password1234", "common passwords"),
        ("Qwertyuiop123", "common passwords"),
        ("ILOVEYOU2026", "common passwords"),
        ("123456789012", "common passwords"),
        ("my-Mia.Manager-secret", "name part of the email"),
    ],
)
def test_refused_passwords_say_why(password, why):
    assert why in password_problem(password, EMAIL)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",  # spaces inside, no digit, no capital: fine
        "  two spaces around  ",  # leading and trailing spaces are kept, not stripped
        "zoë ångström 🦓 passphrase",
        "a" * 127 + "b",  # 128 characters
        "twelve chars",
    ],
)
def test_passphrases_of_any_characters_are_accepted(password):
    assert password_problem(password, EMAIL) is None


def test_the_shipped_list_is_modest_and_all_at_least_twelve_characters():
    entries = common_passwords()
    assert 1000 <= len(entries) <= 20000
    assert min(len(p) for p in entries) >= 12


def create_user(runner, password, email=EMAIL):
    return runner.invoke(
        args=["create-user", email, "--name", "Mia", "--role", "manager", "--password-stdin"],
        input=f"{password}\n",
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 12, "one character repeated"),
        ("b" * 5000, "at most 128 characters"),
        ("Password@1234", "common passwords"),
        ("mia.manager-2026-x", "name part of the email"),
    ],
)
def test_create_user_refuses_and_stores_nothing(app, runner, password, message):
    result = create_user(runner, password)

    assert result.exit_code == 1
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(Person).where(Person.email == EMAIL)) is None


def test_a_password_with_outer_spaces_signs_in_exactly_as_typed(app, runner, client):
    typed = "  spaced out passphrase  "
    assert create_user(runner, typed).exit_code == 0

    stripped = client.post("/login", data={"email": EMAIL, "password": typed.strip()})
    exact = client.post("/login", data={"email": EMAIL, "password": typed})

    assert stripped.status_code == 401
    assert exact.status_code == 302


def test_a_128_character_password_can_be_set_and_typed_into_the_form(app, runner, client):
    longest = "p" * 64 + "q" * 64
    assert create_user(runner, longest).exit_code == 0

    response = client.post("/login", data={"email": EMAIL, "password": longest})

    assert response.status_code == 302


def test_the_people_form_refuses_twelve_spaces_and_a_common_password(app, client, make_person):
    make_person("boss@example.org", role=Role.admin)
    client.post("/login", data={"email": "boss@example.org", "password": PASSWORD})
    base = {"name": "Mia", "email": EMAIL, "role": "manager", "job_level": ""}

    spaces = client.post("/records/people/new", data={**base, "password": " " * 12})
    common = client.post("/records/people/new", data={**base, "password": "iloveyou1234"})

    assert spaces.status_code == 200
    assert "one character repeated" in spaces.get_data(as_text=True)
    assert "common passwords" in common.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Person).where(Person.email == EMAIL)) is None
