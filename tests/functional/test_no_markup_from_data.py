"""Markup is never built from data (security finding 2): a stored script stays text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from wtforms import Form, StringField

from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.extensions import db
from tracker.policy.models import Policy
from tracker.staff.models import Person
from tracker.widgets import install_escaped_descriptions

PAYLOAD = '"><img src=x onerror=alert(1)>'
ESCAPED = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
PROJECT = Path(__file__).resolve().parents[2]


def _poison_the_policy(app) -> int:
    with app.app_context():
        policy = db.session.scalars(select(Policy)).one()
        policy.document = PAYLOAD
        db.session.commit()
        return db.session.scalar(select(Person.id).where(Person.email == "ana@example.org"))


def test_a_policy_document_with_markup_is_text_on_the_competency_form(app, client, login_as):
    login_as("manager@example.org")
    ana = _poison_the_policy(app)

    page = client.get(f"/competencies/new?person_id={ana}&task=injection").get_data(as_text=True)

    assert "<img src=x" not in page
    assert ESCAPED in page


def test_a_policy_document_with_markup_is_text_on_the_correction_form(app, client, login_as):
    login_as("manager@example.org")
    _poison_the_policy(app)
    with app.app_context():
        comp_id = db.session.scalars(select(Competency.id)).one()

    page = client.get(f"/competencies/{comp_id}/edit").get_data(as_text=True)

    assert "<img src=x" not in page
    assert ESCAPED in page


def test_a_task_name_with_markup_is_text_in_every_task_list(app, client, login_as):
    login_as("manager@example.org")
    with app.app_context():
        task = db.session.scalar(select(Task).where(Task.code == "spirometry"))
        task.name = "<script>alert(1)</script>"
        db.session.commit()

    for url in ("/may-i", "/competencies/new", "/records/tasks"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page, url


def test_a_description_set_after_construction_is_escaped():
    install_escaped_descriptions()

    class Plain(Form):
        name = StringField("Name", description="Help & <b>hint</b>")

    form = Plain()
    form.name.description = PAYLOAD

    assert str(form.name.description) == ESCAPED
    assert str(Plain().name.description) == "Help &amp; &lt;b&gt;hint&lt;/b&gt;"
    form.name.description = ""
    assert str(form.name.description) == ""


SOURCES = [p for p in (PROJECT / "tracker").rglob("*.py")] + list(
    (PROJECT / "templates").rglob("*.html")
)


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        (r"\|\s*safe\b", {"tracker/widgets.py"}),
        (r"autoescape\s+false", set()),
        (r"\bMarkup\(", {"tracker/widgets.py"}),
        (r"""f["'][^"']*<[a-zA-Z/]""", set()),
    ],
    ids=["safe-filter", "autoescape-off", "markup", "f-string-html"],
)
def test_no_source_builds_markup_from_data(pattern, allowed):
    """Escaping stays the only path: a new |safe, Markup or HTML f-string fails here."""
    found = []
    for path in SOURCES:
        relative = str(path.relative_to(PROJECT))
        if relative in allowed:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(pattern, line) and not line.lstrip().startswith("#"):
                found.append(f"{relative}:{number}: {line.strip()}")
    # A repr such as f"<Task {self.code}>" is not HTML.
    found = [f for f in found if "__repr__" not in f and not re.search(r'f"<[A-Z]\w+ \{', f)]
    assert found == []
