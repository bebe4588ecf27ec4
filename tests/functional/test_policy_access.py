"""Who may open the state-rule and policy pages: managers and admins change them, every
role reads them (an MA checks the written policy before declining a request)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tracker.access import ACCESS
from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.vocabulary import Role

READERS = tuple(Role)
KEEPERS = (Role.manager, Role.admin)


@pytest.fixture
def ids(app, practice):
    with app.app_context():
        return {
            "policy": db.session.scalar(select(Policy.id)),
            "rule": db.session.scalar(select(StateRule.id)),
        }


def read_pages(ids) -> list[str]:
    return ["/policy/", "/policy/?site=main", "/policy/all", "/policy/states/", "/policy/states/CA"]


def edit_pages(ids) -> list[str]:
    return [
        "/policy/new",
        f"/policy/{ids['policy']}/edit",
        f"/policy/{ids['policy']}/end",
        "/policy/states/rules/new",
        f"/policy/states/rules/{ids['rule']}/edit",
    ]


def post_targets(ids) -> list[str]:
    return edit_pages(ids) + [
        "/policy/new/preview",
        f"/policy/{ids['policy']}/edit/preview",
        f"/policy/{ids['policy']}/end/preview",
    ]


def sign_in(make_person, auth, role: Role) -> None:
    email = f"{role.value}@policy.test"
    make_person(
        email, role=role, sites=["main"], job_level="CMA" if role == Role.assistant else None
    )
    assert auth.login(email).status_code == 302


def test_every_policy_endpoint_is_in_the_access_table(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("policy.")}
    assert len(endpoints) == 11
    assert endpoints <= set(ACCESS)


@pytest.mark.parametrize("role", list(Role))
def test_read_pages_open_to_every_role(client, make_person, auth, ids, role):
    sign_in(make_person, auth, role)
    for url in read_pages(ids):
        response = client.get(url)
        assert response.status_code == (200 if role in READERS else 403), url


@pytest.mark.parametrize("role", list(Role))
def test_edit_pages_open_to_managers_and_admins_only(client, make_person, auth, ids, role):
    sign_in(make_person, auth, role)
    for url in edit_pages(ids):
        response = client.get(url)
        assert response.status_code == (200 if role in KEEPERS else 403), url


@pytest.mark.parametrize("role", [Role.assistant, Role.provider, Role.compliance])
def test_others_cannot_change_anything_and_each_refusal_is_logged(
    app, client, make_person, auth, ids, role
):
    sign_in(make_person, auth, role)
    with app.app_context():
        policy_before = db.session.get(Policy, ids["policy"]).authorized
        refused_before = db.session.scalar(
            select(func.count()).where(AuditEvent.action == "access_denied")
        )

    for url in post_targets(ids):
        response = client.post(
            url, data={"action": "save", "authorized": "no", "effective_to": "2026-12-01"}
        )
        assert response.status_code == 403, url

    with app.app_context():
        assert db.session.get(Policy, ids["policy"]).authorized == policy_before
        assert db.session.scalar(select(func.count()).select_from(Policy)) == 1
        assert db.session.scalar(select(func.count()).select_from(StateRule)) == 1
        refused = db.session.scalar(
            select(func.count()).where(AuditEvent.action == "access_denied")
        )
        assert refused - refused_before == len(post_targets(ids))


@pytest.mark.usefixtures("sample_clock")
def test_read_only_roles_see_no_edit_links(client, make_person, auth, ids):
    sign_in(make_person, auth, Role.compliance)
    matrix = client.get("/policy/").get_data(as_text=True)
    rules = client.get("/policy/states/CA").get_data(as_text=True)
    assert "Clinical Task Policy v3" in matrix
    assert f"/policy/{ids['policy']}/edit" not in matrix
    assert "Write a policy" not in matrix
    assert f"/policy/states/rules/{ids['rule']}/edit" not in rules
    assert "16 CCR 1366" in rules


def test_signed_out_visitors_are_sent_to_sign_in(client, ids):
    response = client.get("/policy/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_preview_pages_answer_only_post(client, make_person, auth, ids):
    sign_in(make_person, auth, Role.manager)
    assert client.get("/policy/new/preview").status_code == 405
    assert client.get(f"/policy/{ids['policy']}/end/preview").status_code == 405


def test_unknown_records_are_404_and_unknown_filters_400(client, make_person, auth, ids):
    sign_in(make_person, auth, Role.manager)
    assert client.get("/policy/9999/edit").status_code == 404
    assert client.get("/policy/9999/end").status_code == 404
    assert client.post("/policy/9999/edit/preview", data={}).status_code == 404
    assert client.get("/policy/states/rules/9999/edit").status_code == 404
    assert client.get("/policy/states/ZZ").status_code == 404
    assert client.get("/policy/?site=nowhere").status_code == 400
    assert client.get("/policy/all?task=nothing").status_code == 400


def test_evidence_links_open_the_rule_or_policy_a_decision_rests_on(client, make_person, auth, ids):
    sign_in(make_person, auth, Role.provider)

    rule = client.get(f"/policy/states/?rule={ids['rule']}")
    policy = client.get(f"/policy/all?policy={ids['policy']}")

    assert rule.status_code == 302
    assert rule.headers["Location"].endswith("/policy/states/CA#task-injection")
    assert policy.status_code == 302
    assert policy.headers["Location"].endswith(f"/policy/all?task=injection#policy-{ids['policy']}")
    assert client.get("/policy/states/?rule=9999").status_code == 404
    assert client.get("/policy/all?policy=oops").status_code == 404
