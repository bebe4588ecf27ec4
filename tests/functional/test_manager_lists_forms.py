"""The manager's lists and forms (issue 24, items 6 and 7)."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import add_evening_shift
from tests.functional.test_delegations import delegation_form
from tracker.delegations.models import Delegation
from tracker.extensions import db
from tracker.staff.models import Person


def _record(client, app, **overrides) -> str:
    return client.post("/delegations/new", data=delegation_form(app, **overrides)).headers[
        "Location"
    ]


def _first_cells(page: str) -> list[str]:
    """The 'When' cell of each row of the delegations table, in order."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r'data-label="Assistant">([^<]+)<', body)


def test_the_delegations_list_sorts_filters_and_counts(app, client, login_as, make_person):
    login_as("manager@example.org")
    zoe = make_person("zoe@example.org", "assistant", "Zoe Adams", sites=("main",),
                      job_level="CMA")  # fmt: skip
    _record(client, app, scheduled_for="2026-11-23T10:00")
    _record(client, app, scheduled_for="2026-11-25T10:00", assistant_id=zoe)
    _record(client, app, scheduled_for="2026-12-02T10:00", site_code="north")

    page = client.get("/delegations/").get_data(as_text=True)
    assert "3 delegations" in page
    # Every header sorts the whole list on the server, the active one says how.
    assert 'aria-sort="descending"><a href="/delegations/?sort=when&amp;dir=asc"' in page
    by_name = client.get("/delegations/?sort=assistant&dir=asc").get_data(as_text=True)
    assert _first_cells(by_name) == ["Ana Ruiz", "Ana Ruiz", "Zoe Adams"]
    by_name = client.get("/delegations/?sort=assistant&dir=desc").get_data(as_text=True)
    assert _first_cells(by_name)[0] == "Zoe Adams"
    assert re.search(r'aria-sort="descending"><a href="[^"]*sort=assistant', by_name)
    north = client.get("/delegations/?site=north").get_data(as_text=True)
    assert "1 delegation<" in north and "North" in north.split("<tbody>")[1]
    window = client.get("/delegations/?from=2026-11-24&to=2026-11-30").get_data(as_text=True)
    assert "1 delegation<" in window and _first_cells(window) == ["Zoe Adams"]
    # Sorting keeps the filters.
    assert "site=north" in north.split('id="delegations-table"')[1].split("</thead>")[0]
    for bad in ("sort=nope", "dir=up", "site=nowhere", "from=2026-13-01"):
        assert client.get(f"/delegations/?{bad}").status_code == 400


def test_the_home_list_links_to_all_of_them(client, login_as):
    login_as("manager@example.org")
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/delegations/\?[^"]*status=planned[^"]*">See all upcoming', home)


def test_a_refused_status_change_keeps_the_choice_and_says_why_at_the_field(
    app, client, login_as, after_monday
):
    login_as("manager@example.org")
    location = _record(client, app, scheduled_for="2026-11-23T18:00")  # flagged: no shift
    after_monday("manager@example.org")

    response = client.post(location + "/status", data={"status": "performed"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<option selected value="performed">Performed</option>' in page
    # The message is at the reason field, not only in a banner.
    assert re.search(
        r'<textarea class="form-control is-invalid" id="reason"[^>]*>\s*</textarea>\s*'
        r'<div class="invalid-feedback d-block">Its standing is flagged: give a written reason',
        page,
    )
    with app.app_context():
        assert db.session.scalar(select(Delegation.status)).value == "planned"


def test_deactivating_asks_first_and_says_what_it_affects(app, client, login_as):
    login_as("manager@example.org")
    _record(client, app, scheduled_for="2026-11-23T10:00")
    _record(client, app, scheduled_for="2026-11-24T10:00")
    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        ana_id = ana.id

    edit = client.get(f"/records/people/{ana_id}/edit").get_data(as_text=True)
    assert f'href="/records/people/{ana_id}/deactivate">Deactivate Ana Ruiz' in edit
    assert "<script" not in edit.split("<main")[1].split("</main>")[0]
    training_file = client.get(f"/staff/{ana_id}").get_data(as_text=True)
    assert f'href="/records/people/{ana_id}/deactivate">Deactivate…' in training_file

    confirm = client.get(f"/records/people/{ana_id}/deactivate")
    assert confirm.status_code == 200
    words = confirm.get_data(as_text=True)
    assert "Deactivate Ana Ruiz?" in words
    assert "2 planned delegations name Ana Ruiz as the assistant" in words
    with app.app_context():
        assert db.session.get(Person, ana_id).active  # asking changed nothing

    done = client.post(f"/records/people/{ana_id}/deactivate", follow_redirects=True)
    assert "Ana Ruiz was deactivated" in done.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(Person, ana_id).active


def test_the_password_hint_fits_a_new_person_and_an_existing_one(app, client, login_as):
    login_as("manager@example.org")
    new = client.get("/records/people/new").get_data(as_text=True)
    assert "keep" not in new.split('name="password"')[1].split("</div>")[0]
    assert "Leave it empty for someone who does not sign in." in new
    with app.app_context():
        ana = db.session.scalar(select(Person.id).where(Person.email == "ana@example.org"))
    edit = client.get(f"/records/people/{ana}/edit").get_data(as_text=True)
    assert "Leave it empty to keep the password as it is." in edit


def test_the_decline_page_shows_the_current_standing(app, client, login_as, sample_clock):
    login_as("manager@example.org")
    location = _record(client, app, scheduled_for="2026-11-23T18:00")  # flagged: no shift
    add_evening_shift(app)
    client.post(location + "/recheck")
    login_as("ana@example.org")

    page = client.get(location + "/decline").get_data(as_text=True)

    card = page.split("<dl")[1].split("</dl>")[0]
    assert "The latest check says" in card
    assert ">clear</span>" in card
    assert "not on shift" not in card
    assert "it was flagged when recorded" in card
