"""Delegations through the API: recording (idempotent), pages, standing, status; scopes
and roles; errors."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.api.conftest import DURING_SHIFT
from tests.conftest import add_evening_shift
from tracker import dates
from tracker.access import ACCESS, API_SCOPES
from tracker.audit.services import CLI
from tracker.delegations.models import Delegation
from tracker.extensions import db
from tracker.vocabulary import Role

AFTER_SHIFT = "2026-11-23T18:00:00-08:00"  # injection needs a provider on site: flagged
#: A moment after every delegation these tests mark performed.
AFTER_BOTH = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
BODY = {"assistant": "ana@example.org", "task": "injection", "site": "main",
        "scheduled_for": DURING_SHIFT, "delegated_by": "dr.lee@example.org"}  # fmt: skip


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Delegation.id)))


def test_recording_a_delegation_returns_it_with_its_decision(app, api, people, make_token):
    token = make_token("manager@example.org", ("write", "read"))
    response = api("POST", "/delegations", token, json={**BODY, "notes": "room 4"})
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/delegations/{body['id']}")
    assert body["decision"]["status"] == "clear" == body["standing"]["status"]
    assert (body["assistant"], body["entered_by"], body["notes"]) == (
        "ana@example.org", "manager@example.org", "room 4")  # fmt: skip
    assert body["status"] == "planned" and body["rechecks"] == 0
    assert [c["condition"] for c in body["decision"]["conditions"]] == [
        "state_law", "employer_policy", "competency", "supervision"]  # fmt: skip
    one = api("GET", f"/delegations/{body['id']}", token)
    assert one.status_code == 200 and one.get_json() == body


def test_recording_refuses_bad_names_and_writes_nothing(app, api, people, make_token):
    manager = make_token("manager@example.org", ("write",))
    cases = [
        ({**BODY, "assistant": "dr.lee@example.org"}, "assistant"),
        ({**BODY, "task": "diagnosis"}, "task"),
        ({**BODY, "site": "nowhere"}, "site"),
        ({**BODY, "delegated_by": "manager@example.org"}, "delegated_by"),
        ({k: v for k, v in BODY.items() if k != "delegated_by"}, "delegated_by"),
        ({**BODY, "scheduled_for": "2026-11-23 10:00"}, "scheduled_for"),
        ({**BODY, "notes": "x" * 2001}, "notes"),
    ]
    for body, field in cases:
        response = api("POST", "/delegations", manager, json=body)
        assert response.status_code == 422, body
        assert field in {e["field"] for e in response.get_json()["errors"]}
    provider = make_token("dr.lee@example.org", ("write",))
    mine = {k: v for k, v in BODY.items() if k != "delegated_by"}
    assert api("POST", "/delegations", provider, json=mine).status_code == 201
    assert (
        api(
            "POST", "/delegations", provider, json={**BODY, "delegated_by": "other@example.org"}
        ).status_code
        == 422
    )
    assert count(app) == 1


def test_an_idempotency_key_returns_the_first_delegation(app, api, people, make_token):
    token = make_token("manager@example.org", ("write",))
    key = {"Idempotency-Key": "ehr-order-42"}
    first = api("POST", "/delegations", token, json=BODY, headers=key)
    again = api("POST", "/delegations", token, json=BODY, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    different = api("POST", "/delegations", token, json={**BODY, "notes": "other"}, headers=key)
    assert different.status_code == 422
    assert different.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert count(app) == 1
    # Another person's same key is theirs alone.
    admin = make_token("admin@example.org", ("write",))
    assert api("POST", "/delegations", admin, json=BODY, headers=key).status_code == 201
    assert count(app) == 2


def test_concurrent_duplicates_with_one_key_record_one_delegation(app, people, make_token):
    token = make_token("manager@example.org", ("write",))
    barrier = threading.Barrier(4)
    results = []

    def send():
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/api/v1/delegations",
            json=BODY,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same-order"},
        )
        results.append((response.status_code, response.get_json()["id"]))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(code for code, _ in results) == [200, 200, 200, 201]
    assert len({ident for _, ident in results}) == 1
    assert count(app) == 1


def test_pages_never_skip_or_repeat_when_rows_are_added_between_pages(app, api, people,
                                                                      make_token):  # fmt: skip
    token = make_token("manager@example.org", ("write", "read"))
    base = dates.now().replace(microsecond=0, second=0) + timedelta(days=3)

    def record(hours):
        moment = (base + timedelta(hours=hours)).isoformat()
        response = api("POST", "/delegations", token, json={**BODY, "scheduled_for": moment})
        assert response.status_code == 201
        return response.get_json()["id"]

    ids = [record(h) for h in (1, 2, 2, 3, 5, 8, 9)]
    seen, cursor, pages = [], None, 0
    while True:
        query = "/delegations?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api("GET", query, token).get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if pages == 2:
            record(0)  # before the cursor: not on a later page
            later = record(10)  # after it: on a later page
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids + [later]
    assert len(seen) == len(set(seen))
    times = [i["scheduled_for"] for i in api("GET", "/delegations?limit=500", token)
             .get_json()["items"]]  # fmt: skip
    assert times == sorted(times)
    assert api("GET", "/delegations?cursor=garbage!", token).status_code == 422


def test_filters_by_site_assistant_status_flagged_and_dates(app, api, people, make_token):
    token = make_token("manager@example.org", ("write", "read"))
    clear = api("POST", "/delegations", token, json=BODY).get_json()
    flagged = api("POST", "/delegations", token,
                  json={**BODY, "scheduled_for": AFTER_SHIFT}).get_json()  # fmt: skip
    assert flagged["standing"]["status"] == "flagged"

    def ids(query):
        response = api("GET", "/delegations?" + query, token)
        assert response.status_code == 200, response.get_json()
        return [i["id"] for i in response.get_json()["items"]]

    assert ids("flagged=true") == [flagged["id"]]
    assert ids("flagged=false") == [clear["id"]]
    assert ids("site=main&assistant=ana@example.org&status=planned") == [clear["id"], flagged["id"]]
    assert ids("status=performed") == []
    assert ids("from=2026-11-23&to=2026-11-23") == [clear["id"], flagged["id"]]
    assert ids("from=2026-11-24") == []
    assert ids("to=2026-11-22") == []
    for bad in (
        "site=mars",
        "assistant=x@y",
        "status=done",
        "flagged=perhaps",
        "limit=501",
        "from=yesterday",
    ):
        response = api("GET", "/delegations?" + bad, token)
        assert response.status_code == 422, bad
        assert response.content_type == "application/problem+json"


def test_standing_after_a_recheck_and_the_performed_while_flagged_rule(
    app, api, people, make_token, sample_clock
):

    token = make_token("manager@example.org", ("write", "read"))
    flagged = api("POST", "/delegations", token,
                  json={**BODY, "scheduled_for": AFTER_SHIFT}).get_json()  # fmt: skip
    path = f"/delegations/{flagged['id']}"
    sample_clock.move_to(AFTER_BOTH)  # both delegations' times have come
    refused = api("POST", path + "/status", token, json={"status": "performed"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "reason"
    add_evening_shift(app)  # the records are fixed
    rechecked = api("POST", path + "/recheck", token).get_json()
    assert rechecked["decision"]["status"] == "flagged"
    assert rechecked["standing"]["status"] == "clear"
    assert rechecked["standing_changed_at"] is not None and rechecked["rechecks"] == 1
    assert api("GET", "/delegations?flagged=true", token).get_json()["items"] == []
    done = api("POST", path + "/status", token, json={"status": "performed"})
    assert done.status_code == 200
    assert done.get_json()["performed_while_flagged"] is False

    second = api(
        "POST", "/delegations", token, json={**BODY, "scheduled_for": "2026-11-24T18:00:00-08:00"}
    ).get_json()
    path = f"/delegations/{second['id']}"
    done = api(
        "POST",
        path + "/status",
        token,
        json={"status": "performed", "reason": "Dr. Lee stayed late; shift not logged"},
    )
    assert done.status_code == 200
    body = done.get_json()
    assert body["performed_while_flagged"] is True
    assert body["status_reason"] == "Dr. Lee stayed late; shift not logged"
    again = api("POST", path + "/status", token, json={"status": "cancelled"})
    assert again.status_code == 422 and again.get_json()["errors"][0]["field"] == "status"


def test_a_future_delegation_cannot_be_marked_performed(app, api, people, make_token):
    token = make_token("manager@example.org", ("write",))
    soon = (dates.now() + timedelta(days=2)).replace(microsecond=0).isoformat()
    body = api("POST", "/delegations", token, json={**BODY, "scheduled_for": soon}).get_json()
    response = api("POST", f"/delegations/{body['id']}/status", token,
                   json={"status": "performed", "reason": "done early"})  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "status"
    cancelled = api("POST", f"/delegations/{body['id']}/status", token,
                    json={"status": "cancelled"})  # fmt: skip
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"


def test_objects_follow_the_pages_rules(app, api, people, make_token):
    manager = make_token("manager@example.org", ("write", "read"))
    made = api("POST", "/delegations", manager, json=BODY).get_json()
    other = make_token("other.ma@example.org", ("read", "write"))
    assert api("GET", f"/delegations/{made['id']}", other).status_code == 404
    assert api("GET", "/delegations", other).get_json()["items"] == []
    assert api("POST", f"/delegations/{made['id']}/recheck", other).status_code == 404
    assert api("GET", "/people/ana@example.org/training-file", other).status_code == 404
    ana = make_token("ana@example.org", ("read", "write"))
    assert [i["id"] for i in api("GET", "/delegations", ana).get_json()["items"]] == [made["id"]]
    assert api("POST", f"/delegations/{made['id']}/status", ana,
               json={"status": "cancelled"}).status_code == 403  # fmt: skip
    file = api("GET", "/people/ana@example.org/training-file", ana)
    assert file.status_code == 200
    body = file.get_json()
    assert body["competencies"][0]["status"] in ("current", "expiring", "expired")
    assert body["sites"][0]["code"] == "main" and body["supervision"]
    assert body["credentials"][0]["type"] == "CMA"
    assert api("GET", "/delegations/999999", manager).status_code == 404
    assert api("GET", "/people/nobody@example.org/training-file", manager).status_code == 404
    assert api("GET", "/expiring?days=4000", manager).status_code == 422
    assert api("GET", "/expiring?days=3650", manager).status_code == 200


ENDPOINT_CALLS = {
    "api_v1.decide": ("POST", "/decisions",
                      {"assistant": "ana@example.org", "task": "injection", "site": "main"}),
    "api_v1.decide_batch": ("POST", "/decisions/batch", {"checks": []}),
    "api_v1.eligible_assistants": ("GET", "/eligible?task=injection&site=main", None),
    "api_v1.delegations": ("GET", "/delegations", None),
    "api_v1.record_delegation": ("POST", "/delegations", None),
    "api_v1.delegation": ("GET", "/delegations/{id}", None),
    "api_v1.recheck": ("POST", "/delegations/{id}/recheck", None),
    "api_v1.delegation_status": ("POST", "/delegations/{id}/status", {"status": "cancelled"}),
    "api_v1.training_file": ("GET", "/people/ana@example.org/training-file", None),
    "api_v1.expiring": ("GET", "/expiring", None),
    "api_v1.give_direction": ("POST", "/directions",
                              {"assistant": "ana@example.org", "task": "refill-transmission",
                               "site": "main", "reference": "REQ-1"}),
    "api_v1.directions": ("GET", "/directions", None),
}  # fmt: skip


@pytest.mark.parametrize("role", list(Role))
def test_every_endpoint_by_scope_and_role(app, api, people, make_token, role, sample_clock):
    # On the sample practice's day: Dr. Lee's license (to 2027-06-30) is current to direct.
    assert set(ENDPOINT_CALLS) == set(API_SCOPES)
    email = people[role]
    for endpoint, (method, path, body) in ENDPOINT_CALLS.items():
        scope, roles = API_SCOPES[endpoint], ACCESS[endpoint]
        setup = make_token("manager@example.org", ("write",), name=f"setup-{endpoint}")
        made = api("POST", "/delegations", setup, json=BODY).get_json()
        url = path.format(id=made["id"])
        if endpoint == "api_v1.record_delegation":
            body = {**BODY, "delegated_by": "dr.lee@example.org"}
        others = tuple(s for s in ("decide", "read", "write") if s != scope)
        without = make_token(email, others, name=f"without-{endpoint}")
        response = api(method, url, without, json=body)
        assert response.status_code == 403, (role, endpoint, "scope")
        assert response.content_type == "application/problem+json"
        with_scope = make_token(email, (scope,), name=f"with-{endpoint}")
        response = api(method, url, with_scope, json=body)
        if role not in roles:
            assert response.status_code == 403, (role, endpoint)
        else:
            assert response.status_code in (200, 201), (role, endpoint, response.get_json())


def test_errors_under_the_api_are_problems_never_html_or_redirects(api, people, make_token):
    token = make_token("manager@example.org", ("read",))
    for method, path in (("GET", "/nowhere"), ("DELETE", "/delegations"),
                         ("PUT", "/decisions")):  # fmt: skip
        response = api(method, path, token)
        assert response.status_code in (404, 405)
        assert response.content_type == "application/problem+json"
        assert response.get_json()["status"] == response.status_code


def test_the_rate_limit_answers_429_with_retry_after(tmp_path):
    from tests.conftest import make_app
    from tracker.api.tokens import create_token
    from tracker.staff.models import Person

    app = make_app(f"sqlite:///{tmp_path / 'rl.sqlite'}", API_RATE_LIMIT="3/minute")
    with app.app_context():
        db.create_all()
        person = Person(email="m@example.org", name="M", role=Role.manager)
        db.session.add(person)
        db.session.flush()
        token, _ = create_token(person, "t", ["read"], None, CLI)
        other, _ = create_token(person, "u", ["read"], None, CLI)
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    codes = [client.get("/api/v1/delegations", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/delegations", headers=headers)
    assert limited.content_type == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    # Per token: another token is not limited by the first one's calls.
    assert (
        client.get("/api/v1/delegations", headers={"Authorization": f"Bearer {other}"}).status_code
        == 200
    )


def test_the_spec_and_the_docs_page_are_served(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    body = spec.get_json()
    assert body["openapi"].startswith("3.1")
    assert {
        "/api/v1/decisions",
        "/api/v1/decisions/batch",
        "/api/v1/eligible",
        "/api/v1/delegations",
        "/api/v1/delegations/{delegation_id}",
        "/api/v1/delegations/{delegation_id}/recheck",
        "/api/v1/delegations/{delegation_id}/status",
        "/api/v1/people/{email}/training-file",
        "/api/v1/expiring",
        "/api/v1/directions",
    } <= set(body["paths"])
    problem = body["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert "application/problem+json" in problem
    page = client.get("/api/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "POST /api/v1/decisions/batch" in text and "Idempotency-Key" in text
    assert "<script>" not in text and "cdn" not in text.lower()
