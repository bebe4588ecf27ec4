"""Histories read as words (issue 24, item 5): names and links instead of ids, times on
the viewer's clock to the minute, the decision log's "Made" in one zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from tests.conftest import PASSWORD, add_evening_shift
from tracker.decision.models import DecisionRecord
from tracker.extensions import db
from tracker.staff.models import Person


def _ids(app) -> dict[str, int]:
    with app.app_context():
        return {p.email.split("@")[0]: p.id for p in db.session.scalars(select(Person))}


def _evening_delegation(app, client, ids) -> str:
    """Ana's injection at 18:30 on the sample Monday, after Dr. Lee's shift: flagged."""
    response = client.post(
        "/delegations/new",
        data={"assistant_id": ids["ana"], "task_code": "injection", "site_code": "main",
              "scheduled_for": "2026-11-23T18:30", "delegated_by_id": ids["dr.lee"]},
    )  # fmt: skip
    return response.headers["Location"]


def test_a_delegations_history_names_its_decisions_and_links_them(app, client, login_as):
    login_as("manager@example.org")
    ids = _ids(app)
    delegation = _evening_delegation(app, client, ids)
    add_evening_shift(app)
    client.post(f"{delegation}/recheck", data={})
    with app.app_context():
        first, second = db.session.scalars(
            select(DecisionRecord.id).order_by(DecisionRecord.id)
        ).all()[-2:]

    page = client.get(delegation).get_data(as_text=True)
    history = page[page.index('id="history-h"') :]

    assert f'<a href="/decisions/{first}">decision #{first} (flagged)</a>' in history
    assert f'<a href="/decisions/{second}">decision #{second} (clear)</a>' in history
    assert "Standing changed on this re-check:</span>\n    yes" in history
    assert "— <span" not in history.split("Standing changed")[1][:80]
    assert "Decision:" not in history and not re.search(r"Standing decision:</span>\s*\d", history)
    assert "Delegated by:</span>\n    Dr. Lee" in history


def test_the_audit_trail_tells_values_in_words_on_the_viewers_clock(
    app, client, login_as, make_person
):
    login_as("manager@example.org")
    _evening_delegation(app, client, _ids(app))
    make_person("cora@example.org", "compliance", "Cora Compliance", sites=("main",))
    client.post("/logout")
    client.post("/login", data={"email": "cora@example.org", "password": PASSWORD})
    page = client.get("/audit/?record_type=delegations").get_data(as_text=True)

    assert "Times in America/Los_Angeles" in page
    assert "Scheduled for:</span>\n    2026-11-23 18:30 PST" in page
    assert "Assistant:</span>\n    Ana Ruiz" in page
    assert "(#" not in page.split("<tbody>")[1]
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", page)  # no microseconds anywhere
    assert re.search(r"decision #\d+ \(flagged\)</a>", page)


def test_the_decision_logs_made_column_is_in_one_zone(app, client, login_as, practice):
    ids = _ids(app)
    with app.app_context():
        from tracker.decision.models import DecisionRecord as Record
        from tracker.sites.models import Site

        sites = {s.code: s.id for s in db.session.scalars(select(Site))}
        task_id = db.session.scalar(select(DecisionRecord.task_id).limit(1))
        if task_id is None:
            from tracker.catalog.models import Task

            task_id = db.session.scalar(select(Task.id).where(Task.code == "injection"))
        # Made an hour apart at sites in different zones: newest first must read in order.
        # Asked by the manager (an assistant's own questions are hers: DESIGN section 13).
        for site, hour in (("main", 17), ("north", 18)):
            db.session.add(
                Record(assistant_id=ids["ana"], task_id=task_id, site_id=sites[site],
                       asked_by_id=ids["manager"],
                       at=datetime(2026, 11, 23, 18, tzinfo=UTC), source="page",
                       status="flagged", result={"status": "flagged", "conditions": []},
                       made_at=datetime(2026, 11, 20, hour, tzinfo=UTC))
            )  # fmt: skip
        db.session.commit()
    login_as("manager@example.org")

    page = client.get("/decisions").get_data(as_text=True)
    made = re.findall(r'href="/decisions/\d+">([^<]+)</a>', page)

    assert made[:2] == ["2026-11-20 10:00 PST", "2026-11-20 09:00 PST"]
