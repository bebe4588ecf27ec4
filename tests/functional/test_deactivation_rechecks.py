"""Deactivation (DESIGN section 13): deactivating a person re-checks their planned
delegations at once, so their standing is flagged on every list, and the page that
deactivates says how many were affected. A re-check afterwards keeps them flagged."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from tests.conftest import recording_statements
from tracker.decision.models import DecisionRecord
from tracker.delegations.models import Delegation
from tracker.extensions import db
from tracker.staff.models import Person

pytestmark = pytest.mark.usefixtures("sample_clock")


def ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Person.email, Person.id)).all())


def record(client, app, when="2026-11-23T10:00", task="injection"):
    people = ids(app)
    response = client.post(
        "/delegations/new",
        data={
            "assistant_id": people["ana@example.org"],
            "task_code": task,
            "site_code": "main",
            "scheduled_for": when,
            "delegated_by_id": people["dr.lee@example.org"],
            "notes": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def standings(app) -> dict[int, str]:
    with app.app_context():
        return {
            d.id: (d.standing or d.decision).status for d in db.session.scalars(select(Delegation))
        }


def test_deactivating_an_assistant_flags_her_planned_delegations_and_says_so(app, client, login_as):
    login_as("manager@example.org")
    first, second = record(client, app), record(client, app, "2026-11-23T11:00")
    assert standings(app) == {first: "clear", second: "clear"}

    response = client.post(
        f"/records/people/{ids(app)['ana@example.org']}/deactivate", follow_redirects=True
    )

    page = html.unescape(response.get_data(as_text=True))
    assert "Ana Ruiz was deactivated" in page
    assert "2 planned delegations re-checked, 2 now flagged" in page
    assert standings(app) == {first: "flagged", second: "flagged"}
    # Flagged on the lists: the delegations page's flagged filter and the home page.
    listed = client.get("/delegations/?flagged=1").get_data(as_text=True)
    assert (
        listed.count(f'href="/delegations/{first}"') + listed.count(f'href="/delegations/{second}"')
        >= 2
    )
    detail = html.unescape(client.get(f"/delegations/{first}").get_data(as_text=True))
    assert "Ana Ruiz no longer works here since 2026-11-20" in detail

    # A re-check on today's records keeps it flagged (it used to turn clear, with a warning).
    client.post(f"/delegations/{first}/recheck")
    assert standings(app)[first] == "flagged"


def test_deactivating_the_delegating_provider_flags_the_delegations_he_made(
    app, client, login_as, make_person
):
    from tracker.vocabulary import Role

    make_person("admin@example.org", Role.admin, sites=["main"])
    login_as("manager@example.org")
    made = record(client, app)
    client.post("/logout")
    client.post("/login", data={"email": "admin@example.org", "password": "correct-horse-battery"})

    response = client.post(
        f"/records/people/{ids(app)['dr.lee@example.org']}/deactivate", follow_redirects=True
    )

    page = html.unescape(response.get_data(as_text=True))
    assert "1 planned delegation re-checked, 1 now flagged" in page
    assert standings(app) == {made: "flagged"}
    with app.app_context():
        standing = db.session.get(Delegation, made).standing
        supervision = next(
            c for c in standing.result["conditions"] if c["condition"] == "supervision"
        )
    assert "Dr. Lee no longer works here since 2026-11-20" in supervision["reason"]


def test_a_practice_file_deactivating_her_re_checks_too(app, client, login_as, runner, tmp_path):
    import json

    login_as("manager@example.org")
    made = record(client, app)
    path = tmp_path / "practice.json"
    path.write_text(
        json.dumps(
            {"people": [{"email": "ana@example.org", "name": "Ana Ruiz", "role": "assistant",
                         "active": False}]}
        ),
        encoding="utf-8",
    )  # fmt: skip

    result = runner.invoke(args=["import-practice", str(path)])

    assert result.exit_code == 0, result.output
    assert standings(app) == {made: "flagged"}


def fact_reads(statements) -> int:
    tables = ("licenses", "credentials", "competencies", "supervision_assignments", "shifts",
              "policies", "state_rules", "person_sites")  # fmt: skip
    return sum(
        1
        for s in statements
        if s.lstrip().upper().startswith("SELECT") and any(f"FROM {t}" in s for t in tables)
    )


def test_the_re_check_reads_the_facts_in_a_fixed_number_of_queries(app, client, login_as):
    from tracker.audit.services import CLI
    from tracker.delegations.services import planned_delegations_of, recheck_delegations

    login_as("manager@example.org")
    for hour in (8, 9):
        record(client, app, f"2026-11-23T{hour:02d}:00")
    reads = []
    for more in range(2):
        if more:
            for hour in (10, 11, 12, 13):
                record(client, app, f"2026-11-23T{hour:02d}:00")
        with app.app_context():
            ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
            delegations = planned_delegations_of(ana)
            with recording_statements(db.engine) as statements:
                recheck_delegations(delegations, CLI)
            db.session.rollback()
        reads.append((len(delegations), fact_reads(statements)))

    (few, few_reads), (many, many_reads) = reads
    assert (few, many) == (2, 6)
    assert few_reads == many_reads > 0
    with app.app_context():
        assert (
            db.session.scalar(select(DecisionRecord.id).where(DecisionRecord.source == "recheck"))
            is None
        )
