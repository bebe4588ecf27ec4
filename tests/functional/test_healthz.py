"""GET /healthz: public, 200 while the database answers, 503 when it does not."""

from __future__ import annotations

import os

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tests.conftest import make_app
from tracker.audit.models import AuditEvent
from tracker.extensions import db


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


def test_healthz_answers_200_without_signing_in_and_writes_nothing(app, client):
    before = audit_count(app)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # a monitor gets no session
    assert audit_count(app) == before  # a monitor's knock is not an audit event


def unreachable_database_url(tmp_path) -> str:
    """The test database's dialect, at a place where nothing answers."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and not url.startswith("sqlite"):
        return make_url(url).set(host="127.0.0.1", port=1).render_as_string(hide_password=False)
    return f"sqlite:///{tmp_path / 'no-such-folder' / 'tracker.sqlite'}"


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    app = make_app(unreachable_database_url(tmp_path))
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
    # Not an error page: the same small JSON body a monitor can read, with the headers.
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        db.engine.dispose()


def test_healthz_recovers_when_the_database_comes_back(tmp_path):
    folder = tmp_path / "later"
    app = make_app(f"sqlite:///{folder / 'tracker.sqlite'}")
    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    folder.mkdir()
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        db.engine.dispose()
