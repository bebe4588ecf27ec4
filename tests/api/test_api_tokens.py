"""API tokens: the CLI, the account page, and what a token may and may not do."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from tests.api.conftest import DURING_SHIFT
from tracker import dates
from tracker.api.models import ApiToken
from tracker.audit.models import AuditEvent
from tracker.extensions import db

DECISION = {"assistant": "ana@example.org", "task": "injection", "site": "main",
            "at": DURING_SHIFT}  # fmt: skip


def audit_text(app) -> str:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent)).all()
        return " ".join(f"{e.action} {e.before} {e.after} {e.actor_label}" for e in events)


def test_create_token_prints_only_the_token_and_stores_only_its_hash(app, runner, people, api):
    result = runner.invoke(
        args=["create-token", "manager@example.org", "--name", "ehr", "--scope", "decide",
              "--scope", "read", "--days", "30"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n"
    assert token.startswith("trk_") and len(token) > 40
    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        assert row.token_hash != token and token not in row.token_hash
        assert row.scopes == ["decide", "read"]
        assert row.expires_at - row.created_at == timedelta(days=30)
    assert token not in audit_text(app)
    assert "create_token" in audit_text(app)
    response = api("POST", "/decisions", token, json=DECISION)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).one().last_used_at is not None
    # A token is never on a page after it was shown.
    assert token not in audit_text(app)


def test_create_token_refuses_bad_input_with_one_line(runner, people):
    cases = [
        (["create-token", "nobody@example.org", "--name", "x", "--scope", "read"], "no person"),
        (["create-token", "manager@example.org", "--name", "x", "--scope", "admin"], "scope"),
        (["create-token", "manager@example.org", "--name", "x", "--scope", "read", "--days",
          "400"], "365"),
    ]  # fmt: skip
    for args, words in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 2, args
        assert words in result.stderr
        assert result.stdout == ""


def test_revoke_token_ends_it_at_once(runner, people, api):
    token = runner.invoke(
        args=["create-token", "manager@example.org", "--name", "ehr", "--scope", "decide"]
    ).stdout.strip()
    assert api("POST", "/decisions", token, json=DECISION).status_code == 200
    result = runner.invoke(args=["revoke-token", "manager@example.org", "ehr"])
    assert result.exit_code == 0, result.output
    response = api("POST", "/decisions", token, json=DECISION)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    again = runner.invoke(args=["revoke-token", "manager@example.org", "ehr"])
    assert again.exit_code == 2


def test_unknown_missing_expired_tokens_get_401_problem(api, people, make_token):
    for header in ({}, {"Authorization": "Bearer trk_nope"}, {"Authorization": "Basic abc"}):
        response = api("GET", "/delegations", headers=header)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        body = response.get_json()
        assert body["status"] == 401 and body["title"] and body["detail"]
        assert response.headers["WWW-Authenticate"] == "Bearer"
    token = make_token("manager@example.org", ("read",), days=1)
    assert api("GET", "/delegations", token).status_code == 200
    with time_machine.travel(dates.now() + timedelta(days=1, minutes=1), tick=False):
        assert api("GET", "/delegations", token).status_code == 401


def test_deactivation_ends_a_persons_tokens_at_once(app, api, people, make_token):
    from tracker.staff.models import Person
    from tracker.staff.services import set_active

    token = make_token("ana@example.org", ("read",))
    assert api("GET", "/delegations", token).status_code == 200
    with app.app_context():
        admin = db.session.scalar(select(Person).where(Person.email == "admin@example.org"))
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        set_active(admin, ana, False)
        db.session.commit()
        assert db.session.scalars(select(ApiToken.revoked_at)).one() is not None
    assert api("GET", "/delegations", token).status_code == 401
    # However a person is deactivated (an import, another worker), their tokens stop.
    other = make_token("other.ma@example.org", ("read",))
    assert api("GET", "/delegations", other).status_code == 200
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == "other.ma@example.org"))
        person.active = False
        db.session.commit()
    assert api("GET", "/delegations", other).status_code == 401


def test_a_signed_in_session_is_not_enough_for_the_api(client, auth, people, api):
    auth.login("manager@example.org")
    response = api("GET", "/delegations")
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert "Location" not in response.headers


def test_the_account_page_shows_a_new_token_once_and_revokes_it(app, client, auth, people, api):
    auth.login("manager@example.org")
    page = client.post(
        "/account/tokens/", data={"name": "scheduler", "scopes": ["decide"], "days": "30"}
    )
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    token = text.split('user-select-all d-block text-break">')[1].split("<")[0]
    assert token.startswith("trk_")
    assert api("POST", "/decisions", token, json=DECISION).status_code == 200
    listing = client.get("/account/tokens/").get_data(as_text=True)
    assert "scheduler" in listing and token not in listing
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert api("POST", "/decisions", token, json=DECISION).status_code == 401


def test_the_account_page_refuses_bad_tokens_and_others_tokens(app, client, auth, people,
                                                              make_token):  # fmt: skip
    make_token("dr.lee@example.org", ("read",), name="lee's")
    auth.login("manager@example.org")
    bad = client.post("/account/tokens/", data={"name": "", "scopes": [], "days": "500"})
    assert bad.status_code == 400
    assert "Choose at least one scope." in bad.get_data(as_text=True)
    with app.app_context():
        lee_token = db.session.scalars(select(ApiToken)).one()
    assert client.post(f"/account/tokens/{lee_token.id}/revoke").status_code == 404
    client.post("/logout")
    auth.login("admin@example.org")
    assert "lee&#39;s" in client.get("/account/tokens/").get_data(as_text=True)
    assert client.post(f"/account/tokens/{lee_token.id}/revoke").status_code == 302
    with app.app_context():
        assert db.session.get(ApiToken, lee_token.id).revoked_at is not None
