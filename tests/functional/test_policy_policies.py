"""The written policy through the pages: the matrix, the list, and writing, changing and
ending a policy through the what-if preview (which writes nothing) and then saving."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tracker import dates
from tracker.audit.models import AuditEvent
from tracker.audit.services import CLI
from tracker.catalog.models import Task
from tracker.decision.models import DecisionRecord
from tracker.delegations.models import Delegation
from tracker.delegations.services import record_delegation
from tracker.extensions import db
from tracker.policy.models import Policy
from tracker.practice_file.importer import import_practice
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import Role

#: The sample practice's first site, whose clock the practice-wide pages keep.
SITE_ZONE = "America/Los_Angeles"


@pytest.fixture
def manager(practice, make_person, auth):
    make_person("boss@example.org", role=Role.manager)
    assert auth.login("boss@example.org").status_code == 302


def policy_form(**overrides) -> dict:
    data = {
        "task": "injection",
        "site": "north",
        "job_levels": "CMA",
        "authorized": "yes",
        "requires_credentials": "CMA, RMA",
        "supervision": "on_site",
        "competency_valid_months": "12",
        "document": "North Injection Policy v1",
        "effective_from": "2026-12-01",
        "effective_to": "",
    }
    data.update(overrides)
    return data


def table_contents() -> dict[str, list[str]]:
    """Every row of every table, so a test sees any insert, update or delete."""
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)).all())
        for table in db.metadata.sorted_tables
    }


def snapshot_db(app) -> dict[str, list[str]]:
    with app.app_context():
        return table_contents()


def policies(app) -> list[Policy]:
    with app.app_context():
        found = list(db.session.scalars(select(Policy).order_by(Policy.id)))
        for p in found:
            db.session.expunge(p)
        return found


def policy_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.record_type == "policies")
                .order_by(AuditEvent.id)
            )
        )


def hidden_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def message_near(html: str, field: str, words: str) -> bool:
    start = html.index(f'name="{field}"')
    return words in html[start : start + 3000]


def stored_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Policy.id))


# --------------------------------------------------------------------------- pages


@pytest.mark.usefixtures("sample_clock")
def test_the_matrix_shows_each_task_by_job_level_with_its_terms(client, manager):
    html = client.get("/policy/").get_data(as_text=True)
    start = html.index('id="task-injection"')
    row = html[start : html.index("</tr>", start)]

    assert "authorized" in row
    assert "Clinical Task Policy v3" in row
    assert "2026-01-01 to open-ended" in row
    assert "Supervision: a supervising provider on site" in row
    assert "Competency valid 12 months" in row
    assert "Reserved for licensed providers" in html
    venipuncture = html[html.index('id="task-venipuncture"') :]
    assert "no policy" in venipuncture[: venipuncture.index("</tr>")]


@pytest.mark.usefixtures("sample_clock")
def test_a_site_override_shows_only_when_that_site_is_chosen(app, client, manager):
    with app.app_context():
        north = db.session.scalar(select(Site).where(Site.code == "north"))
        injection = db.session.scalar(select(Task).where(Task.code == "injection"))
        db.session.add(
            Policy(task=injection, site=north, job_levels=["CMA", "MA II"], authorized=False,
                   supervision="on_site", document="North pause", effective_from=date(2026, 1, 1))
        )  # fmt: skip
        db.session.commit()

    practice_wide = client.get("/policy/").get_data(as_text=True)
    at_north = client.get("/policy/?site=north").get_data(as_text=True)
    at_main = client.get("/policy/?site=main").get_data(as_text=True)

    # Job levels named in a policy get a column.
    assert ">MA II</th>" in practice_wide
    assert "North pause" not in practice_wide
    assert "North pause" in at_north and "site override" in at_north
    assert "not authorized" in at_north
    assert "North pause" not in at_main


def test_the_list_shows_past_present_and_future_policies(app, client, manager):
    with app.app_context():
        injection = db.session.scalar(select(Task).where(Task.code == "injection"))
        db.session.add_all([
            Policy(task=injection, job_levels=["RMA"], authorized=True, supervision="on_site",
                   document="Old", effective_from=date(2020, 1, 1),
                   effective_to=date(2020, 12, 31)),
            Policy(task=injection, job_levels=["RMA"], authorized=True, supervision="on_site",
                   document="Next", effective_from=date(2999, 1, 1)),
        ])  # fmt: skip
        db.session.commit()

    html = client.get("/policy/all?task=injection").get_data(as_text=True)

    assert "Policies for Injection" in html
    assert "ended" in html and "not yet in effect" in html and "in effect" in html


# --------------------------------------------------------------------------- new policy


def test_a_new_policy_goes_through_the_preview_then_saves(app, client, manager):
    before = snapshot_db(app)

    preview = client.post("/policy/new/preview", data=policy_form())

    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Preview: new policy" in html
    assert "Nothing is saved yet" in html
    assert "No planned delegation would change." in html
    carried = hidden_values(html)
    assert carried["document"] == "North Injection Policy v1"
    assert carried["requires_credentials"] == "CMA, RMA"
    assert 'action="/policy/new"' in html
    assert snapshot_db(app) == before

    saved = client.post("/policy/new", data={**carried, "action": "save"})

    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/policy/?site=north")
    created = policies(app)[-1]
    assert created.document == "North Injection Policy v1"
    assert created.job_levels == ["CMA"]
    assert created.requires_credentials == ["CMA", "RMA"]
    assert created.effective_from == date(2026, 12, 1)
    assert created.effective_to is None
    event = policy_events(app)[-1]
    assert (event.action, event.record_id, event.actor_label) == (
        "create",
        str(created.id),
        "boss@example.org",
    )


def test_back_returns_to_the_form_with_the_values_kept(app, client, manager):
    preview = client.post("/policy/new/preview", data=policy_form(job_levels="CMA, MA II"))
    carried = hidden_values(preview.get_data(as_text=True))

    back = client.post("/policy/new", data={**carried, "action": "back"})

    assert back.status_code == 200
    html = back.get_data(as_text=True)
    assert "Write a policy" in html
    assert 'value="CMA, MA II"' in html
    assert 'value="North Injection Policy v1"' in html
    assert '<option selected value="north">' in html
    assert "invalid-feedback" not in html
    assert len(policies(app)) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        (
            {"effective_from": "2027-02-01", "effective_to": "2027-01-31"},
            "effective_to",
            "Must be on or after the effective-from date (2027-02-01).",
        ),
        (
            {"site": "", "effective_from": "2026-06-01"},
            "effective_from",
            "Overlaps the policy &#39;Clinical Task Policy v3&#39; (2026-01-01 to open-ended)",
        ),
        ({"task": "diagnosis"}, "authorized", "Diagnosis is reserved for licensed providers"),
        ({"document": "  "}, "document", "Name the written policy and its version."),
        ({"competency_valid_months": "0"}, "competency_valid_months", "between 1 and 600"),
        ({"competency_valid_months": "ten"}, "competency_valid_months", "Not a valid integer"),
        ({"effective_from": "01/12/2026"}, "effective_from", "Not a valid date value"),
        ({"site": "nowhere"}, "site", "Not a valid choice"),
        ({"supervision": "telepathic"}, "supervision", "Not a valid choice"),
        ({"authorized": ""}, "authorized", "Choose authorized or not authorized."),
        ({"job_levels": "CMA, " + "L" * 65}, "job_levels", "at most 64"),
    ],
)
def test_a_bad_policy_is_refused_next_to_its_field_and_nothing_written(
    app, client, manager, overrides, field, words
):
    before = snapshot_db(app)

    # Refused at the preview, and again if posted straight to save.
    for step in ("/policy/new/preview", "/policy/new"):
        response = client.post(step, data={**policy_form(**overrides), "action": "save"})

        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Write a policy" in html
        assert message_near(html, field, words), step
        assert snapshot_db(app) == before


def test_saving_recheck_refuses_an_overlap_that_appeared_after_the_preview(app, client, manager):
    preview = client.post("/policy/new/preview", data=policy_form())
    carried = hidden_values(preview.get_data(as_text=True))
    # Someone else saves an overlapping policy in the meantime.
    assert client.post("/policy/new", data={**carried, "document": "Rival"}).status_code == 302

    response = client.post("/policy/new", data={**carried, "action": "save"})

    assert response.status_code == 200
    assert message_near(
        response.get_data(as_text=True), "effective_from", "Overlaps the policy &#39;Rival&#39;"
    )
    assert [p.document for p in policies(app)] == ["Clinical Task Policy v3", "Rival"]


# --------------------------------------------------------------------------- edit and end


def test_the_edit_form_shows_the_stored_policy(app, client, manager):
    html = client.get(f"/policy/{stored_id(app)}/edit").get_data(as_text=True)
    assert 'value="Clinical Task Policy v3"' in html
    assert 'value="CMA"' in html
    assert 'value="2026-01-01"' in html
    assert '<option selected value="injection">' in html
    assert f'action="/policy/{stored_id(app)}/edit/preview"' in html


def test_editing_a_policy_previews_then_saves_with_before_and_after(app, client, manager):
    policy_id = stored_id(app)
    data = policy_form(site="", document="Clinical Task Policy v4", effective_from="2026-01-01",
                       competency_valid_months="24")  # fmt: skip
    before = snapshot_db(app)

    preview = client.post(f"/policy/{policy_id}/edit/preview", data=data)

    html = preview.get_data(as_text=True)
    assert "Preview: change a policy" in html
    assert "Clinical Task Policy v3" in html and "Clinical Task Policy v4" in html
    assert snapshot_db(app) == before

    saved = client.post(f"/policy/{policy_id}/edit", data={**hidden_values(html), "action": "save"})

    assert saved.status_code == 302
    [policy] = policies(app)
    assert policy.document == "Clinical Task Policy v4"
    assert policy.competency_valid_months == 24
    event = policy_events(app)[-1]
    assert event.action == "update"
    assert event.before["document"] == "Clinical Task Policy v3"
    assert event.after["competency_valid_months"] == 24


def test_ending_a_policy_previews_then_sets_its_last_day(app, client, manager):
    policy_id = stored_id(app)
    form = client.get(f"/policy/{policy_id}/end").get_data(as_text=True)
    assert f'value="{dates.today(SITE_ZONE).isoformat()}"' in form
    before = snapshot_db(app)

    preview = client.post(f"/policy/{policy_id}/end/preview", data={"effective_to": "2026-12-31"})

    html = preview.get_data(as_text=True)
    assert "Preview: end a policy" in html
    assert "2026-01-01 to 2026-12-31" in html
    assert snapshot_db(app) == before

    saved = client.post(f"/policy/{policy_id}/end", data={**hidden_values(html), "action": "save"})

    assert saved.status_code == 302
    [policy] = policies(app)
    assert policy.effective_to == date(2026, 12, 31)
    assert policy_events(app)[-1].action == "end"


@pytest.mark.parametrize(
    ("day", "words"),
    [
        ("2025-12-31", "Must be on or after the day the policy took effect (2026-01-01)."),
        ("", "Give the policy&#39;s last day in effect."),
        ("someday", "Not a valid date value"),
    ],
)
def test_a_bad_last_day_is_refused_next_to_the_field(app, client, manager, day, words):
    before = snapshot_db(app)
    for step in (f"/policy/{stored_id(app)}/end/preview", f"/policy/{stored_id(app)}/end"):
        response = client.post(step, data={"effective_to": day, "action": "save"})
        assert response.status_code == 200
        assert message_near(response.get_data(as_text=True), "effective_to", words)
    assert snapshot_db(app) == before


# --------------------------------------------------------------------------- what-if


@pytest.fixture
def planned(app, client, make_person, auth):
    """A practice living today: Ana (CMA) is clear for an injection at main now and at a
    planned delegation two days from now. Returns the delegation's id."""
    now = dates.now_to_the_second()
    when = now + timedelta(days=2)

    def d(days):
        return (now.date() + timedelta(days=days)).isoformat()

    with app.app_context():
        import_practice({
            "sites": [{"code": "main", "name": "Main St", "state": "CA",
                       "timezone": "America/Los_Angeles"}],
            "people": [
                {"email": "ana@example.org", "name": "Ana Ruiz", "role": "assistant",
                 "job_level": "CMA", "sites": ["main"]},
                {"email": "dr.lee@example.org", "name": "Dr. Lee", "role": "provider",
                 "sites": ["main"]},
            ],
            "licenses": [{"person": "dr.lee@example.org", "type": "MD", "number": "A1",
                          "state": "CA", "expires_on": d(700)}],
            "state_rules": [{"state": "CA", "task": "injection", "status": "permitted",
                             "supervision": "on_site", "verified_on": d(-30)}],
            "policies": [{"task": "injection", "job_levels": ["CMA"], "authorized": True,
                          "supervision": "on_site", "document": "Clinical Task Policy v3",
                          "effective_from": d(-100)}],
            "competencies": [{"person": "ana@example.org", "task": "injection",
                              "trained_on": d(-20), "training_hours": 12,
                              "validated_on": d(-10), "validated_by": "dr.lee@example.org"}],
            "supervision": [{"assistant": "ana@example.org", "provider": "dr.lee@example.org",
                             "site": "main", "starts_on": d(-100)}],
            "shifts": [
                {"provider": "dr.lee@example.org", "site": "main",
                 "starts_at": (now - timedelta(hours=2)).isoformat(),
                 "ends_at": (now + timedelta(hours=6)).isoformat()},
                {"provider": "dr.lee@example.org", "site": "main",
                 "starts_at": (when - timedelta(hours=1)).isoformat(),
                 "ends_at": (when + timedelta(hours=1)).isoformat()},
            ],
        }, actor=CLI)  # fmt: skip
        db.session.commit()
    boss_id = make_person("boss@example.org", role=Role.manager)
    with app.app_context():
        people = {p.email: p for p in db.session.scalars(select(Person))}
        delegation = record_delegation(
            assistant=people["ana@example.org"],
            task=db.session.scalar(select(Task).where(Task.code == "injection")),
            site=db.session.scalar(select(Site).where(Site.code == "main")),
            scheduled_for=when,
            delegated_by=people["dr.lee@example.org"],
            entered_by=db.session.get(Person, boss_id),
        )
        assert delegation.decision.status == "clear"
        db.session.commit()
        delegation_id = delegation.id
    assert auth.login("boss@example.org").status_code == 302
    return delegation_id


def test_de_authorizing_previews_the_delegation_and_cell_flipping_and_writes_nothing(
    app, client, planned
):
    policy_id = stored_id(app)
    edit = client.get(f"/policy/{policy_id}/edit").get_data(as_text=True)
    assert "Clinical Task Policy v3" in edit
    with app.app_context():
        policy = db.session.get(Policy, policy_id)
        data = {
            "task": "injection", "site": "", "job_levels": "CMA", "authorized": "no",
            "requires_credentials": "", "supervision": "on_site", "competency_valid_months": "",
            "document": "Clinical Task Policy v3",
            "effective_from": policy.effective_from.isoformat(), "effective_to": "",
        }  # fmt: skip
        counts_before = {
            m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
            for m in (AuditEvent, DecisionRecord, Delegation, Policy)
        }
    before = snapshot_db(app)

    preview = client.post(f"/policy/{policy_id}/edit/preview", data=data)

    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    deleg = html[html.index('id="deleg-h"') : html.index('id="cells-h"')]
    cells = html[html.index('id="cells-h"') :]
    assert "Ana Ruiz" in deleg and "Dr. Lee" in deleg
    assert re.search(r">clear</span> → <span[^>]*>flagged<", deleg)
    assert "Employer policy:" in deleg
    assert "Clinical Task Policy v3 does not authorize Injection for CMA" in deleg
    assert "Ana Ruiz" in cells and "Main St" in cells
    assert re.search(r">clear</span> → <span[^>]*>flagged<", cells)
    # Nothing was written: no policy change, no decision kept, no audit event.
    assert snapshot_db(app) == before
    with app.app_context():
        assert {
            m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
            for m in (AuditEvent, DecisionRecord, Delegation, Policy)
        } == counts_before

    saved = client.post(f"/policy/{policy_id}/edit", data={**hidden_values(html), "action": "save"})

    assert saved.status_code == 302
    assert policies(app)[0].authorized is False


def test_a_change_that_affects_nothing_says_so(app, client, planned):
    preview = client.post(
        "/policy/new/preview",
        data=policy_form(
            task="venipuncture",
            site="",
            job_levels="",
            authorized="no",
            effective_from=dates.today(SITE_ZONE).isoformat(),
        ),  # fmt: skip
    )
    html = preview.get_data(as_text=True)
    assert "No planned delegation would change." in html
    assert "No matrix cell would change status." in html


def test_the_preview_warns_of_unknown_job_levels_and_lists_expiry_changes(app, client, manager):
    """ "MA 1" is no one's job level; 24 months moves Ana's derived expiry by a year."""
    policy_id = stored_id(app)
    data = policy_form(site="", job_levels="CMA, MA 1", effective_from="2026-01-01",
                       requires_credentials="", competency_valid_months="24")  # fmt: skip
    html = client.post(f"/policy/{policy_id}/edit/preview", data=data).get_data(as_text=True)
    assert "No active assistant has the job level MA 1" in html
    assert "The job levels in use are: CMA." in html
    expiry = html.split('id="expiry-h"')[1].split("</section>")[0]
    assert "Ana Ruiz" in expiry and "Injection" in expiry
    assert "2027-02-10" in expiry and "2028-02-10" in expiry
    # A change that keeps the levels and the validity warns of nothing and moves nothing.
    same = policy_form(site="", effective_from="2026-01-01", document="Clinical Task Policy v4")
    html = client.post(f"/policy/{policy_id}/edit/preview", data=same).get_data(as_text=True)
    assert "No active assistant has the job level" not in html
    assert "No competency's expiry would change." in html
