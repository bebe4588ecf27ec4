"""A requester is never shown incidents about their requests, however their name was typed,
and typed names count with picked people for repeated pressure (security finding 4)."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.integration.test_incidents_services import NOW, log
from tracker.catalog.models import Task
from tracker.extensions import db
from tracker.incidents.alerts import pressure_alerts
from tracker.incidents.visibility import can_see, visible_incidents
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.vocabulary import Role

ZOE = "Zoë Ångström"
SPELLINGS = {
    "nfd": unicodedata.normalize("NFD", ZOE),
    "zero-width": "Zo\u200bë Ångström",
    "spaces-and-case": "  zoë   ÅNGSTRÖM ",
}


@pytest.fixture
def world(app, practice, make_person):
    make_person("alma@example.org", Role.assistant, "Alma Assistant", sites=("main",))
    make_person("zoe@example.org", Role.compliance, ZOE)
    make_person("cora@example.org", Role.compliance, "Cora Compliance")
    with app.app_context():
        dr_lee = db.session.scalar(select(Person).where(Person.email == "dr.lee@example.org"))
        dr_lee.name = "Dr. Jordan Lee"
        db.session.commit()
        people = {p.email.split("@")[0]: p for p in db.session.scalars(select(Person))}
        yield {
            **people,
            "main": db.session.scalar(select(Site).where(Site.code == "main")),
            "injection": db.session.scalar(select(Task).where(Task.code == "injection")),
        }


@pytest.mark.parametrize("spelling", list(SPELLINGS), ids=list(SPELLINGS))
def test_a_typed_requester_never_sees_the_incident_whatever_the_spelling(world, spelling):
    incident = log(world, requester=None, name=SPELLINGS[spelling], role="compliance")
    db.session.commit()

    assert not can_see(world["zoe"], incident)
    assert incident.id not in db.session.scalars(visible_incidents(world["zoe"])).all()
    assert can_see(world["cora"], incident)  # another compliance officer sees it


def test_the_stored_name_is_cleaned_and_its_key_kept(world):
    incident = log(world, requester=None, name=SPELLINGS["zero-width"], role="compliance")

    assert incident.requester_name == ZOE
    assert incident.requester_key == "zoë ångström"


@pytest.mark.parametrize("spelling", list(SPELLINGS), ids=list(SPELLINGS))
def test_list_detail_and_audit_csv_hide_it_from_the_requester(app, world, spelling):
    incident_id = log(world, requester=None, name=SPELLINGS[spelling], role="compliance").id
    db.session.commit()
    client = app.test_client()
    with app.app_context():
        zoe = db.session.scalar(select(Person).where(Person.email == "zoe@example.org"))
        zoe.set_password(PASSWORD)
        db.session.commit()
    assert client.post("/login", data={"email": "zoe@example.org", "password": PASSWORD}
                       ).status_code == 302  # fmt: skip

    listing = client.get("/incidents/").get_data(as_text=True)
    detail = client.get(f"/incidents/{incident_id}")
    export = client.get("/audit/events.csv").get_data(as_text=True)

    assert "Give the flu shot in room 3" not in listing
    assert detail.status_code == 404
    rows = list(csv.DictReader(io.StringIO(export)))
    assert rows, "the export lists other events"
    assert not [r for r in rows if "flu shot" in str(r)]


def test_picked_and_typed_requests_from_one_person_raise_one_alert(world):
    w = world
    log(w, at=NOW - timedelta(days=30))  # Dr. Jordan Lee picked from the list
    log(w, at=NOW - timedelta(days=20))
    log(w, requester=None, name="Dr. Jordan Lee", role="provider", at=NOW - timedelta(days=10))
    log(w, requester=None, name="dr. jordan\u200b lee", role="provider", at=NOW - timedelta(days=5))

    alerts = pressure_alerts(w["cora"], 4, 90)

    assert len(alerts) == 1
    assert len(alerts[0].incidents) == 4
    assert alerts[0].requester_label == "Dr. Jordan Lee (Provider)"
    # The requester, picked or typed, never finds the alert about themselves.
    assert pressure_alerts(w["dr.lee"], 1, 90) == []


def test_a_typed_name_two_people_share_stays_a_name(world, app, make_person):
    make_person("other.zoe@example.org", Role.provider, unicodedata.normalize("NFD", ZOE))
    w = world
    for days in (30, 20, 10):
        log(w, requester=None, name=ZOE, role="provider", at=NOW - timedelta(days=days))

    alerts = pressure_alerts(w["cora"], 3, 90)

    assert [len(a.incidents) for a in alerts] == [3]
    assert alerts[0].requester_label == f"{ZOE} (provider)"
