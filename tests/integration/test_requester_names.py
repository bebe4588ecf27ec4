"""A requester is never shown incidents about their requests, however their name was typed,
and typed names count with picked people for repeated pressure (security finding 4, and
issue 21 item 1: look-alike spellings, DESIGN section 14)."""

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
from tracker.incidents.models import Incident
from tracker.incidents.visibility import can_see, counted_as, visible_incidents
from tracker.names import name_key
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


def test_the_typed_name_is_kept_as_typed_and_its_key_beside_it(world):
    incident = log(world, requester=None, name=" " + SPELLINGS["zero-width"], role="compliance")

    assert incident.requester_name == SPELLINGS["zero-width"]
    assert incident.requester_key == name_key(ZOE)


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


# ------------------------------------------------- look-alike spellings (issue 21, item 1)

#: How an assistant may type the demo manager's name: each is Morgan Reyes.
MORGAN_SPELLINGS = {
    "cyrillic": "M\u043ergan R\u0435yes",  # Cyrillic о and е
    "surname-first": "Reyes, Morgan",
    "full-stop": "Morgan Reyes.",
    "grapheme-joiner": "Mor\u034fgan Reyes",
    "variation-selector": "Morgan\ufe0f Reyes",
    "hangul-filler": "Morgan\u3164Reyes",
    "braille-blank": "Morgan Reyes\u2800",
    "title": "Dr. Morgan Reyes",
    "accents-left-out": "Morgan Reyes",  # the person is "Mórgan Réyes"
}


@pytest.fixture
def morgan(world, app, make_person):
    """The demo-like practice manager, with accents in the name as recorded."""
    make_person("morgan@example.org", Role.manager, "Mórgan Réyes")
    return db.session.scalar(select(Person).where(Person.email == "morgan@example.org"))


class SignedIn:
    """A browser signed in as one person; each request in a fresh application context (the
    tests' own context would otherwise keep the first signed-in person in ``g``)."""

    def __init__(self, app, email):
        self.app, self.client = app, app.test_client()
        response = self.get("/login", method="post", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302

    def get(self, path, method="get", **kwargs):
        with self.app.app_context():
            return getattr(self.client, method)(path, **kwargs)

    def text(self, path) -> str:
        return self.get(path).get_data(as_text=True)


def sign_in(app, email) -> SignedIn:
    return SignedIn(app, email)


def listed(browser: SignedIn, incident_id: int) -> bool:
    return f'href="/incidents/{incident_id}"' in browser.text("/incidents/")


@pytest.mark.parametrize("spelling", list(MORGAN_SPELLINGS), ids=list(MORGAN_SPELLINGS))
def test_a_look_alike_requester_does_not_see_it(app, world, morgan, make_person, spelling):
    make_person("other.manager@example.org", Role.manager, "Ola Manager")
    typed = MORGAN_SPELLINGS[spelling]
    incident = log(world, requester=None, name=typed, role="manager")
    db.session.commit()
    incident_id = incident.id

    assert incident.requester_name == typed  # kept as typed
    assert not can_see(morgan, incident)
    assert [p.email for p in counted_as(incident)] == ["morgan@example.org"]
    client = sign_in(app, "morgan@example.org")
    assert not listed(client, incident_id)
    assert client.get(f"/incidents/{incident_id}").status_code == 404
    # Another manager sees it.
    other = sign_in(app, "other.manager@example.org")
    assert listed(other, incident_id)
    assert other.get(f"/incidents/{incident_id}").status_code == 200


@pytest.mark.parametrize("spelling", ["cyrillic", "surname-first", "hangul-filler", "title"])
def test_no_page_or_export_shows_it_to_a_look_alike_requester(app, world, make_person, spelling):
    """A compliance officer reaches every page about incidents: none shows it to them."""
    make_person("morgan.c@example.org", Role.compliance, "Morgan Reyes")
    incident_id = log(world, requester=None, name=MORGAN_SPELLINGS[spelling], role="compliance",
                      what_was_asked="Sign the Zanzibar order").id  # fmt: skip
    db.session.commit()

    pages = {}
    for email in ("morgan.c@example.org", "cora@example.org"):
        client = sign_in(app, email)
        pages[email] = {
            "list": listed(client, incident_id),
            "detail": client.get(f"/incidents/{incident_id}").status_code,
            "report": "Zanzibar" in client.text("/reports/incidents.csv"),
            "audit": "Zanzibar" in client.text("/audit/"),
            "events": "Zanzibar" in client.text("/audit/events.csv"),
        }

    assert pages["morgan.c@example.org"] == {
        "list": False, "detail": 404, "report": False, "audit": False, "events": False,
    }  # fmt: skip
    assert pages["cora@example.org"] == {
        "list": True, "detail": 200, "report": True, "audit": True, "events": True,
    }  # fmt: skip


def test_a_former_persons_name_counts_as_that_person(app, world, morgan):
    morgan.active = False
    db.session.commit()
    for days in (30, 20, 10):
        log(world, requester=None, name=MORGAN_SPELLINGS["surname-first"], role="manager",
            at=NOW - timedelta(days=days))  # fmt: skip

    incident = db.session.scalars(select(Incident).order_by(Incident.id.desc())).first()
    alerts = pressure_alerts(world["cora"], 3, 90)

    assert [p.email for p in counted_as(incident)] == ["morgan@example.org"]
    assert [len(a.incidents) for a in alerts] == [3]


def test_picked_and_look_alike_requests_raise_one_alert(world, morgan):
    w = {**world, "morgan": morgan}
    log(w, requester="morgan", at=NOW - timedelta(days=40))
    for days, spelling in ((30, "cyrillic"), (20, "hangul-filler"), (10, "title")):
        log(w, requester=None, name=MORGAN_SPELLINGS[spelling], role="manager",
            at=NOW - timedelta(days=days))  # fmt: skip

    alerts = pressure_alerts(w["cora"], 4, 90)

    assert len(alerts) == 1 and len(alerts[0].incidents) == 4
    assert alerts[0].requester_label == "Mórgan Réyes (Practice manager)"


def test_the_compliance_digest_leaves_out_a_look_alike_requester(app, world, make_person):
    """A compliance officer typed as "Reyes, Morgan" gets no reminder of that incident;
    the other compliance officer does."""
    from tracker.reminders.services import plan_reminders

    make_person("morgan.c@example.org", Role.compliance, "Morgan Reyes")
    for days in (60, 50, 40):
        log(world, requester=None, name=MORGAN_SPELLINGS["surname-first"], role="compliance",
            at=NOW - timedelta(days=days))  # fmt: skip
    db.session.commit()

    mails = {r.recipient.email: r for r in plan_reminders(NOW.date(), NOW)}

    morgan_items = [i.key for i in mails["morgan.c@example.org"].items] if (
        "morgan.c@example.org" in mails) else []  # fmt: skip
    assert not [k for k in morgan_items if k.startswith(("alert:", "open-incident:"))]
    cora_items = [i.key for i in mails["cora@example.org"].items]
    assert any(k.startswith("alert:") for k in cora_items)
    assert any(k.startswith("open-incident:") for k in cora_items)
