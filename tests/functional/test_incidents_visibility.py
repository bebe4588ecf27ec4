"""Who sees a declined-task incident, in every place one surfaces (DESIGN section 6).

The MA who logged it; compliance, admins and managers; a person it was raised with. Never
the person named as the requester, whatever their role: here an administrator (Bo Boss),
a provider it was also raised with (Dr. Asker), and a compliance officer whose name was
typed in (Cora Compliance).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import select

from tracker.catalog.models import Task
from tracker.db_types import utcnow
from tracker.extensions import db
from tracker.incidents import services
from tracker.incidents.services import DeclineAccount
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import DeclineReason, Role

PEOPLE = {
    "ma1": (Role.assistant, "Alma Assistant"),  # logged every incident
    "ma2": (Role.assistant, "Bea Assistant"),  # nothing to do with any
    "ma3": (Role.assistant, "Cal Assistant"),  # I2 was raised with her
    "drask": (Role.provider, "Dr. Asker"),  # requester of I1-I3; I1 and I4 raised with him
    "drkim": (Role.provider, "Dr. Kim"),  # I1 raised with him
    "boss": (Role.admin, "Bo Boss"),  # an administrator, requester of I4-I6
    "admin": (Role.admin, "Ada Admin"),
    "mgr": (Role.manager, "Max Manager"),
    "comp": (Role.compliance, "Cora Compliance"),  # her name typed in as the requester of I7
}
ALL = {"I1", "I2", "I3", "I4", "I5", "I6", "I7"}
#: Who sees which incident, and which alerts (None: the alerts page is not theirs).
EXPECTED = {
    "ma1": (ALL, None),
    "ma2": (set(), None),
    "ma3": ({"I2"}, None),
    "drask": ({"I4"}, None),
    "drkim": ({"I1"}, None),
    "boss": ({"I1", "I2", "I3", "I7"}, {"Dr. Asker"}),
    "admin": (ALL, {"Dr. Asker", "Bo Boss"}),
    "mgr": (ALL, {"Dr. Asker", "Bo Boss"}),
    "comp": (ALL - {"I7"}, {"Dr. Asker", "Bo Boss"}),
}


@pytest.fixture
def world(app, practice, make_person):
    """The people above and seven incidents, all logged by Alma; returns ids by name."""
    ids = {
        key: make_person(f"{key}@example.org", role, name, sites=("main",))
        for key, (role, name) in PEOPLE.items()
    }
    plan = {
        "I1": ("drask", ["drkim", "drask"], 10),
        "I2": ("drask", ["ma3"], 20),
        "I3": ("drask", [], 30),
        "I4": ("boss", ["drask"], 5),
        "I5": ("boss", [], 6),
        "I6": ("boss", [], 7),
        "I7": (None, [], 3),
    }
    with app.app_context():
        person = {key: db.session.get(Person, pid) for key, pid in ids.items()}
        site = db.session.scalar(select(Site).where(Site.code == "main"))
        task = db.session.scalar(select(Task).where(Task.code == "venipuncture"))
        for label, (requester, raised_with, days_ago) in plan.items():
            incident = services.log_incident(
                DeclineAccount(
                    occurred_at=utcnow() - timedelta(days=days_ago),
                    what_was_asked=f"Asked for {label}",
                    what_was_said="No.",
                    reason=DeclineReason.not_trained,
                    raised_with=[person[k] for k in raised_with],
                ),
                logged_by=person["ma1"],
                site=site,
                requester=person[requester] if requester else None,
                requester_name="" if requester else "  cora   COMPLIANCE ",
                requester_role="" if requester else "compliance officer",
                task=task,
            )
            ids[label] = incident.id
        db.session.commit()
    return ids


def linked_incidents(page: str, world) -> set[str]:
    linked = {int(n) for n in re.findall(r'href="/incidents/(\d+)"', page)}
    return {label for label in ALL if world[label] in linked}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_sees_exactly_what_the_rule_allows_everywhere(app, client, auth, world, who):
    sees, alerts = EXPECTED[who]
    assert auth.login(f"{who}@example.org").status_code == 302

    # The list and its count.
    listing = client.get("/incidents/").get_data(as_text=True)
    assert linked_incidents(listing, world) == sees
    n = len(sees)
    assert f"{n} incident{'' if n == 1 else 's'}." in listing
    for status in ("open", "resolved"):
        filtered = client.get(f"/incidents/?status={status}").get_data(as_text=True)
        assert linked_incidents(filtered, world) <= sees

    # Every detail page: 200 when allowed, 404 otherwise (as if it did not exist).
    for label in sorted(ALL):
        response = client.get(f"/incidents/{world[label]}")
        assert response.status_code == (200 if label in sees else 404), label
        if label not in sees:
            assert f"Asked for {label}" not in response.get_data(as_text=True)

    # The home page's counts (where the panel is shown) and alerts.
    home = client.get("/").get_data(as_text=True)
    if who.startswith("ma"):
        assert f"You have logged {n}" in home
    elif PEOPLE[who][0] in (Role.admin, Role.manager, Role.compliance):
        assert f"{n} open · 0 under review · {n} in all." in home
    for name in ("Dr. Asker", "Bo Boss"):
        shown_on_home = re.search(rf"{name} \([^)]*\): \d+ declined requests", home)
        assert bool(shown_on_home) == (alerts is not None and name in alerts), name

    # The alerts page and the incidents behind each alert.
    response = client.get("/incidents/alerts")
    if alerts is None:
        assert response.status_code == 403
    else:
        page = response.get_data(as_text=True)
        assert f"{len(alerts)} alert{'' if len(alerts) == 1 else 's'}." in page
        headings = set(re.findall(r'<h2 class="h5" id="alert-\d+">([^<(]+) \(', page))
        assert headings == alerts
        assert linked_incidents(page, world) <= sees
        assert "practice-level problem, not the individual MA" in page


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_training_file_panel_shows_only_what_the_viewer_may_see(app, world, who):
    """The include the training file uses lists the MA's incidents through the same rule."""
    sees, _alerts = EXPECTED[who]
    with app.test_request_context("/staff/1"):
        login_user(db.session.get(Person, world[who]))
        ma1 = db.session.get(Person, world["ma1"])
        page = render_template("incidents/_training_file_panel.html", person=ma1)
    assert linked_incidents(page, world) == sees
    assert ("not marks against Alma Assistant" in page) == bool(sees)


@pytest.mark.parametrize("who", ["boss", "admin", "comp"])
def test_the_audit_trail_hides_incidents_about_the_readers_own_requests(client, auth, world, who):
    """The audit page and its CSV export are places an incident can surface too."""
    sees, _ = EXPECTED[who]
    assert auth.login(f"{who}@example.org").status_code == 302
    page = client.get("/audit/?record_type=incidents").get_data(as_text=True)
    export = client.get("/audit/events.csv?record_type=incidents").get_data(as_text=True)
    for label in sorted(ALL):
        shown = f"Asked for {label}" in page
        exported = f"Asked for {label}" in export
        assert shown == exported == (label in sees), label
