"""POST and GET /api/v1/directions (DESIGN section 15): a provider's token gives a
direction for one request; each person reads the directions they may see."""

from __future__ import annotations

import pytest
import time_machine

from tracker.extensions import db
from tracker.vocabulary import Role

#: Monday 2026-11-23, 10:00 in Los Angeles.
NOW = "2026-11-23T18:00:00+00:00"
BODY = {"assistant": "ana@example.org", "task": "refill-transmission", "site": "main",
        "reference": "REQ-1182"}  # fmt: skip


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_providers_token_gives_a_direction_and_the_decision_rests_on_it(
    app, people, make_token, api
):
    token = make_token(people[Role.provider])
    before = api("POST", "/decisions", token, json={k: BODY[k] for k in ("assistant", "task",
                                                                          "site")})  # fmt: skip
    assert before.status_code == 200
    supervision = before.get_json()["conditions"][3]
    assert "ask the provider; do not decide it yourself" in supervision["reason"]
    given = api("POST", "/directions", token, json=BODY)
    assert given.status_code == 201, given.get_json()
    body = given.get_json()
    assert body["provider"] == "dr.lee@example.org"
    assert body["valid_until"] == "2026-11-24T08:00:00Z"  # the end of that day in LA
    after = api("POST", "/decisions", token, json={k: BODY[k] for k in ("assistant", "task",
                                                                         "site")})  # fmt: skip
    assert "REQ-1182" in after.get_json()["conditions"][3]["reason"]
    listed = api("GET", "/directions?date=2026-11-23", make_token(people[Role.assistant]))
    assert [d["reference"] for d in listed.get_json()["items"]] == ["REQ-1182"]
    other_ma = api("GET", "/directions?date=2026-11-23", make_token("other.ma@example.org"))
    assert other_ma.get_json()["items"] == []
    manager_token = make_token(people[Role.manager])
    manager = api("GET", "/directions", manager_token)
    assert len(manager.get_json()["items"]) == 1
    other_day = api("GET", "/directions?date=2026-11-22", manager_token)
    assert other_day.get_json()["items"] == []


@pytest.mark.parametrize("role", [Role.assistant, Role.manager, Role.admin])
def test_only_a_providers_token_gives_one(app, people, make_token, api, role):
    response = api("POST", "/directions", make_token(people[role]), json=BODY)
    assert response.status_code == 403


def test_the_write_scope_is_needed(app, people, make_token, api):
    token = make_token(people[Role.provider], scopes=("read",))
    assert api("POST", "/directions", token, json=BODY).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"assistant": "nobody@example.org"}, "assistant"),
        ({"task": "injection"}, "task"),
        ({"task": "prescribing"}, "task"),
        ({"site": "north"}, "provider"),  # Dr. Lee has no Texas license
        ({"reference": ""}, "reference"),
        ({"valid_until": "2026-11-25T10:00:00-08:00"}, "valid_until"),
        ({"given_at": "2026-11-23T10:00:00"}, "given_at"),
    ],
)
def test_a_bad_direction_is_refused_naming_the_field_and_nothing_is_kept(
    app, people, make_token, api, changes, field
):
    from tracker.protocols.models import Direction

    response = api("POST", "/directions", make_token(people[Role.provider]),
                   json={**BODY, **changes})  # fmt: skip
    assert response.status_code == 422, response.get_json()
    assert field in [e["field"] for e in response.get_json()["errors"]]
    with app.app_context():
        assert db.session.query(Direction).count() == 0


def test_the_directions_are_in_the_generated_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/directions"])
