"""Fix links know the decision and come back (DESIGN section 9): prefilled with what the
decision knows, carrying a same-site ``next``, and going back there once saved."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from tracker.competencies.models import Competency
from tracker.extensions import db
from tracker.rule.rules import decide
from tracker.staff.models import Person
from tracker.supervision.models import SupervisionAssignment
from tracker.vocabulary import TaskKind

CELL = "/matrix/main/{}/injection/2026-11-23T18:00:00Z"  # 10:00 in Los Angeles


def _ids(app) -> dict[str, int]:
    with app.app_context():
        return {p.email.split("@")[0]: p.id for p in db.session.scalars(select(Person))}


def _links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


def test_an_unsafe_next_is_ignored_and_a_safe_one_followed(app, client, login_as):
    login_as("manager@example.org")
    ana = _ids(app)["ana"]
    data = {"type": "RMA", "number": "9", "issued_on": "2025-01-01"}
    for unsafe in ("//evil.example/", "https://evil.example/", "/\\evil.example", "x"):
        url = f"/records/people/{ana}/credentials/new?next={unsafe}"
        response = client.post(url, data=data | {"number": f"n{len(unsafe)}"})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/staff/{ana}"
    # Cancel goes back too, only to this site.
    page = client.get(f"/records/people/{ana}/credentials/new?next=/matrix").get_data(True)
    assert 'href="/matrix">Cancel' in page
    page = client.get(f"/records/people/{ana}/credentials/new?next=//evil.example").get_data(True)
    assert 'evil.example">Cancel' not in page
    response = client.post(
        f"/records/people/{ana}/credentials/new?next=/matrix?site=main", data=data
    )
    assert response.headers["Location"] == "/matrix?site=main"


def test_a_prior_employer_record_is_signed_off_where_it_is(app, client, login_as):
    with app.app_context():
        comp = db.session.scalar(select(Competency))
        comp.prior_employer, comp.validated_on, comp.validated_by = True, None, None
        comp_id = comp.id
        db.session.commit()
    login_as("dr.lee@example.org")
    ana = _ids(app)["ana"]

    page = client.get(CELL.format(ana)).get_data(as_text=True)

    # One clause per problem: not "...validated here and has not been validated".
    assert "has not been validated here; a provider" in page
    assert "has not been validated here and has not been validated" not in page
    back = CELL.format(ana)
    assert f"/competencies/{comp_id}/edit?validate=1&next={back}" in _links(page)
    form = client.get(f"/competencies/{comp_id}/edit?validate=1&next={back}")
    assert form.status_code == 200  # a provider who did not validate it may sign it off
    text = form.get_data(as_text=True)
    assert "Sign off the Injection competency here" in text
    assert 'name="prior_employer" type="checkbox" value="y">' in text  # no longer ticked
    assert re.search(r'name="validated_on" type="date" value="\d{4}-\d\d-\d\d"', text)
    assert f'action="/competencies/{comp_id}/edit?next={back.replace(":", "%3A")}"' in text or (
        f'action="/competencies/{comp_id}/edit?next={back}"' in text
    )


def test_the_supervision_fix_names_the_delegating_provider(app, client, login_as):
    with app.app_context():
        for assignment in db.session.scalars(select(SupervisionAssignment)):
            db.session.delete(assignment)
        db.session.commit()
    ids = _ids(app)
    lee = ids["dr.lee"]
    login_as("manager@example.org")
    response = client.post(
        "/delegations/new",
        data={"assistant_id": ids["ana"], "task_code": "injection", "site_code": "main",
              "scheduled_for": "2026-11-23T10:00", "delegated_by_id": ids["dr.lee"]},
    )  # fmt: skip
    delegation = response.headers["Location"]
    page = client.get(delegation).get_data(as_text=True)

    [fix] = [h for h in _links(page) if h.startswith("/records/assignments/new")]
    assert f"provider={ids['dr.lee']}" in fix and f"assistant={ids['ana']}" in fix
    assert f"next={delegation}" in fix
    form = client.get(fix).get_data(as_text=True)
    assert re.search(rf'<option selected value="{lee}">', form)
    # Saved: back at the delegation, re-checked on the spot.
    saved = client.post(
        fix,
        data={"assistant": ids["ana"], "provider": ids["dr.lee"], "site": _site_id(app),
              "starts_on": "2026-01-01"},
    )  # fmt: skip
    assert saved.headers["Location"] == delegation
    page = client.get(delegation).get_data(as_text=True)
    assert "Re-checked after the fix" in page
    assert "Re-check 1" in page


def _site_id(app) -> int:
    from tracker.sites.models import Site

    with app.app_context():
        return db.session.scalar(select(Site.id).where(Site.code == "main"))


def test_the_rule_gives_one_clause_for_an_unvalidated_prior_employer_record():
    from datetime import UTC, datetime

    from tracker.rule.values import (
        CompetencyFacts,
        PersonFacts,
        SiteFacts,
        TaskFacts,
    )

    ana = PersonFacts(email="a@x", name="Ana", role="assistant", site_codes=frozenset({"main"}))
    task = TaskFacts(code="injection", name="Injection", kind=TaskKind.clinical)
    site = SiteFacts(code="main", name="Main", state="CA", timezone="America/Los_Angeles")
    comp = CompetencyFacts(task="injection", prior_employer=True)
    decision = decide(ana, task, site, datetime(2026, 11, 23, 18, tzinfo=UTC),
                      competencies=[comp])  # fmt: skip
    reason = decision.conditions[2].reason
    assert "was documented at a prior employer and has not been validated here;" in reason
    assert {c.value for c in decision.conditions[2].codes} >= {"prior_employer", "not_validated"}
