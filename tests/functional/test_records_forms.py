"""The record-keeping forms through the pages: people, sites, tasks, licenses, credentials,
supervision assignments and shifts. Happy paths, refusals shown next to the field, access,
audit events, and nothing half-written."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker.audit.models import AuditEvent
from tracker.catalog.models import Task
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import Credential, License, Person
from tracker.supervision.models import Shift, SupervisionAssignment
from tracker.vocabulary import Role, TaskKind


@pytest.fixture
def office(app, practice, make_person):
    """The sample practice plus a manager, an admin, a compliance officer and an assistant
    who can sign in."""
    return {
        "manager": make_person("boss@example.org", Role.manager, name="Bo Manager"),
        "admin": make_person("root@example.org", Role.admin, name="Ad Min"),
        "compliance": make_person("cora@example.org", Role.compliance, name="Cora"),
        "assistant": make_person("ivy@example.org", Role.assistant, sites=["main"]),
    }


def sign_in(client, email):
    client.post("/logout")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def one(app, model, **where):
    with app.app_context():
        return db.session.scalars(select(model).filter_by(**where)).one_or_none()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def events(app, action=None, record_type=None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        if record_type:
            query = query.where(AuditEvent.record_type == record_type)
        return list(db.session.scalars(query))


def person_id(app, email) -> int:
    return one(app, Person, email=email).id


def site_id(app, code) -> int:
    return one(app, Site, code=code).id


def text(response) -> str:
    return response.get_data(as_text=True)


def field_error(page: str, message: str) -> bool:
    """The message is shown as a field's error (Bootstrap's invalid-feedback)."""
    return "invalid-feedback" in page and message in page


# --------------------------------------------------------------------------- people


def new_person(app, **overrides):
    data = {
        "name": "Nina Nurse",
        "email": "Nina@Example.org",
        "role": "assistant",
        "job_level": "MA I",
        "sites": [site_id(app, "main")],
        "password": "",
    }
    data.update(overrides)
    return data


def test_the_staff_list_offers_add_person_only_to_record_keepers(client, office):
    sign_in(client, "boss@example.org")
    assert "Add person" in text(client.get("/staff/"))
    sign_in(client, "cora@example.org")
    assert "Add person" not in text(client.get("/staff/"))


def test_a_manager_adds_an_assistant_with_sites_and_the_change_is_audited(app, client, office):
    sign_in(client, "boss@example.org")
    assert client.get("/records/people/new").status_code == 200

    response = client.post("/records/people/new", data=new_person(app))

    assert response.status_code == 302
    nina = one(app, Person, email="nina@example.org")
    assert nina is not None and nina.role == Role.assistant and nina.job_level == "MA I"
    assert response.headers["Location"].endswith(f"/staff/{nina.id}")
    with app.app_context():
        assert db.session.get(Person, nina.id).site_codes == ["main"]
    created = events(app, "create", "people")[-1]
    assert created.record_id == str(nina.id)
    assert created.after["email"] == "nina@example.org"
    assert created.after["sites"] == ["main"]
    assert created.actor_label == "boss@example.org"
    assert "Nina Nurse was added." in text(client.get(response.headers["Location"]))


def test_a_person_added_with_a_password_can_sign_in_and_no_hash_is_logged(app, client, office):
    sign_in(client, "root@example.org")
    data = new_person(app, role="compliance", job_level="", password="a-long-enough-secret")
    assert client.post("/records/people/new", data=data).status_code == 302

    for event in events(app):
        for values in (event.before or {}, event.after or {}):
            assert "password_hash" not in values and "password" not in values
            assert "a-long-enough-secret" not in str(values)
    client.post("/logout")
    login = client.post(
        "/login", data={"email": "nina@example.org", "password": "a-long-enough-secret"}
    )
    assert login.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "ANA@example.org"}, "ana@example.org already belongs to someone"),
        ({"email": "not-an-email"}, "Not an email address."),
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"job_level": "y" * 65}, "Field cannot be longer than 64 characters."),
        ({"role": "provider", "job_level": "CMA"}, "Only medical assistants have a job level"),
        ({"password": "short"}, "at least 12 characters"),
        ({"role": "wizard"}, "Choose a role."),
    ],
)
def test_bad_person_input_is_shown_next_to_the_field_and_nothing_is_written(
    app, client, office, overrides, message
):
    sign_in(client, "boss@example.org")
    people, audit = count(app, Person), len(events(app))

    response = client.post("/records/people/new", data=new_person(app, **overrides))

    assert response.status_code == 200
    assert field_error(text(response), message)
    assert count(app, Person) == people
    assert len(events(app)) == audit


def test_a_manager_may_not_create_accounts_other_than_staff(app, client, office):
    sign_in(client, "boss@example.org")
    page = text(client.get("/records/people/new"))
    assert 'value="admin"' not in page and 'value="manager"' not in page

    for role in ("admin", "manager", "compliance"):
        data = new_person(app, role=role, job_level="", email=f"{role}.new@example.org")
        response = client.post("/records/people/new", data=data)
        assert response.status_code == 200
        assert "Only an administrator may create" in text(response)
        assert one(app, Person, email=f"{role}.new@example.org") is None


def test_an_admin_may_create_an_admin_account(app, client, office):
    sign_in(client, "root@example.org")
    data = new_person(app, role="admin", job_level="", email="second.admin@example.org")
    assert client.post("/records/people/new", data=data).status_code == 302
    assert one(app, Person, email="second.admin@example.org").role == Role.admin


def test_editing_a_person_records_before_and_after(app, client, office):
    sign_in(client, "boss@example.org")
    ana = person_id(app, "ana@example.org")
    page = client.get(f"/records/people/{ana}/edit")
    assert page.status_code == 200 and "Ana Ruiz" in text(page)

    data = new_person(
        app, name="Ana Ruiz-Lopez", email="ana@example.org", job_level="CMA",
        sites=[site_id(app, "main")],
    )  # fmt: skip
    response = client.post(f"/records/people/{ana}/edit", data=data)

    assert response.status_code == 302
    assert one(app, Person, email="ana@example.org").name == "Ana Ruiz-Lopez"
    update = events(app, "update", "people")[-1]
    assert update.before["name"] == "Ana Ruiz" and update.after["name"] == "Ana Ruiz-Lopez"


def test_only_an_admin_changes_a_role(app, client, office):
    ana = person_id(app, "ana@example.org")
    data = new_person(app, email="ana@example.org", role="provider", job_level="")

    sign_in(client, "boss@example.org")
    response = client.post(f"/records/people/{ana}/edit", data=data)
    assert response.status_code == 200
    assert field_error(text(response), "Only an administrator may change a person&#39;s role.")
    assert one(app, Person, email="ana@example.org").role == Role.assistant

    sign_in(client, "root@example.org")
    assert client.post(f"/records/people/{ana}/edit", data=data).status_code == 302
    ana_now = one(app, Person, email="ana@example.org")
    assert ana_now.role == Role.provider and ana_now.job_level is None


def test_an_admin_cannot_change_their_own_role(app, client, office):
    sign_in(client, "root@example.org")
    me = office["admin"]
    data = new_person(app, email="root@example.org", name="Ad Min", role="manager", job_level="")
    response = client.post(f"/records/people/{me}/edit", data=data)
    assert response.status_code == 200
    assert "You cannot change your own role" in text(response)
    assert one(app, Person, id=me).role == Role.admin


def test_a_manager_cannot_open_or_change_an_admin_account(app, client, office):
    sign_in(client, "boss@example.org")
    admin = office["admin"]
    assert client.get(f"/records/people/{admin}/edit").status_code == 403
    data = new_person(app, email="root@example.org", role="admin", job_level="", password="x" * 20)
    assert client.post(f"/records/people/{admin}/edit", data=data).status_code == 403
    assert client.post(f"/records/people/{admin}/deactivate").status_code == 403
    assert one(app, Person, id=admin).active
    refused = events(app, "access_denied")[-1]
    assert refused.record_id == "staff.person_deactivate"


def test_changing_email_to_one_in_use_is_refused(app, client, office):
    sign_in(client, "boss@example.org")
    ana = person_id(app, "ana@example.org")
    data = new_person(app, email="dr.lee@example.org", job_level="CMA")
    response = client.post(f"/records/people/{ana}/edit", data=data)
    assert field_error(text(response), "dr.lee@example.org already belongs to someone else")
    assert one(app, Person, id=ana).email == "ana@example.org"


def test_deactivate_and_reactivate_are_posts_that_keep_the_person(app, client, office):
    sign_in(client, "boss@example.org")
    ivy = office["assistant"]
    # GET only asks to confirm: nothing changes.
    assert client.get(f"/records/people/{ivy}/deactivate").status_code == 200
    assert one(app, Person, id=ivy).active is True

    response = client.post(f"/records/people/{ivy}/deactivate")
    assert response.status_code == 302
    assert one(app, Person, id=ivy).active is False
    event = events(app, "deactivate", "people")[-1]
    assert event.before["active"] is True and event.after["active"] is False

    page = text(client.get(f"/staff/{ivy}"))
    assert "deactivated" in page and "Reactivate" in page
    # A deactivated person cannot sign in.
    other = app.test_client()
    refused = other.post("/login", data={"email": "ivy@example.org", "password": PASSWORD})
    assert refused.status_code != 302
    assert "This account is deactivated" in text(refused)

    assert client.post(f"/records/people/{ivy}/reactivate").status_code == 302
    assert one(app, Person, id=ivy).active is True
    assert events(app, "reactivate", "people")


def test_nobody_deactivates_themselves(app, client, office):
    sign_in(client, "root@example.org")
    response = client.post(f"/records/people/{office['admin']}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in text(response)
    assert one(app, Person, id=office["admin"]).active


@pytest.mark.parametrize("who", ["ivy@example.org", "cora@example.org"])
def test_assistants_and_compliance_cannot_post_any_record_form(app, client, office, who):
    sign_in(client, who)
    ana = person_id(app, "ana@example.org")
    posts = [
        ("/records/people/new", new_person(app)),
        (f"/records/people/{ana}/edit", new_person(app, email="ana@example.org")),
        (f"/records/people/{ana}/deactivate", {}),
        ("/records/sites/new", {"code": "x", "name": "X", "state": "CA", "timezone": "UTC"}),
        (f"/records/people/{ana}/credentials/new", {"type": "CMA"}),
        ("/records/tasks/new", {"code": "spiro2", "name": "S", "kind": "clinical"}),
        ("/records/shifts/new", {}),
        ("/records/assignments/new", {}),
    ]
    audit_before = len(events(app, "create")) + len(events(app, "update"))
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
    assert len(events(app, "create")) + len(events(app, "update")) == audit_before
    assert one(app, Person, email="nina@example.org") is None


def test_compliance_reads_the_record_lists(client, office):
    sign_in(client, "cora@example.org")
    for url in ("/records/", "/records/sites", "/records/tasks", "/records/shifts"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Add site" not in text(page) and "Add task" not in text(page)


# --------------------------------------------------------------------------- sites


def site_data(**overrides):
    data = {"code": "east", "name": "East Side", "state": "NY", "timezone": "America/New_York"}
    data.update(overrides)
    return data


def test_a_manager_adds_and_edits_a_site(app, client, office):
    sign_in(client, "boss@example.org")
    assert "America/Chicago" in text(client.get("/records/sites/new"))  # the time zone list

    assert client.post("/records/sites/new", data=site_data(state="ny")).status_code == 302
    east = one(app, Site, code="east")
    assert (east.state, east.timezone) == ("NY", "America/New_York")
    assert events(app, "create", "sites")[-1].after["code"] == "east"

    response = client.post(
        f"/records/sites/{east.id}/edit", data=site_data(name="East Village", state="NJ")
    )
    assert response.status_code == 302
    assert one(app, Site, code="east").name == "East Village"
    update = events(app, "update", "sites")[-1]
    assert update.before["state"] == "NY" and update.after["state"] == "NJ"
    assert "East Village" in text(client.get("/records/sites"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": "main"}, "There is already a site with code main."),
        ({"code": "has space"}, "Use only letters, digits"),
        ({"code": "c" * 65}, "Field cannot be longer than 64 characters."),
        ({"state": "ZZ"}, "&#39;ZZ&#39; is not a two-letter US state code."),
        ({"state": ""}, "This field is required."),
        ({"timezone": "Mars/Olympus_Mons"}, "is not an IANA time zone"),
        ({"timezone": "pacific"}, "is not an IANA time zone"),
        ({"name": "n" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_bad_site_input_is_refused_next_to_the_field(app, client, office, overrides, message):
    sign_in(client, "boss@example.org")
    sites, audit = count(app, Site), len(events(app))
    response = client.post("/records/sites/new", data=site_data(**overrides))
    assert response.status_code == 200
    assert field_error(text(response), message)
    assert count(app, Site) == sites and len(events(app)) == audit


def test_a_site_cannot_take_another_sites_code(app, client, office):
    sign_in(client, "boss@example.org")
    north = site_id(app, "north")
    response = client.post(f"/records/sites/{north}/edit", data=site_data(code="main"))
    assert field_error(text(response), "There is already a site with code main.")
    assert one(app, Site, id=north).code == "north"


# --------------------------------------------------------------------------- tasks


def test_a_manager_adds_a_custom_clinical_task(app, client, office):
    sign_in(client, "boss@example.org")
    data = {"code": "ekg", "name": "EKG", "kind": "clinical", "description": "12-lead"}
    assert client.post("/records/tasks/new", data=data).status_code == 302
    ekg = one(app, Task, code="ekg")
    assert ekg.kind == TaskKind.clinical and not ekg.builtin
    assert events(app, "create", "tasks")[-1].after["code"] == "ekg"

    data["kind"] = "administrative"
    assert client.post(f"/records/tasks/{ekg.id}/edit", data=data).status_code == 302
    assert one(app, Task, code="ekg").kind == TaskKind.administrative
    update = events(app, "update", "tasks")[-1]
    assert (update.before["kind"], update.after["kind"]) == ("clinical", "administrative")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "injection"}, "injection is in the built-in catalog"),
        ({"code": "spirometry"}, "There is already a task with code spirometry."),
        ({"kind": "reserved"}, "Reserved tasks are for licensed providers only"),
        ({"kind": "magic"}, "Choose administrative or clinical."),
        ({"description": "d" * 2001}, "Field cannot be longer than 2000 characters."),
        ({"code": "bad code!"}, "Use only letters, digits"),
    ],
)
def test_bad_tasks_are_refused(app, client, office, data, message):
    sign_in(client, "boss@example.org")
    tasks = count(app, Task)
    full = {"code": "ekg", "name": "EKG", "kind": "clinical", "description": ""} | data
    response = client.post("/records/tasks/new", data=full)
    assert response.status_code == 200
    assert field_error(text(response), message)
    assert count(app, Task) == tasks


def test_built_in_tasks_cannot_be_edited(app, client, office):
    sign_in(client, "root@example.org")
    injection = one(app, Task, code="injection")
    assert client.get(f"/records/tasks/{injection.id}/edit").status_code == 404
    data = {"code": "injection", "name": "Shots", "kind": "administrative"}
    assert client.post(f"/records/tasks/{injection.id}/edit", data=data).status_code == 404
    assert one(app, Task, code="injection").name == "Injection"


def test_a_custom_task_cannot_be_renamed_to_a_built_in_code_or_made_reserved(app, client, office):
    sign_in(client, "boss@example.org")
    spiro = one(app, Task, code="spirometry")
    response = client.post(
        f"/records/tasks/{spiro.id}/edit",
        data={"code": "diagnosis", "name": "Spirometry", "kind": "reserved"},
    )
    page = text(response)
    assert "diagnosis is in the built-in catalog" in page
    assert "Reserved tasks are for licensed providers only" in page
    stored = one(app, Task, id=spiro.id)
    assert (stored.code, stored.kind) == ("spirometry", TaskKind.clinical)


# --------------------------------------------------------------------------- licenses


def test_a_provider_license_is_added_and_renewed(app, client, office):
    sign_in(client, "boss@example.org")
    lee = person_id(app, "dr.lee@example.org")
    data = {"type": "MD", "number": "T-99", "state": "TX", "expires_on": "2027-12-31"}
    assert client.post(f"/records/people/{lee}/licenses/new", data=data).status_code == 302
    lic = one(app, License, number="T-99")
    assert lic.expires_on == date(2027, 12, 31)
    assert events(app, "create", "licenses")[-1].after["state"] == "TX"

    page = text(client.get(f"/staff/{lee}"))
    assert f"/records/licenses/{lic.id}/edit" in page

    data["expires_on"] = "2029-12-31"
    assert client.post(f"/records/licenses/{lic.id}/edit", data=data).status_code == 302
    update = events(app, "update", "licenses")[-1]
    assert (update.before["expires_on"], update.after["expires_on"]) == (
        "2027-12-31",
        "2029-12-31",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"state": "XX"}, "&#39;XX&#39; is not a two-letter US state code."),
        ({"expires_on": "2027-02-30"}, "Not a valid date value."),
        ({"number": ""}, "This field is required."),
        ({"type": "t" * 33}, "Field cannot be longer than 32 characters."),
        ({"number": "A12345", "state": "CA"}, "already has a CA MD license numbered A12345"),
    ],
)
def test_bad_licenses_are_refused(app, client, office, overrides, message):
    sign_in(client, "boss@example.org")
    lee = person_id(app, "dr.lee@example.org")
    data = {"type": "MD", "number": "T-99", "state": "TX", "expires_on": ""} | overrides
    licenses = count(app, License)
    response = client.post(f"/records/people/{lee}/licenses/new", data=data)
    assert response.status_code == 200
    assert field_error(text(response), message)
    assert count(app, License) == licenses


def test_licenses_are_only_for_providers(app, client, office):
    sign_in(client, "boss@example.org")
    ana = person_id(app, "ana@example.org")
    data = {"type": "MD", "number": "1", "state": "CA"}
    response = client.post(f"/records/people/{ana}/licenses/new", data=data, follow_redirects=True)
    assert "Licenses are kept for providers" in text(response)
    assert one(app, License, number="1") is None


# --------------------------------------------------------------------------- credentials


def credential_data(**overrides):
    data = {
        "type": "RMA",
        "number": "R-1",
        "issuer": "AMT",
        "issued_on": "2025-01-01",
        "expires_on": "2027-01-01",
        "verified_on": "2025-02-01",
    }
    data.update(overrides)
    return data


def test_a_credential_is_added_to_anyone_and_edited(app, client, office):
    sign_in(client, "boss@example.org")
    cora = office["compliance"]
    assert client.get(f"/records/people/{cora}/credentials/new").status_code == 200
    response = client.post(f"/records/people/{cora}/credentials/new", data=credential_data())
    assert response.status_code == 302
    cred = one(app, Credential, number="R-1")
    assert cred.person_id == cora and cred.expires_on == date(2027, 1, 1)
    assert events(app, "create", "credentials")[-1].after["type"] == "RMA"

    response = client.post(
        f"/records/credentials/{cred.id}/edit", data=credential_data(expires_on="")
    )
    assert response.status_code == 302
    assert one(app, Credential, id=cred.id).expires_on is None
    update = events(app, "update", "credentials")[-1]
    assert update.before["expires_on"] == "2027-01-01" and update.after["expires_on"] is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"expires_on": "2024-12-31"}, "expires_on", "Must be on or after the issue date"),
        ({"verified_on": "2024-06-01"}, "verified_on", "Must be on or after the issue date"),
        ({"verified_on": "2199-01-01"}, "verified_on", "Cannot be in the future."),
        ({"issued_on": "01/02/2025"}, "issued_on", "Not a valid date value."),
        ({"type": ""}, "type", "This field is required."),
        ({"issuer": "i" * 201}, "issuer", "Field cannot be longer than 200 characters."),
        ({"type": "CMA", "number": "123"}, "number", "already has a CMA credential numbered 123"),
    ],
)
def test_bad_credentials_are_refused(app, client, office, overrides, field, message):
    sign_in(client, "boss@example.org")
    ana = person_id(app, "ana@example.org")
    creds = count(app, Credential)
    response = client.post(
        f"/records/people/{ana}/credentials/new", data=credential_data(**overrides)
    )
    assert response.status_code == 200
    assert field_error(text(response), message)
    assert f'id="{field}"' in text(response)
    assert count(app, Credential) == creds


def test_editing_a_credential_to_bad_dates_changes_nothing(app, client, office):
    sign_in(client, "boss@example.org")
    cred = one(app, Credential, number="123")
    response = client.post(
        f"/records/credentials/{cred.id}/edit",
        data=credential_data(type="CMA", number="123", expires_on="2020-01-01"),
    )
    assert response.status_code == 200
    assert one(app, Credential, id=cred.id).expires_on == date(2029, 1, 1)
    assert events(app, "update", "credentials") == []


def test_unknown_records_are_404(client, office):
    sign_in(client, "boss@example.org")
    for url in (
        "/records/people/999/edit",
        "/records/credentials/999/edit",
        "/records/licenses/999/edit",
        "/records/assignments/999/edit",
        "/records/shifts/999/edit",
        "/records/sites/999/edit",
        "/records/tasks/999/edit",
        "/records/people/999/credentials/new",
    ):
        assert client.get(url).status_code == 404, url


# --------------------------------------------------------------------------- supervision


def assignment_data(app, **overrides):
    data = {
        "assistant": person_id(app, "ana@example.org"),
        "provider": person_id(app, "dr.lee@example.org"),
        "site": site_id(app, "north"),
        "starts_on": "2026-03-01",
        "ends_on": "",
    }
    data.update(overrides)
    return data


def test_an_assignment_is_added_edited_and_ended(app, client, office):
    sign_in(client, "boss@example.org")
    ana = person_id(app, "ana@example.org")
    page = client.get(f"/records/assignments/new?assistant={ana}")
    assert page.status_code == 200

    response = client.post("/records/assignments/new", data=assignment_data(app))
    assert response.status_code == 302
    assignment = one(app, SupervisionAssignment, site_id=site_id(app, "north"))
    assert assignment.ends_on is None
    assert events(app, "create", "supervision_assignments")[-1].after["starts_on"] == "2026-03-01"
    # Dr. Lee holds no Texas license and Ana does not work at North: kept, with warnings.
    shown = text(client.get(response.headers["Location"]))
    assert "has no current Texas license" in shown
    assert "does not work at North" in shown

    edit = client.post(
        f"/records/assignments/{assignment.id}/edit",
        data=assignment_data(app, starts_on="2026-04-01"),
    )
    assert edit.status_code == 302
    assert one(app, SupervisionAssignment, id=assignment.id).starts_on == date(2026, 4, 1)

    assert client.get(f"/records/assignments/{assignment.id}/edit").status_code == 200
    end = client.post(f"/records/assignments/{assignment.id}/end", data={"ends_on": "2026-06-30"})
    assert end.status_code == 302
    assert one(app, SupervisionAssignment, id=assignment.id).ends_on == date(2026, 6, 30)
    ended = events(app, "end", "supervision_assignments")[-1]
    assert ended.before["ends_on"] is None and ended.after["ends_on"] == "2026-06-30"
    assert count(app, SupervisionAssignment) == 2  # kept, never deleted


def test_an_overlapping_duplicate_assignment_is_refused(app, client, office):
    sign_in(client, "boss@example.org")
    # The sample practice has Ana under Dr. Lee at main from 2026-01-01, open-ended.
    data = assignment_data(app, site=site_id(app, "main"), starts_on="2027-01-01")
    assignments = count(app, SupervisionAssignment)

    response = client.post("/records/assignments/new", data=data)

    assert response.status_code == 200
    assert field_error(text(response), "already has an assignment to Dr. Lee at Main St")
    assert count(app, SupervisionAssignment) == assignments


def test_a_later_assignment_after_one_ended_is_accepted(app, client, office):
    sign_in(client, "boss@example.org")
    existing = one(app, SupervisionAssignment, site_id=site_id(app, "main"))
    client.post(f"/records/assignments/{existing.id}/end", data={"ends_on": "2026-12-31"})
    same_day = assignment_data(app, site=site_id(app, "main"), starts_on="2026-12-31")
    assert client.post("/records/assignments/new", data=same_day).status_code == 200
    next_day = assignment_data(app, site=site_id(app, "main"), starts_on="2027-01-01")
    assert client.post("/records/assignments/new", data=next_day).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_on": "2026-02-01"}, "Must be on or after the start date (2026-03-01)."),
        ({"starts_on": ""}, "This field is required."),
        ({"starts_on": "2026-13-01"}, "Not a valid date value."),
        ({"provider": 999}, "Choose one from the list."),
    ],
)
def test_bad_assignments_are_refused(app, client, office, overrides, message):
    sign_in(client, "boss@example.org")
    assignments = count(app, SupervisionAssignment)
    response = client.post("/records/assignments/new", data=assignment_data(app, **overrides))
    assert response.status_code == 200
    assert field_error(text(response), message)
    assert count(app, SupervisionAssignment) == assignments


def test_an_assignment_cannot_end_before_it_starts(app, client, office):
    sign_in(client, "boss@example.org")
    existing = one(app, SupervisionAssignment, site_id=site_id(app, "main"))
    response = client.post(
        f"/records/assignments/{existing.id}/end", data={"ends_on": "2025-12-31"}
    )
    assert response.status_code == 400
    assert field_error(text(response), "Must be on or after the start date (2026-01-01).")
    assert one(app, SupervisionAssignment, id=existing.id).ends_on is None
    assert events(app, "end") == []


# --------------------------------------------------------------------------- shifts


def shift_data(app, **overrides):
    data = {
        "provider": person_id(app, "dr.lee@example.org"),
        "site": site_id(app, "main"),
        "starts_at": "2026-07-06T08:00",
        "ends_at": "2026-07-06T17:30",
    }
    data.update(overrides)
    return data


def test_a_shift_is_entered_in_the_sites_time_and_stored_in_utc(app, client, office):
    sign_in(client, "boss@example.org")
    response = client.post("/records/shifts/new", data=shift_data(app))

    assert response.status_code == 302
    assert "site=main" in response.headers["Location"]
    assert "week=2026-07-06" in response.headers["Location"]
    shift = one(app, Shift, starts_at=datetime(2026, 7, 6, 15, 0, tzinfo=UTC))
    assert shift is not None  # 08:00 in Los Angeles (PDT) is 15:00 UTC
    assert shift.ends_at == datetime(2026, 7, 7, 0, 30, tzinfo=UTC)
    assert events(app, "create", "shifts")[-1].after["starts_at"] == "2026-07-06T15:00:00+00:00"

    week = text(client.get("/records/shifts?site=main&week=2026-07-08"))
    assert "Dr. Lee: 08:00 PDT to 17:30 PDT" in week
    assert "Mon 2026-07-06" in week

    # The edit form shows the site's wall clock again.
    edit = text(client.get(f"/records/shifts/{shift.id}/edit"))
    assert 'value="2026-07-06T08:00"' in edit


def test_editing_a_shift_records_before_and_after(app, client, office):
    sign_in(client, "boss@example.org")
    client.post("/records/shifts/new", data=shift_data(app))
    shift = one(app, Shift, starts_at=datetime(2026, 7, 6, 15, 0, tzinfo=UTC))
    response = client.post(
        f"/records/shifts/{shift.id}/edit", data=shift_data(app, ends_at="2026-07-06T12:00")
    )
    assert response.status_code == 302
    assert one(app, Shift, id=shift.id).ends_at == datetime(2026, 7, 6, 19, 0, tzinfo=UTC)
    update = events(app, "update", "shifts")[-1]
    assert update.before["ends_at"] != update.after["ends_at"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at": "2026-07-06T07:00"}, "The shift must end after it starts."),
        ({"ends_at": "2026-07-06T08:00"}, "The shift must end after it starts."),
        ({"ends_at": "2026-07-08T08:00"}, "A shift may last at most 24 hours"),
        ({"starts_at": "tomorrow"}, "Not a valid datetime value."),
        # 02:30 on 2026-03-08 does not exist in Los Angeles: the clocks jump to 03:00.
        (
            {"starts_at": "2026-03-08T02:30", "ends_at": "2026-03-08T09:00"},
            "does not exist in America/Los_Angeles",
        ),
        # Overlaps the sample practice's shift (2026-11-23 08:00-17:00 Los Angeles).
        (
            {"starts_at": "2026-11-23T16:00", "ends_at": "2026-11-23T20:00"},
            "Dr. Lee already has a shift at Main St",
        ),
    ],
)
def test_bad_shifts_are_refused(app, client, office, overrides, message):
    sign_in(client, "boss@example.org")
    shifts = count(app, Shift)
    response = client.post("/records/shifts/new", data=shift_data(app, **overrides))
    assert response.status_code == 200
    assert field_error(text(response), message)
    assert count(app, Shift) == shifts


def test_an_overlapping_shift_at_another_site_is_refused_in_either_time_zone(app, client, office):
    sign_in(client, "boss@example.org")
    # 18:00-20:00 in Chicago is 16:00-18:00 in Los Angeles: inside the 08:00-17:00 shift.
    data = shift_data(
        app, site=site_id(app, "north"), starts_at="2026-11-23T18:00", ends_at="2026-11-23T20:00"
    )
    response = client.post("/records/shifts/new", data=data)
    assert field_error(text(response), "Dr. Lee already has a shift at Main St")
    # 19:00-21:00 in Chicago starts exactly when the Los Angeles shift ends: accepted.
    data.update(starts_at="2026-11-23T19:00", ends_at="2026-11-23T21:00")
    assert client.post("/records/shifts/new", data=data).status_code == 302


def test_the_week_view_moves_by_week_and_refuses_bad_input(client, office):
    sign_in(client, "cora@example.org")
    page = text(client.get("/records/shifts?site=main&week=2026-11-25"))
    assert "Dr. Lee: 08:00 PST to 17:00 PST" in page
    assert "Mon 2026-11-23" in page
    # The date picker shows the week's Monday; no endless previous/next links.
    assert 'id="week" name="week" value="2026-11-23"' in page
    assert "Previous week" not in page and "week=2026-11-16" not in page
    assert "Add shift" not in page  # compliance reads only

    following = text(client.get("/records/shifts?site=main&week=2026-11-30"))
    assert "Dr. Lee:" not in following and "No provider on site." in following

    assert client.get("/records/shifts?site=nowhere").status_code == 400
    assert client.get("/records/shifts?site=main&week=2026-99-01").status_code == 400
    assert client.get("/records/shifts").status_code == 200


def test_the_shift_week_view_has_bounded_navigation(app, client, office):
    """A date picker within bounds and this/next week: no endless previous/next links."""
    from datetime import timedelta

    from tracker import dates

    sign_in(client, "boss@example.org")
    today = dates.today("America/Los_Angeles")
    monday = today - timedelta(days=today.weekday())
    page = text(client.get("/records/shifts?site=main"))
    assert "Previous week" not in page
    assert f"week={(monday + timedelta(days=7)).isoformat()}" in page  # next week
    assert 'aria-current="page">This week' in page
    far = (today + timedelta(days=5 * 365)).isoformat()
    page = text(client.get(f"/records/shifts?site=main&week={far}"))
    assert f"{far} is outside them, so this week is shown" in page
    assert f"{monday.isoformat()} to" in page
    assert client.get("/records/shifts?site=main&week=next-tuesday").status_code == 400


def test_fix_links_open_the_assignment_and_shift_forms_prefilled(app, client, office):
    """A decision's "add a supervision assignment" / "add the shift" links fill the form."""
    sign_in(client, "boss@example.org")
    with app.app_context():
        main = db.session.scalar(select(Site.id).where(Site.code == "main"))
    page = text(client.get("/records/assignments/new?site=main&starts_on=2026-12-01"))
    assert re.search(rf'<option selected value="{main}"|value="{main}" selected', page)
    assert 'value="2026-12-01"' in page
    page = text(client.get("/records/shifts/new?site=main&day=2026-12-01"))
    assert 'value="2026-12-01T08:00"' in page
    # A malformed date is left out, never a server error.
    assert client.get("/records/assignments/new?starts_on=soon").status_code == 200
