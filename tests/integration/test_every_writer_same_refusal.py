"""The verbs hold every rule (DESIGN section 13): each refusal, run through every writer
that can express it (page form, API, command line, CSV import, practice file), gets the
same words under the same field, and writes nothing (no row, no audit event).

One table: a refusal, the field it names, the words every writer says, and the input for
each writer. Each writer turns its own output back into {field: [messages]}.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker.errors import Refused
from tracker.extensions import db
from tracker.imports.commit import commit_import
from tracker.staff.models import Person
from tracker.validation import ONE_LINE_MESSAGE
from tracker.vocabulary import Role

# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Refusal:
    name: str
    #: The verb's field the refusal names.
    field: str
    #: Words each writer's message for that field holds.
    says: str
    #: The input, in the verb's terms; each writer spells it its own way.
    values: dict = field(default_factory=dict)
    #: The writers that can express it.
    writers: tuple[str, ...] = ()
    #: Who writes (a delegation: the person recording it).
    actor: str = "manager@example.org"


PERSON_WRITERS = ("page form", "command line", "CSV import", "practice file")
DELEGATION_WRITERS = ("page form", "API")

A_PERSON = {"email": "new.person@example.org", "name": "New Person", "role": "assistant"}
A_DELEGATION = {
    "assistant": "ana@example.org",
    "task": "injection",
    "site": "main",
    "delegated_by": "dr.lee@example.org",
}

REFUSALS = [
    Refusal(
        "a provider with a job level",
        "job_level",
        "Only medical assistants have a job level; leave it empty.",
        {**A_PERSON, "role": "provider", "job_level": "CMA"},
        PERSON_WRITERS,
    ),
    Refusal(
        "a name with a line break",
        "name",
        ONE_LINE_MESSAGE,
        {**A_PERSON, "name": "New\nPerson"},
        PERSON_WRITERS,
    ),
    Refusal(
        "a job level with a line break",
        "job_level",
        ONE_LINE_MESSAGE,
        {**A_PERSON, "job_level": "MA\nI"},
        PERSON_WRITERS,
    ),
    Refusal(
        "a practice name on two lines",
        "name",
        ONE_LINE_MESSAGE,
        {"practice": "Valley\nFamily Medicine"},
        ("practice file",),
    ),
    Refusal(
        "a deactivated assistant",
        "assistant",
        "(gone.ma@example.org) is not an active medical assistant.",
        {**A_DELEGATION, "assistant": "gone.ma@example.org"},
        DELEGATION_WRITERS,
    ),
    Refusal(
        "a provider named as the assistant",
        "assistant",
        "(dr.lee@example.org) is not an active medical assistant.",
        {**A_DELEGATION, "assistant": "dr.lee@example.org"},
        DELEGATION_WRITERS,
    ),
    Refusal(
        "a manager named as the delegating provider",
        "delegated_by",
        "(manager@example.org) is not an active provider; delegation is a provider's to make.",
        {**A_DELEGATION, "delegated_by": "manager@example.org"},
        DELEGATION_WRITERS,
    ),
    Refusal(
        "a deactivated provider",
        "delegated_by",
        "(dr.gone@example.org) is not an active provider; delegation is a provider's to make.",
        {**A_DELEGATION, "delegated_by": "dr.gone@example.org"},
        DELEGATION_WRITERS,
    ),
    Refusal(
        "a provider delegating in another's name",
        "delegated_by",
        "A provider records only their own delegations.",
        {**A_DELEGATION, "delegated_by": "dr.two@example.org"},
        DELEGATION_WRITERS,
        actor="dr.lee@example.org",
    ),
    Refusal(
        "a reserved task",
        "task",
        "Diagnosis is reserved for licensed providers; it is never delegated.",
        {**A_DELEGATION, "task": "diagnosis"},
        DELEGATION_WRITERS,
    ),
    Refusal(
        # The page names a site by its code as the API does; an unknown one is said as
        # unknown (the API names the code it did not find).
        "an unknown site",
        "site",
        "site",
        {**A_DELEGATION, "site": "nowhere"},
        DELEGATION_WRITERS,
    ),
]


# --------------------------------------------------------------------------- the writers


def _ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Person.email, Person.id)).all())


def _sign_in(client, email):
    client.post("/logout")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def _form_errors(page: str, names: dict[str, str]) -> dict[str, list[str]]:
    """The messages shown under each form field, by the verb's name for the field."""
    found: dict[str, list[str]] = {}
    current = None
    pattern = r'name="([\w-]+)"|class="invalid-feedback[^"]*"[^>]*>(.*?)</div>'
    for match in re.finditer(pattern, page, re.S):
        if match.group(1):
            current = names.get(match.group(1), match.group(1))
        elif current is not None:
            found.setdefault(current, []).append(html.unescape(match.group(2)).strip())
    return found


def _lines(output: str, prefix: str, names: dict[str, str]) -> dict[str, list[str]]:
    """``people[0].name: message`` (or ``--name: message``) lines, by field."""
    found: dict[str, list[str]] = {}
    for line in output.splitlines():
        place, _, message = line.partition(": ")
        if place.startswith(prefix):
            name = place.removeprefix(prefix)
            found.setdefault(names.get(name, name), []).append(message)
    return found


def person_form(ctx, values):
    _sign_in(ctx.client, "admin@example.org")
    ctx.snapshot()
    response = ctx.client.post(
        "/records/people/new",
        data={
            "name": values["name"],
            "email": values["email"],
            "role": values["role"],
            "job_level": values.get("job_level") or "",
        },
    )
    return _form_errors(response.get_data(as_text=True), {})


def person_cli(ctx, values):
    ctx.snapshot()
    args = ["create-user", values["email"], "--name", values["name"], "--role", values["role"]]
    if values.get("job_level"):
        args += ["--job-level", values["job_level"]]
    result = ctx.runner.invoke(args=[*args, "--password-stdin"], input="a-long-passphrase-here\n")
    assert result.exit_code == 2, result.output
    options = {"-name": "name", "-job-level": "job_level", "-role": "role"}
    return _lines(result.output.removeprefix("Error: "), "-", options)


def person_csv(ctx, values):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "role", "job_level"])
    writer.writerow([values["email"], values["name"], values["role"], values.get("job_level")])
    with ctx.app.app_context():
        admin = db.session.scalar(select(Person).where(Person.email == "admin@example.org"))
        ctx.snapshot()
        with pytest.raises(Refused) as refused:
            commit_import("people", out.getvalue(), admin)
        db.session.rollback()
    return {p.field: [p.message] for p in refused.value.problems}


def practice_file(ctx, values):
    if "practice" in values:
        data, prefix = {"practice": {"name": values["practice"]}}, "practice."
    else:
        data, prefix = {"people": [values]}, "people[0]."
    path = ctx.tmp_path / "practice.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    ctx.snapshot()
    result = ctx.runner.invoke(args=["import-practice", str(path)])
    assert result.exit_code == 1, result.output
    return _lines(result.output, prefix, {})


DELEGATION_FORM_FIELDS = {
    "assistant_id": "assistant",
    "delegated_by_id": "delegated_by",
    "task_code": "task",
    "site_code": "site",
}


def delegation_form(ctx, values, actor):
    ids = _ids(ctx.app)
    _sign_in(ctx.client, actor)
    ctx.snapshot()
    response = ctx.client.post(
        "/delegations/new",
        data={
            "assistant_id": ids[values["assistant"]],
            "task_code": values["task"],
            "site_code": values["site"],
            "scheduled_for": "2026-11-23T10:00",
            "delegated_by_id": ids[values["delegated_by"]],
            "notes": "",
        },
    )
    assert response.status_code == 400
    return _form_errors(response.get_data(as_text=True), DELEGATION_FORM_FIELDS)


def delegation_api(ctx, values, actor):
    from tracker.api.tokens import create_token
    from tracker.audit.services import CLI

    with ctx.app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == actor))
        token, _ = create_token(person, "writer", ("write",), None, CLI)
        db.session.commit()
    ctx.snapshot()
    response = ctx.client.post(
        "/api/v1/delegations",
        json={**values, "scheduled_for": "2026-11-23T10:00:00-08:00"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.get_json()
    found: dict[str, list[str]] = {}
    for error in response.get_json()["errors"]:
        found.setdefault(error["field"], []).append(error["message"])
    return found


WRITERS = {
    ("person", "page form"): person_form,
    ("person", "command line"): person_cli,
    ("person", "CSV import"): person_csv,
    ("person", "practice file"): practice_file,
    ("delegation", "page form"): delegation_form,
    ("delegation", "API"): delegation_api,
}


# --------------------------------------------------------------------------- the test


class Context:
    def __init__(self, app, client, runner, tmp_path):
        self.app, self.client, self.runner, self.tmp_path = app, client, runner, tmp_path
        self.before = None

    def counts(self) -> dict[str, int]:
        """Rows in every table (the audit trail among them)."""
        with self.app.app_context():
            return {
                table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables
            }

    def snapshot(self) -> None:
        """Taken by a writer once signed in, just before it writes."""
        self.before = self.counts()


@pytest.fixture
def clinic(app, practice, make_person):
    """The sample practice, everyone signing in with PASSWORD, and the people the table
    names: an admin, a deactivated assistant and provider, a second provider."""
    with app.app_context():
        for person in db.session.scalars(select(Person)):
            person.set_password(PASSWORD)
        db.session.commit()
    make_person("admin@example.org", Role.admin, sites=["main"])
    make_person("gone.ma@example.org", Role.assistant, sites=["main"], job_level="CMA",
                active=False)  # fmt: skip
    make_person("dr.gone@example.org", Role.provider, sites=["main"], active=False)
    make_person("dr.two@example.org", Role.provider, sites=["main"])


CASES = [
    pytest.param(refusal, writer, id=f"{refusal.name} / {writer}")
    for refusal in REFUSALS
    for writer in refusal.writers
]


@pytest.mark.usefixtures("clinic", "sample_clock")
@pytest.mark.parametrize(("refusal", "writer"), CASES)
def test_every_writer_refuses_in_the_same_words_and_writes_nothing(
    app, client, runner, tmp_path, refusal, writer
):
    ctx = Context(app, client, runner, tmp_path)
    kind = "delegation" if "assistant" in refusal.values else "person"
    write = WRITERS[(kind, writer)]

    if kind == "delegation":
        found = write(ctx, refusal.values, refusal.actor)
    else:
        found = write(ctx, refusal.values)

    assert refusal.field in found, found
    assert any(refusal.says in message for message in found[refusal.field]), found
    assert ctx.counts() == ctx.before


@pytest.mark.usefixtures("clinic")
def test_the_delegation_verb_itself_refuses_whoever_calls_it(app):
    """No writer's own check stands between a caller and the rule: the verb says no."""
    from datetime import UTC, datetime

    from tracker.catalog.models import Task
    from tracker.delegations.models import Delegation
    from tracker.delegations.services import record_delegation
    from tracker.sites.models import Site

    with app.app_context():
        people = {p.email: p for p in db.session.scalars(select(Person))}
        with pytest.raises(Refused) as refused:
            record_delegation(
                assistant=people["gone.ma@example.org"],
                task=db.session.scalar(select(Task).where(Task.code == "diagnosis")),
                site=db.session.scalar(select(Site).where(Site.code == "main")),
                scheduled_for=datetime(2026, 11, 23, 18, tzinfo=UTC),
                delegated_by=people["dr.gone@example.org"],
                entered_by=people["manager@example.org"],
            )
        assert set(refused.value.by_field) == {"assistant", "delegated_by", "task"}
        assert db.session.scalar(select(func.count(Delegation.id))) == 0
