"""Self-checks are the assistant's (DESIGN section 13): what an assistant asked "May I?" (on
the page or with their own token) is seen by that assistant, compliance and admins; a
provider or a manager sees neither the entry in /decisions nor its page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.api.conftest import DURING_SHIFT
from tests.conftest import PASSWORD
from tracker.decision.models import DecisionRecord
from tracker.extensions import db
from tracker.staff.models import Person
from tracker.vocabulary import Role


def sign_in(client, email):
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


@pytest.fixture
def asked(app, client, people, make_token, api):
    """Ana asks twice (the page, her token); the manager asks about Ana on the page.
    Returns the decision log's ids: (Ana's own, the manager's question)."""
    sign_in(client, people[Role.assistant])
    with app.app_context():
        ana_id = db.session.scalar(select(Person.id).where(Person.email == "ana@example.org"))
    page = client.post(
        "/may-i",
        data={"assistant_id": ana_id, "task_code": "prescribing", "site_code": "main",
              "at": "2026-11-23T10:00"},
    )  # fmt: skip
    assert page.status_code == 200
    token = make_token(people[Role.assistant], scopes=("decide",))
    answer = api(
        "POST", "/decisions", token,
        json={"assistant": "ana@example.org", "task": "injection", "site": "main",
              "at": DURING_SHIFT},
    )  # fmt: skip
    assert answer.status_code == 200
    sign_in(client, people[Role.manager])
    page = client.post(
        "/may-i",
        data={"assistant_id": ana_id, "task_code": "venipuncture", "site_code": "main",
              "at": "2026-11-23T10:00"},
    )  # fmt: skip
    assert page.status_code == 200
    client.post("/logout")
    with app.app_context():
        rows = db.session.execute(
            select(DecisionRecord.id, DecisionRecord.asked_by_id, DecisionRecord.assistant_id)
            .order_by(DecisionRecord.id)
        ).all()  # fmt: skip
    own = [i for i, asker, assistant in rows if asker == assistant]
    others = [i for i, asker, assistant in rows if asker != assistant]
    assert len(own) == 2 and len(others) == 1
    return own, others[0]


@pytest.mark.parametrize("role", [Role.provider, Role.manager])
def test_providers_and_managers_do_not_see_an_assistants_self_checks(client, people, asked, role):
    own, managers_question = asked
    sign_in(client, people[role])

    log = client.get("/decisions").get_data(as_text=True)

    assert "Prescribing" not in log and "Injection" not in log
    assert "Venipuncture" in log  # a manager's question about Ana is not Ana's own
    for record_id in own:
        assert client.get(f"/decisions/{record_id}").status_code == 404
    assert client.get(f"/decisions/{managers_question}").status_code == 200
    api_filtered = client.get("/decisions?source=api").get_data(as_text=True)
    assert "Injection" not in api_filtered


@pytest.mark.parametrize("role", [Role.assistant, Role.compliance, Role.admin])
def test_the_assistant_compliance_and_admins_see_them(client, people, asked, role):
    own, _ = asked
    sign_in(client, people[role])

    log = client.get("/decisions").get_data(as_text=True)

    assert "Prescribing" in log and "Injection" in log
    for record_id in own:
        assert client.get(f"/decisions/{record_id}").status_code == 200
