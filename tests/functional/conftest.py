"""Fixtures shared by the page tests of the sample practice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.staff.models import Person


@pytest.fixture
def login_as(app, client, practice):
    """Give a sample-practice person a password and sign them in; returns their id."""

    def login(email: str) -> int:
        with app.app_context():
            person = db.session.scalar(select(Person).where(Person.email == email))
            person.set_password(PASSWORD)
            person_id = person.id
            db.session.commit()
        client.post("/logout")
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302
        return person_id

    return login


#: After the sample Monday (2026-11-23 in Los Angeles), morning and evening delegations alike.
AFTER_MONDAY = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def after_monday(sample_clock, login_as):
    """Move the clock past the sample Monday and sign in again as ``email``: days later, the
    session has ended by its time limits."""

    def later(email: str) -> None:
        sample_clock.move_to(AFTER_MONDAY)
        login_as(email)

    return later
