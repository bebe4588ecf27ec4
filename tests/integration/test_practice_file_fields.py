"""One declaration per record: a practice-file section's fields are what its reader accepts
and what its exporter writes, in order; each names a column (or relationship) of its record;
and the audit's labels come from the columns' own declarations."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import inspect, select

from tests.document_samples import CHECKLIST_PDF
from tracker.audit.history import changes_of, field_label
from tracker.audit.services import CLI
from tracker.competencies.models import Competency
from tracker.demo import build_demo_file
from tracker.documents.services import attach_document, withdraw_document
from tracker.extensions import db
from tracker.practice_file.exporter import export_practice
from tracker.practice_file.importer import import_practice, read_practice_file
from tracker.practice_file.sections import SECTIONS

#: Fields that no column holds: made from others when the record is written out.
MADE_FROM_OTHERS = {
    ("documents", "file"),  # the stored file's name: its SHA-256 and type
    ("acknowledgments", "version"),  # the acknowledged protocol's version
}

DEMO_DAY = date(2026, 6, 1)


def _holds(model, name: str) -> bool:
    """The record keeps the field: as a column, a reference ``<name>_id``, or a relationship."""
    mapper = inspect(model)
    return name in mapper.columns or f"{name}_id" in mapper.columns or name in mapper.relationships


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.name)
def test_each_field_is_kept_by_its_record_and_the_key_is_made_of_fields(section):
    names = section.field_names
    assert len(set(names)) == len(names), f"{section.name} names a field twice"
    assert set(section.key) <= set(names), f"{section.name}'s key names an undeclared field"
    loose = [
        name
        for name in names
        if (section.name, name) not in MADE_FROM_OTHERS and not _holds(section.model, name)
    ]
    assert loose == [], f"{section.name}: no column or relationship of {section.model.__name__}"


@pytest.fixture
def everything(app):
    """The demo practice (every section but documents) and two documents, one withdrawn."""
    with app.app_context(), time_machine.travel(f"{DEMO_DAY}T20:00:00Z", tick=False):
        import_practice(build_demo_file(DEMO_DAY), actor=CLI)
        competency, other = db.session.scalars(select(Competency).limit(2)).all()
        attach_document("competency", competency.id, title="Skills checklist",
                        filename="checklist.pdf", data=CHECKLIST_PDF, actor=CLI)  # fmt: skip
        withdrawn = attach_document("competency", other.id, title="Old checklist",
                                    filename="old.pdf", data=CHECKLIST_PDF + b"\n",
                                    actor=CLI)  # fmt: skip
        withdraw_document(withdrawn, actor=CLI)
        db.session.commit()
        yield export_practice()


def test_the_exporter_writes_the_fields_the_reader_accepts_in_their_order(app, everything):
    exported = everything
    for section in SECTIONS:
        entries = exported[section.name]
        assert entries, f"the sample has no {section.name}"
        for entry in entries:
            written = list(entry)
            # in the declared order; a task leaves out a description or direction it lacks
            assert written == [name for name in section.field_names if name in entry]
            if section.name != "tasks":
                assert written == list(section.field_names)

    with app.app_context():
        read, warnings = read_practice_file(exported)

    assert warnings == []  # no field the exporter writes is unknown to the reader
    for section in SECTIONS:
        for (_, values), entry in zip(read[section.name], exported[section.name], strict=True):
            assert set(entry) <= set(values)


def test_a_name_carries_one_label_wherever_it_is_a_column(app):
    labels = defaultdict(set)
    for table in db.metadata.tables.values():
        for column in table.columns:
            if "label" in column.info:
                labels[column.name].add(column.info["label"])
    assert labels, "no column declares a label"
    assert {name: found for name, found in labels.items() if len(found) > 1} == {}
    for name, (label,) in labels.items():
        assert field_label(name) == label


@pytest.mark.parametrize(
    ("column", "label"),
    [
        ("can_validate", "Approved observer"),  # people
        ("prior_employer", "From a prior employer"),  # competencies
        ("requires_credentials", "Credentials required"),  # state rules and policies
        ("competency_valid_months", "Competency valid for (months)"),  # policies
        ("changed", "Standing changed on this re-check"),  # a delegation's re-check
        ("validated_by_id", "Validated by"),  # no label declared: the name read out
        ("person_id", "Person"),
    ],
)
def test_a_history_panel_shows_the_columns_label(app, column, label):
    event = SimpleNamespace(before={column: False}, after={column: True})
    with app.test_request_context():
        (change,) = changes_of(event, tz="UTC")
    assert change.field == label
