"""Fixtures shared by the page tests of the sample practice."""

from __future__ import annotations

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
