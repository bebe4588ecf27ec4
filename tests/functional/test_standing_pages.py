"""A delegation's standing on the pages, the performed rules, and "Who may do this?"."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import add_evening_shift
from tests.functional.test_delegations import delegation_form
from tracker import dates
from tracker.audit.models import AuditEvent
from tracker.delegations.models import Delegation
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.vocabulary import DelegationStatus


def status_of(app):
    with app.app_context():
        return db.session.scalar(select(Delegation.status))


def test_a_fixed_and_rechecked_delegation_is_listed_clear(app, client, login_as, sample_clock):
    login_as("manager@example.org")
    location = client.post(
        "/delegations/new", data=delegation_form(app, scheduled_for="2026-11-23T18:00")
    ).headers["Location"]
    assert "Flagged" in client.get("/delegations/?flagged=1").get_data(as_text=True)
    add_evening_shift(app)
    page = client.post(location + "/recheck", follow_redirects=True).get_data(as_text=True)
    assert "the standing changed from flagged to clear" in page
    assert "Re-check 1 (standing changed)" in page
    assert "Decision when recorded" in page
    listing = client.get("/delegations/?flagged=1").get_data(as_text=True)
    assert "No delegations to show." in listing
    assert "changed on re-check" in client.get("/delegations/").get_data(as_text=True)
    client.post(location + "/recheck")
    page = client.get(location).get_data(as_text=True)
    assert page.index("Re-check 1 (standing changed)") < page.index("Re-check 2")
    assert "Re-check 2 (standing changed)" not in page


def test_the_status_control_has_no_default_that_changes_data(app, client, login_as, sample_clock):
    login_as("manager@example.org")
    location = client.post("/delegations/new", data=delegation_form(app)).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert '<option selected value="">Choose…</option>' in page or (
        '<option value="">Choose…</option>' in page and "selected" not in
        page.split('name="status"')[1].split("</select>")[0])  # fmt: skip
    assert 'name="reason"' in page
    response = client.post(location + "/status", data={"status": ""}, follow_redirects=True)
    assert "Choose performed or cancelled." in response.get_data(as_text=True)
    assert status_of(app) == DelegationStatus.planned


def test_flagged_standing_needs_a_written_reason_kept_and_listed(
    app, client, login_as, after_monday
):
    login_as("manager@example.org")
    location = client.post(
        "/delegations/new", data=delegation_form(app, scheduled_for="2026-11-23T18:00")
    ).headers["Location"]
    after_monday("manager@example.org")
    refused = client.post(location + "/status", data={"status": "performed"},
                          follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "give a written reason" in refused
    assert status_of(app) == DelegationStatus.planned
    reason = "Dr. Lee stayed on site until 19:00; the shift was not logged."
    client.post(location + "/status", data={"status": "performed", "reason": reason})
    assert status_of(app) == DelegationStatus.performed
    with app.app_context():
        delegation = db.session.scalars(select(Delegation)).one()
        assert delegation.performed_while_flagged and delegation.status_reason == reason
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
        assert event.after["status_reason"] == reason
    listing = client.get("/delegations/performed-while-flagged").get_data(as_text=True)
    assert reason in listing
    # Who marked it performed, and when (from the audit event of the change).
    assert "Marked performed by" in listing
    assert re.search(r"<td>Mia Manager <span[^>]*>2026-11-24 04:00 PST</span></td>", listing)
    # The delegations CSV keeps the reason too.
    rows = list(csv.DictReader(io.StringIO(client.get("/reports/delegations.csv").get_data(True))))
    assert rows[0]["status_reason"] == reason


def test_a_future_delegation_cannot_be_marked_performed(app, client, login_as):
    login_as("manager@example.org")
    with app.app_context():
        zone = db.session.scalar(select(Site.timezone).where(Site.code == "main"))
    soon = (dates.now() + timedelta(days=3)).astimezone(dates.zone(zone))
    location = client.post(
        "/delegations/new", data=delegation_form(app, scheduled_for=soon.strftime("%Y-%m-%dT%H:%M"))
    ).headers["Location"]
    page = client.post(location + "/status", data={"status": "performed", "reason": "early"},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "scheduled in the future" in page
    assert status_of(app) == DelegationStatus.planned


def test_who_may_do_this_lists_clear_first_and_prefills_the_form(
    app, client, login_as, sample_clock
):
    login_as("manager@example.org")
    page = client.get("/eligible?task=injection&site=main&at=2026-11-23T10:00")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Ana Ruiz" in text and "1 clear, 0 flagged" in text
    assert "2026-11-23 10:00 PST" in text
    link = text.split('href="/delegations/new?')[1].split('"')[0].replace("&amp;", "&")
    form = client.get("/delegations/new?" + link).get_data(as_text=True)
    assert 'value="2026-11-23T10:00"' in form
    assert '<option selected value="injection">' in form
    night = client.get("/eligible?task=injection&site=main&at=2026-11-23T22:00")
    assert "0 clear, 1 flagged" in night.get_data(as_text=True)
    reserved = client.get("/eligible?task=diagnosis&site=main").get_data(as_text=True)
    assert "Never an assistant&#39;s task." in reserved or "Never an assistant's task." in reserved
    assert client.get("/eligible?task=&site=main").status_code == 400
    login_as("ana@example.org")
    assert client.get("/eligible").status_code == 403
