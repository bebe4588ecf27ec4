"""The protocol and direction pages (DESIGN section 15): a manager writes a draft, a
provider approves it, an assistant reads and acknowledges it; a provider gives a direction
and the assistant sees it today. Each page keeps to who may do what."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.catalog.models import Task
from tracker.extensions import db
from tracker.protocols.models import Direction, Protocol, ProtocolAcknowledgment
from tracker.sites.models import Site
from tracker.vocabulary import ProtocolState, Role


@pytest.fixture
def ids(app, practice):
    with app.app_context():
        tasks = {t.code: t.id for t in db.session.scalars(select(Task))}
        sites = {s.code: s.id for s in db.session.scalars(select(Site))}
    return tasks, sites


def write_draft(client, ids, **changes):
    tasks, sites = ids
    data = {"code": "phone-routing", "title": "Phone routing", "version": "1",
            "tasks": [str(tasks["protocol-phone-routing"])], "sites": [str(sites["main"])],
            "document": "Phone protocol v1", **changes}  # fmt: skip
    return client.post("/protocols/new", data=data)


def test_a_draft_is_approved_by_a_provider_and_acknowledged_by_an_assistant(
    app, client, login_as, ids, sample_clock
):
    login_as("manager@example.org")
    response = write_draft(client, ids)
    assert response.status_code == 302
    with app.app_context():
        protocol_id = db.session.scalar(select(Protocol.id))
    # An assistant does not see a draft.
    login_as("ana@example.org")
    assert client.get(f"/protocols/{protocol_id}").status_code == 404
    assert client.post(f"/protocols/{protocol_id}/approve").status_code == 403
    login_as("dr.lee@example.org")
    page = client.get(f"/protocols/{protocol_id}").get_data(as_text=True)
    assert "Approve this protocol" in page
    assert client.post(f"/protocols/{protocol_id}/approve", data={}).status_code == 302
    with app.app_context():
        protocol = db.session.get(Protocol, protocol_id)
        assert protocol.state == ProtocolState.approved
        assert protocol.approved_by.email == "dr.lee@example.org"
    login_as("manager@example.org")
    listing = client.get("/protocols").get_data(as_text=True)
    assert "1: Ana Ruiz" in listing  # who has not read it yet
    login_as("ana@example.org")
    page = client.get(f"/protocols/{protocol_id}").get_data(as_text=True)
    assert "Phone protocol v1" in page and "I have read this version" in page
    assert client.post(f"/protocols/{protocol_id}/acknowledge").status_code == 302
    with app.app_context():
        assert db.session.query(ProtocolAcknowledgment).count() == 1
    assert "You have acknowledged this version" in client.get(f"/protocols/{protocol_id}").get_data(
        as_text=True
    )


def test_a_provider_licensed_elsewhere_cannot_approve(app, client, login_as, ids, make_person):
    tasks, sites = ids
    login_as("manager@example.org")
    write_draft(client, ids, sites=[str(sites["north"])])  # Texas: Dr. Lee is CA only
    with app.app_context():
        protocol_id = db.session.scalar(select(Protocol.id))
    login_as("dr.lee@example.org")
    response = client.post(f"/protocols/{protocol_id}/approve", data={}, follow_redirects=True)
    assert "no Texas license" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Protocol, protocol_id).state == ProtocolState.draft


def test_a_protocol_of_a_task_that_needs_no_direction_is_refused(app, client, login_as, ids):
    tasks, _ = ids
    login_as("manager@example.org")
    response = write_draft(client, ids, tasks=[str(tasks["injection"])])
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Protocol.id)) is None


def test_a_provider_gives_a_direction_and_the_assistant_sees_it_today(
    app, client, login_as, ids, sample_clock, make_person
):
    tasks, sites = ids
    lee = login_as("dr.lee@example.org")
    with app.app_context():
        ana_id = db.session.scalar(select(Direction.id).limit(1))
        from tracker.staff.models import Person

        ana_id = db.session.scalar(select(Person.id).where(Person.email == "ana@example.org"))
    form = client.get(
        "/directions/new?assistant=ana@example.org&task=refill-transmission&site=main"
    ).get_data(as_text=True)
    assert "never a patient" in form or "patient's name" in form
    response = client.post("/directions/new", data={
        "assistant": ana_id, "task": tasks["refill-transmission"], "site": sites["main"],
        "reference": "REQ-9"})  # fmt: skip
    assert response.status_code == 302
    assert "REQ-9" in client.get("/directions").get_data(as_text=True)
    login_as("ana@example.org")
    mine = client.get("/directions").get_data(as_text=True)
    assert "My directions today" in mine and "REQ-9" in mine
    make_person("ben@example.org", Role.assistant, sites=["main"])
    client.post("/logout")
    client.post("/login", data={"email": "ben@example.org", "password": PASSWORD})
    assert "REQ-9" not in client.get("/directions").get_data(as_text=True)
    with app.app_context():
        direction_id = db.session.scalar(select(Direction.id))
    assert client.post(f"/directions/{direction_id}/carried-out").status_code == 404
    assert client.get("/directions/new").status_code == 403
    assert lee


def test_may_i_for_a_task_that_needs_a_direction_says_to_ask_the_provider(
    app, client, login_as, sample_clock
):
    ana = login_as("ana@example.org")
    data = {"assistant_id": str(ana), "task_code": "refill-transmission", "site_code": "main"}
    response = client.post("/may-i", data=data)
    text = response.get_data(as_text=True)
    assert "ask the provider" in text
    assert "Do not decide it yourself" in text


def test_the_training_file_page_print_and_api_list_acknowledgments(
    app, client, login_as, ids, sample_clock
):
    from tracker.api.tokens import create_token
    from tracker.audit.services import CLI
    from tracker.protocols import services
    from tracker.staff.models import Person

    ana = login_as("ana@example.org")
    with app.app_context():
        tasks, sites = ids
        lee = db.session.scalar(select(Person).where(Person.email == "dr.lee@example.org"))
        person = db.session.get(Person, ana)
        protocol = services.create_protocol(
            CLI, code="phone", title="Phone routing", version=1,
            tasks=[db.session.get(Task, tasks["protocol-phone-routing"])],
            sites=[db.session.get(Site, sites["main"])], document="Phone protocol v1",
        )  # fmt: skip
        services.approve_protocol(CLI, protocol, approved_by=lee, approved_on=date(2026, 6, 1))
        newer = services.create_protocol(
            CLI, code="phone-2", title="After hours", version=1,
            tasks=[db.session.get(Task, tasks["relay-instructions"])],
            sites=[db.session.get(Site, sites["main"])],
        )  # fmt: skip
        services.approve_protocol(CLI, newer, approved_by=lee, approved_on=protocol.approved_on)
        services.acknowledge_protocol(CLI, protocol, person, sample_clock_now())
        token, _ = create_token(person, "file", ("read",), None, CLI)
        db.session.commit()
    page = client.get(f"/staff/{ana}").get_data(as_text=True)
    assert "Phone routing (v1, approved), Phone protocol v1: acknowledged" in page
    assert "Not yet read in its current version" in page and "After hours (v1)" in page
    printed = client.get(f"/reports/print/training-file/{ana}").get_data(as_text=True)
    assert "Protocols acknowledged" in printed and "Phone protocol v1" in printed
    body = client.get("/api/v1/people/ana@example.org/training-file",
                      headers={"Authorization": f"Bearer {token}"}).get_json()  # fmt: skip
    assert [(a["protocol"], a["version"]) for a in body["acknowledgments"]] == [("phone", 1)]


def sample_clock_now():
    from tracker import dates

    return dates.now()


def test_the_finder_links_to_the_provider_decision_that_is_missing(client, login_as, sample_clock):
    login_as("dr.lee@example.org")
    page = client.get("/eligible?task=refill-transmission&site=main").get_data(as_text=True)
    assert "do not decide it yourself" in page
    assert "Give a direction for Ana Ruiz" in page
    assert "/directions/new?assistant=ana" in page
    login_as("manager@example.org")
    page = client.get("/eligible?task=refill-transmission&site=main").get_data(as_text=True)
    assert "Give a direction" not in page  # a provider's to give
    assert "Write a protocol" in page
