"""What keeps a delegation from being recorded: every problem under its field, at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tracker.catalog.models import Task
from tracker.delegations.services import NOTES_MAX_LENGTH, delegation_problems
from tracker.errors import Refused
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import Person
from tracker.validation import DATE_MESSAGE, TEXT_MESSAGE

NO_ZONE = "Give the date and time, with the site's time zone."


@pytest.fixture
def ctx(app, practice):
    with app.app_context():
        yield
        db.session.rollback()


def person(email: str) -> Person:
    return db.session.scalar(select(Person).where(Person.email == email))


def by_field(**given) -> dict:
    return Refused(delegation_problems(**given).items).by_field


def test_a_delegation_naming_nothing_says_what_to_choose_under_each_field(ctx):
    assert by_field(
        assistant=None,
        task=None,
        site=None,
        scheduled_for=None,
        delegated_by=None,
        entered_by=person("ana@example.org"),
        notes="x" * (NOTES_MAX_LENGTH + 1),
    ) == {
        None: ["Only a provider, a manager or an admin records a delegation."],
        "assistant": ["Choose the medical assistant the task is delegated to."],
        "delegated_by": ["Name the provider who delegates the task."],
        "task": ["Choose a task from the catalog."],
        "site": ["Choose one of the practice's sites."],
        "scheduled_for": [NO_ZONE],
        "notes": [
            f"The notes are {NOTES_MAX_LENGTH + 1} characters long; at most "
            f"{NOTES_MAX_LENGTH} are allowed."
        ],
    }


@pytest.mark.parametrize(
    ("scheduled_for", "notes", "expected"),
    [
        (datetime(2026, 3, 2, 9, 0), "", {"scheduled_for": [NO_ZONE]}),
        (datetime(9999, 12, 31, 23, 0, tzinfo=UTC), "", {"scheduled_for": [DATE_MESSAGE]}),
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "room 3\x00", {"notes": [TEXT_MESSAGE]}),
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "room 3\nflu shot", {}),
    ],
)  # fmt: skip
def test_the_time_needs_its_zone_and_the_notes_plain_text(ctx, scheduled_for, notes, expected):
    given = {
        "assistant": person("ana@example.org"),
        "task": db.session.scalar(select(Task).where(Task.code == "injection")),
        "site": db.session.scalar(select(Site).where(Site.code == "main")),
        "delegated_by": person("dr.lee@example.org"),
        "entered_by": person("manager@example.org"),
    }
    assert by_field(**given, scheduled_for=scheduled_for, notes=notes) == expected
