"""The cases issue 15's fuzzing found, one by one: each bad value gets a clear answer (a 404,
a 400 or a message next to the field), never a server error, and nothing is written."""

from __future__ import annotations

import inspect

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from tracker.competencies.models import Competency
from tracker.extensions import db
from tracker.forms import TrackerForm
from tracker.sites.models import Site
from tracker.vocabulary import Role


@pytest.fixture
def admin(app, practice, make_person, auth):
    make_person("admin@example.org", role=Role.admin, sites=["main"])
    auth.login("admin@example.org")


@pytest.mark.parametrize(
    "path",
    [
        "/staff/99999999999999999999",
        "/staff/2147483648",
        "/competencies/9223372036854775808/edit",
        "/delegations/" + "9" * 5000,
    ],
)
def test_an_id_past_any_column_is_not_found(client, admin, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/competencies/?page=99999999999999999999",
        "/competencies/?person=99999999999999999999",
        "/delegations/?page=9223372036854775808",
        "/decisions?page=99999999999999999999",
    ],
)
def test_a_number_past_any_column_in_a_query_is_ignored_like_any_unreadable_one(
    client, admin, path
):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/audit/?date_to=9999-12-31", "between 1900-01-01 and 2200-12-31"),
        ("/audit/?date_from=0001-01-01", "between 1900-01-01 and 2200-12-31"),
        ("/records/shifts?week=0001-01-01", None),
        ("/staff/?site=ma%00in", "control character"),
        ("/competencies/?task=inj%1bection", "control character"),
        ("/policy/states/C%00A", "control character"),
    ],
)
def test_a_date_out_of_range_or_a_control_character_in_an_address_is_refused(
    client, admin, path, words
):
    response = client.get(path)
    assert response.status_code in (200, 400)
    if response.status_code == 200:  # a filter form shows its error next to the field
        assert "is-invalid" in response.get_data(as_text=True)
    if words:
        assert words in response.get_data(as_text=True)


def test_a_nul_in_a_text_field_is_refused_with_a_message_and_nothing_stored(app, client, admin):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Site))
    response = client.post(
        "/records/sites/new",
        data={"code": "east", "name": "East\x00Side", "state": "CA",
              "timezone": "America/Los_Angeles"},
    )  # fmt: skip
    assert response.status_code in (200, 400)
    assert "Remove the control characters" in response.get_data(as_text=True) or (
        "single line" in response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Site)) == before


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00", "9999-12-31T23:59"], ids=["year 1", "year 9999"]
)
def test_a_delegation_at_year_1_or_9999_is_refused_next_to_the_field(app, client, admin, value):
    from tracker.staff.models import Person

    with app.app_context():
        ana = db.session.scalar(select(Person.id).where(Person.email == "ana@example.org"))
        lee = db.session.scalar(select(Person.id).where(Person.email == "dr.lee@example.org"))
    response = client.post(
        "/delegations/new",
        data={"assistant_id": ana, "task_code": "injection", "site_code": "main",
              "scheduled_for": value, "delegated_by_id": lee},
    )  # fmt: skip
    assert response.status_code == 400
    assert "between 1900-01-01 and 2200-12-31" in response.get_data(as_text=True)


def _competency_row(app) -> tuple:
    with app.app_context():
        comp = db.session.scalar(select(Competency))
        row = (comp.trained_on, comp.training_hours, comp.validated_on, comp.validated_by_id,
               comp.evidence, comp.prior_employer)  # fmt: skip
        return comp.id, row


def test_a_competency_edit_sent_without_its_fields_erases_nothing(app, client, admin):
    comp_id, before = _competency_row(app)
    assert before[0] is not None and before[3] is not None and before[4]
    response = client.post(f"/competencies/{comp_id}/edit", data={"csrf_token": "x"})
    assert response.status_code == 400
    assert "arrived without its fields" in response.get_data(as_text=True)
    assert _competency_row(app) == (comp_id, before)


def test_a_competency_edit_changes_only_the_fields_it_was_sent(app, client, admin):
    comp_id, before = _competency_row(app)
    # The imported record was never attested in the app: a correction attests it.
    response = client.post(
        f"/competencies/{comp_id}/edit", data={"evidence": "New checklist", "attest": "y"}
    )
    assert response.status_code == 302
    _, after = _competency_row(app)
    assert after[4] == "New checklist"
    assert after[:4] == before[:4]


def test_every_form_derives_from_the_guarded_base():
    import tracker.forms  # noqa: F401
    from tracker import create_app  # noqa: F401  (imports every feature's forms)

    for module in ("api", "audit", "auth", "catalog", "competencies", "decision", "delegations",
                   "imports", "incidents", "policy", "sites", "staff", "supervision"):  # fmt: skip
        __import__(f"tracker.{module}.forms")

    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    unguarded = [
        f"{inspect.getmodule(c).__name__}.{c.__name__}"
        for c in all_subclasses(FlaskForm)
        if c.__module__.startswith("tracker") and not issubclass(c, TrackerForm)
    ]
    assert unguarded == []
