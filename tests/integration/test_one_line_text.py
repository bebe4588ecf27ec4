"""One-line text (names, codes, titles, reasons) refuses control characters, line breaks and
bidi overrides in every writer (DESIGN section 14; issue 21, item 7), and a mail that cannot
be built never stops the others."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, sample_practice
from tracker.audit.services import CLI
from tracker.catalog.models import Task
from tracker.catalog.services import create_task
from tracker.errors import Problems, Refused
from tracker.extensions import db
from tracker.incidents.services import DeclineAccount, log_incident
from tracker.sites.models import Practice, Site
from tracker.sites.services import create_site, set_practice_name
from tracker.staff.models import Person
from tracker.staff.services import create_person
from tracker.validation import as_one_line, check_one_line, unfit_text
from tracker.vocabulary import DeclineReason, Role, TaskKind

#: What a one-line field refuses, each by name.
BAD = {
    "lf": "Valley\nClinic",
    "cr-lf": "Valley\r\nBcc: someone@example.org",
    "tab": "Valley\tClinic",
    "line-separator": "Valley\u2028Clinic",
    "paragraph-separator": "Valley\u2029Clinic",
    "c1-next-line": "Valley\x85Clinic",
    "c1-csi": "Valley\x9b31mClinic",
    "del": "Valley\x7fClinic",
    "escape": "Valley\x1b[31mClinic",
    "rtl-override": "Valley \u202ecinilC",
    "rtl-isolate": "Valley \u2067Clinic\u2069",
}
IDS = list(BAD)


@pytest.mark.parametrize("kind", IDS)
def test_the_one_rule_refuses_each_kind(kind):
    assert unfit_text(BAD[kind]) is not None
    # C1 controls are refused in every text, notes too (issue 21, item 10)
    refused_everywhere = ("del", "escape", "c1-next-line", "c1-csi")
    assert unfit_text(BAD[kind], multiline=True) is None or kind in refused_everywhere
    problems = Problems()
    check_one_line(problems, name=BAD[kind], code="fine")
    assert [p.field for p in problems.items] == ["name"]
    assert "\n" not in as_one_line(BAD[kind]) and "\u202e" not in as_one_line(BAD[kind])


def test_ordinary_names_pass():
    for text in ("Zoë Ångström", "O'Brien-Smith, Jr.", "Dr. Lee (locum)", "مريم", "\u200fעדי"):
        assert unfit_text(text) is None


def _import(runner, tmp_path, data):
    path = tmp_path / "practice.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return runner.invoke(args=["import-practice", str(path)])


@pytest.mark.parametrize("kind", IDS)
def test_the_practice_file_refuses_them_in_every_name(app, runner, tmp_path, kind):
    data = sample_practice()
    data["practice"]["name"] = BAD[kind]
    data["sites"][1]["name"] = BAD[kind]
    data["people"][0]["name"] = BAD[kind]
    data["tasks"][0]["name"] = BAD[kind]
    data["licenses"][0]["number"] = "A1" + BAD[kind][6:]

    result = _import(runner, tmp_path, data)

    assert result.exit_code == 1
    for place in ("practice.name", "sites[1].name", "people[0].name", "tasks[0].name",
                  "licenses[0].number"):  # fmt: skip
        assert place in result.output, place
    assert "nothing was imported" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Person.id))) == 0
        assert db.session.scalar(select(func.count(Practice.id))) == 0


@pytest.mark.parametrize("kind", ["cr-lf", "c1-next-line", "rtl-override", "tab"])
def test_each_verb_refuses_them_whoever_calls_it(app, practice, kind):
    bad = BAD[kind]
    attempts = {
        "practice": lambda: set_practice_name(CLI, bad),
        "site": lambda: create_site(
            CLI, code="east", name=bad, state="CA", timezone="America/Los_Angeles"
        ),  # fmt: skip
        "person": lambda: create_person(
            CLI, email="new@example.org", name=bad, role=Role.assistant
        ),  # fmt: skip
        "job level": lambda: create_person(
            CLI, email="new@example.org", name="New", role=Role.assistant, job_level=bad
        ),  # fmt: skip
        "task": lambda: create_task(CLI, code="spiro2", name=bad, kind=TaskKind.clinical),
    }
    with app.app_context():
        for what, attempt in attempts.items():
            with pytest.raises(Refused) as refused:
                attempt()
            db.session.rollback()
            assert refused.value.problems[0].message.startswith("This must be a single line"), what
        assert db.session.scalar(select(Practice.name)) == "Valley Family Medicine"
        assert db.session.scalar(select(func.count(Site.id))) == 2
        assert db.session.scalar(select(Task.id).where(Task.code == "spiro2")) is None


def test_an_incidents_typed_requester_is_one_line(app, practice):
    from tracker import dates

    with app.app_context():
        ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
        account = DeclineAccount(
            occurred_at=dates.now() - timedelta(hours=1), what_was_asked="Sign it",
            what_was_said="I cannot.", reason=DeclineReason.outside_scope,
        )  # fmt: skip
        for field, values in {
            "requester_name": {"requester_name": "Dr. X\r\nDr. Y", "requester_role": "provider"},
            "requester_role": {"requester_name": "Dr. X", "requester_role": "pro\u202evider"},
        }.items():
            with pytest.raises(Refused) as refused:
                log_incident(account, logged_by=ana, site=ana.sites[0],
                             task_description="A task", **values)  # fmt: skip
            assert refused.value.problems[0].field == field


def test_create_user_refuses_a_name_with_a_line_break(app, runner):
    result = runner.invoke(
        args=["create-user", "new@example.org", "--name", "New\u2028Person", "--role",
              "assistant", "--password-stdin"],
        input=PASSWORD + "\n",
    )  # fmt: skip

    assert result.exit_code in (1, 2)
    assert "single line" in result.output and "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Person.id))) == 0


def test_the_people_form_refuses_a_c1_control(app, client, practice, make_person):
    make_person("boss@example.org", Role.admin, "Bo Boss")
    assert client.post("/login", data={"email": "boss@example.org", "password": PASSWORD}
                       ).status_code == 302  # fmt: skip

    response = client.post("/records/people/new", data={"email": "c1@example.org",
                                               "name": "Evil\x9bName", "role": "assistant",
                                               "job_level": "", "sites": []})  # fmt: skip

    assert response.status_code in (200, 400)
    assert "single line" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Person.id).where(Person.email == "c1@example.org")) is None
