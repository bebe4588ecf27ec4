"""Exporting the practice file: every stored record as an entry, in a stable order.

A fixed number of queries whatever the size of the practice: one per section, and the
references (sites, people with their sites, tasks) once.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.catalog.models import Task
from tracker.extensions import db
from tracker.practice_file.sections import SECTIONS, Refs, _key
from tracker.protocols.models import Protocol, ProtocolAcknowledgment
from tracker.sites.models import Practice
from tracker.staff.models import Person

#: What each section's records are loaded with, so that no entry needs a query of its own.
LOAD = {
    "people": (selectinload(Person.sites),),
    "protocols": (selectinload(Protocol.tasks), selectinload(Protocol.sites)),
    "acknowledgments": (selectinload(ProtocolAcknowledgment.protocol),),
}


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _sort_key(key: tuple) -> tuple:
    return tuple((v is not None, str(v) if v is not None else "") for v in key)


def export_practice() -> dict:
    """The practice file of what is stored, in a stable order."""
    refs = Refs()
    refs.index()
    out: dict[str, Any] = {}
    practice = db.session.scalar(select(Practice).limit(1))
    if practice is not None:
        out["practice"] = {"name": practice.name}
    for section in SECTIONS:
        query = select(section.model).options(*LOAD.get(section.name, ()))
        if section.model is Task:
            query = query.where(Task.builtin.is_(False))
        items = []
        for obj in db.session.scalars(query):
            entry = section.to_entry(obj, refs)
            items.append((_sort_key(_key(section, entry)), entry))
        items.sort(key=lambda pair: pair[0])
        out[section.name] = [{k: _json_value(v) for k, v in entry.items()} for _, entry in items]
    return out


def export_document_files(practice_file: dict, folder) -> list[str]:
    """Copy each document the practice file names into ``folder`` (once per file), under
    the name its entry gives; the problems (a stored file missing or changed), one a line."""
    from tracker.documents import storage

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    copied = set()
    for index, entry in enumerate(practice_file.get("documents", [])):
        if entry["file"] in copied:
            continue
        problem = storage.file_problem(entry["sha256"])
        if problem:
            problems.append(f"documents[{index}] ({entry['title']!r}): {problem}")
            continue
        target = folder / entry["file"]
        if not (target.is_file() and storage.hash_of_file(target) == entry["sha256"]):
            shutil.copyfile(storage.path_for(entry["sha256"]), target)
        copied.add(entry["file"])
    return problems
