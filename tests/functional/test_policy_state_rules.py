"""State rules through the pages: each state's list, stale and missing rules, the forms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tracker import dates
from tracker.audit.models import AuditEvent
from tracker.catalog.models import Task
from tracker.extensions import db
from tracker.policy.models import StateRule
from tracker.vocabulary import Role

#: The sample practice's first site, whose clock the practice-wide pages keep.
SITE_ZONE = "America/Los_Angeles"


@pytest.fixture
def manager(practice, make_person, auth):
    make_person("boss@example.org", role=Role.manager)
    assert auth.login("boss@example.org").status_code == 302


def rule_form(**overrides) -> dict:
    data = {
        "state": "TX",
        "task": "venipuncture",
        "status": "permitted",
        "requires_credentials": "CMA, RMA",
        "min_training_hours": "8",
        "supervision": "on_site",
        "citation": "Tex. Occ. Code 157.001",
        "verified_on": "2026-05-01",
    }
    data.update(overrides)
    return data


def rule_for(app, state: str, code: str) -> StateRule | None:
    with app.app_context():
        rule = db.session.scalar(
            select(StateRule)
            .join(StateRule.task)
            .where(StateRule.state == state, Task.code == code)
        )
        if rule is not None:
            db.session.expunge(rule)
        return rule


def count_rules(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StateRule))


def rule_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.record_type == "state_rules")
                .order_by(AuditEvent.id)
            )
        )


def set_verified(app, state: str, code: str, day: date | None) -> None:
    with app.app_context():
        rule = db.session.scalar(
            select(StateRule)
            .join(StateRule.task)
            .where(StateRule.state == state, Task.code == code)
        )
        rule.verified_on = day
        db.session.commit()


def row_of(html: str, code: str) -> str:
    start = html.index(f'id="task-{code}"')
    return html[start : html.index("</tr>", start)]


def test_the_states_page_lists_the_states_of_the_practice_sites(client, manager):
    html = client.get("/policy/states/").get_data(as_text=True)
    assert "California (CA)" in html
    assert "Texas (TX)" in html
    assert "Main St" in html and "North" in html
    assert "New York (NY)</a>" not in html


def test_picking_another_state_opens_its_page(client, manager):
    response = client.get("/policy/states/?state=ny")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/policy/states/NY")
    html = client.get("/policy/states/NY").get_data(as_text=True)
    assert "No site of the practice is in New York" in html


def test_a_state_page_lists_each_task_with_its_rule_or_where_to_verify(app, client, manager):
    html = client.get("/policy/states/CA").get_data(as_text=True)

    injection = row_of(html, "injection")
    assert "permitted" in injection
    assert "16 CCR 1366, 1366.1" in injection
    assert "a supervising provider on site" in injection
    assert ">10<" in injection
    venipuncture = row_of(html, "venipuncture")
    assert "not verified" in venipuncture
    assert "California medical board" in venipuncture
    assert app.config["AAMA_STATE_SCOPE_URL"] in venipuncture
    assert "/policy/states/rules/new?state=CA&amp;task=venipuncture" in venipuncture
    assert "Reserved for licensed providers" in row_of(html, "diagnosis")
    assert "None needed for an administrative task" in row_of(html, "scheduling")
    # The practice's own tasks are listed too.
    assert "Spirometry" in row_of(html, "spirometry")


def test_a_rule_verified_more_than_twelve_months_ago_is_marked_stale(app, client, manager):
    today = dates.today(SITE_ZONE)
    # The same date a year ago (from 29 February: the 28th), written out rather than computed
    # by the rule's month arithmetic: verified then is not yet stale, the day before is.
    leap_day = (today.month, today.day) == (2, 29)
    a_year_ago = date(today.year - 1, today.month, 28 if leap_day else today.day)
    set_verified(app, "CA", "injection", a_year_ago - timedelta(days=1))
    row = row_of(client.get("/policy/states/CA").get_data(as_text=True), "injection")
    assert "stale: re-verify" in row
    assert "table-warning" in row

    set_verified(app, "CA", "injection", a_year_ago)
    row = row_of(client.get("/policy/states/CA").get_data(as_text=True), "injection")
    assert "stale" not in row

    set_verified(app, "CA", "injection", None)
    row = row_of(client.get("/policy/states/CA").get_data(as_text=True), "injection")
    assert "never verified" in row


@pytest.mark.usefixtures("sample_clock")
def test_a_manager_records_a_rule(app, client, manager):
    response = client.post("/policy/states/rules/new", data=rule_form())

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/policy/states/TX")
    rule = rule_for(app, "TX", "venipuncture")
    assert rule.status.value == "permitted"
    assert rule.requires_credentials == ["CMA", "RMA"]
    assert rule.min_training_hours == 8
    assert rule.supervision.value == "on_site"
    assert rule.verified_on == date(2026, 5, 1)
    [event] = [e for e in rule_events(app) if e.record_id == str(rule.id)]
    assert event.action == "create"
    assert event.actor_label == "boss@example.org"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Recorded the Texas rule for Venipuncture." in page


def test_the_new_rule_form_is_prefilled_from_the_link(client, manager):
    html = client.get("/policy/states/rules/new?state=tx&task=xray").get_data(as_text=True)
    assert '<option selected value="TX">' in html
    assert '<option selected value="xray">' in html


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"task": "diagnosis"}, "status", "Diagnosis is reserved for licensed providers"),
        (
            {"state": "CA", "task": "injection"},
            "task",
            "California already has a rule for Injection",
        ),
        ({"verified_on": "2199-01-01"}, "verified_on", "Cannot be later than today"),
        ({"verified_on": "2026-13-01"}, "verified_on", "Not a valid date value"),
        ({"min_training_hours": "-1"}, "min_training_hours", "Number must be between 0 and 10000"),
        ({"min_training_hours": "many"}, "min_training_hours", "Not a valid decimal value"),
        ({"state": "ZZ"}, "state", "Not a valid choice"),
        ({"task": "juggling"}, "task", "Not a valid choice"),
        ({"status": ""}, "status", "Choose permitted or prohibited"),
        ({"citation": "x" * 501}, "citation", "Field cannot be longer than 500 characters"),
        ({"requires_credentials": "CMA, " + "y" * 65}, "requires_credentials", "at most 64"),
    ],
)
def test_a_bad_rule_is_refused_next_to_its_field(app, client, manager, overrides, field, words):
    before = count_rules(app)
    events_before = len(rule_events(app))

    response = client.post("/policy/states/rules/new", data=rule_form(**overrides))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert words in html
    # The message sits with its field (Bootstrap marks the field invalid).
    start = html.index(f'name="{field}"')
    assert words in html[start : start + 3000]
    assert count_rules(app) == before
    assert len(rule_events(app)) == events_before


def test_a_manager_edits_a_rule_with_before_and_after_in_the_log(app, client, manager):
    rule = rule_for(app, "CA", "injection")
    page = client.get(f"/policy/states/rules/{rule.id}/edit").get_data(as_text=True)
    assert 'value="16 CCR 1366, 1366.1"' in page or "16 CCR 1366, 1366.1</textarea>" in page

    response = client.post(
        f"/policy/states/rules/{rule.id}/edit",
        data=rule_form(status="prohibited", citation="16 CCR 1366 (amended)", verified_on=""),
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/policy/states/CA")
    rule = rule_for(app, "CA", "injection")
    assert rule.status.value == "prohibited"
    assert rule.verified_on is None
    # The state and task of a recorded rule stay; the posted TX/venipuncture are ignored.
    assert rule_for(app, "TX", "venipuncture") is None
    event = rule_events(app)[-1]
    assert event.action == "update"
    assert event.before["status"] == "permitted"
    assert event.after["status"] == "prohibited"
    assert event.after["citation"] == "16 CCR 1366 (amended)"


@pytest.mark.usefixtures("sample_clock")
def test_editing_a_reserved_task_rule_to_permitted_is_refused(app, client, manager):
    client.post("/policy/states/rules/new", data=rule_form(task="diagnosis", status="prohibited"))
    rule = rule_for(app, "TX", "diagnosis")

    response = client.post(f"/policy/states/rules/{rule.id}/edit", data=rule_form())

    assert response.status_code == 200
    assert "Diagnosis is reserved for licensed providers" in response.get_data(as_text=True)
    assert rule_for(app, "TX", "diagnosis").status.value == "prohibited"


@pytest.mark.usefixtures("sample_clock")
def test_saving_a_rule_unchanged_says_so_and_logs_nothing(app, client, manager):
    rule = rule_for(app, "CA", "injection")
    events_before = len(rule_events(app))
    data = rule_form(
        requires_credentials="",
        min_training_hours="10",
        supervision="on_site",
        citation="16 CCR 1366, 1366.1",
        verified_on="2026-06-01",
    )

    response = client.post(f"/policy/states/rules/{rule.id}/edit", data=data, follow_redirects=True)

    assert "Nothing changed." in response.get_data(as_text=True)
    assert len(rule_events(app)) == events_before
