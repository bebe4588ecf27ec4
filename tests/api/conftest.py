"""Fixtures for the JSON API: the sample practice, people of every role, and tokens."""

from __future__ import annotations

import pytest

from tracker.extensions import db
from tracker.vocabulary import Role

#: Monday 2026-11-23, 10:00 in Los Angeles: Dr. Lee is on shift at Main St.
DURING_SHIFT = "2026-11-23T10:00:00-08:00"


@pytest.fixture
def make_token(app):
    """Create a token for an existing person; returns the token."""
    from tracker.api.tokens import create_token
    from tracker.audit.services import CLI
    from tracker.staff.models import Person

    def make(email, scopes=("decide", "read", "write"), days=None, name=None):
        with app.app_context():
            person = db.session.query(Person).filter_by(email=email).one()
            token, _ = create_token(person, name or f"t{len(scopes)}-{id(scopes)}", scopes,
                                    days, CLI)  # fmt: skip
            db.session.commit()
            return token

    return make


@pytest.fixture
def people(app, practice, make_person):
    """One person of each role besides the sample practice's (everyone can sign in with
    PASSWORD); returns their emails by role."""
    from tests.conftest import PASSWORD
    from tracker.staff.models import Person

    with app.app_context():
        for person in db.session.query(Person):
            person.set_password(PASSWORD)
        db.session.commit()
    make_person("admin@example.org", Role.admin, sites=["main"])
    make_person("compliance@example.org", Role.compliance, sites=["main"])
    make_person("other.ma@example.org", Role.assistant, sites=["main"], job_level="CMA")
    return {
        Role.assistant: "ana@example.org",
        Role.provider: "dr.lee@example.org",
        Role.manager: "manager@example.org",
        Role.compliance: "compliance@example.org",
        Role.admin: "admin@example.org",
    }


@pytest.fixture
def api(client):
    """Call the API with a token: ``api("POST", "/decisions", token, json=...)``."""

    def call(method, path, token=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    return call
