"""The compliance matrix: every assistant at a site × every task, decided in bulk.

The facts are loaded once (a fixed number of queries, whatever the number of assistants)
and every cell goes through the same pure rule as a single check.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tracker.decision.facts import FactBook, load_facts
from tracker.extensions import db
from tracker.rule.values import Decision, PersonFacts, SiteFacts, TaskFacts
from tracker.sites.models import Site
from tracker.vocabulary import KIND_ORDER


@dataclass
class Matrix:
    site: SiteFacts
    at: datetime
    assistants: list[PersonFacts]
    tasks: list[TaskFacts]
    #: (assistant email, task code) -> decision
    cells: dict[tuple[str, str], Decision]

    def cell(self, assistant: PersonFacts, task: TaskFacts) -> Decision:
        return self.cells[(assistant.email, task.code)]

    def counts(self) -> dict[str, int]:
        out = {"clear": 0, "flagged": 0, "prohibited": 0}
        for decision in self.cells.values():
            out[decision.status] += 1
        return out


@contextmanager
def collection_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while a matrix is loaded and decided.

    A matrix allocates hundreds of thousands of small acyclic values (facts, decisions,
    conditions); each automatic collection meanwhile re-scans everything already built, which
    cost as much as the decisions themselves (measured with bench/decisions.py). Nothing is
    lost: the collector runs again as usual afterwards.

    Nor are they scanned when it does: re-enabled, its next young collection would go over
    every one of them at once (a quarter of the matrix's time at 10,000 assistants).
    Freezing and unfreezing first moves them to the oldest generation unscanned, where a
    full collection, at its usual pace, still finds any cycle among them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def assistants_at(book: FactBook, site_code: str) -> list[PersonFacts]:
    return sorted(
        (
            p
            for p in book.people.values()
            if p.role == "assistant" and p.active and site_code in p.site_codes
        ),
        key=lambda p: (p.name.lower(), p.email),
    )


def matrix_from_book(
    book: FactBook, site_code: str, at: datetime, task_codes: list[str] | None = None
) -> Matrix:
    tasks = sorted(
        (t for t in book.tasks.values() if task_codes is None or t.code in task_codes),
        key=lambda t: (KIND_ORDER[t.kind], t.name.lower()),
    )
    assistants = assistants_at(book, site_code)
    cells = book.decide_all(assistants, [task.code for task in tasks], site_code, at)
    return Matrix(book.sites[site_code], at, assistants, tasks, cells)


def build_matrix(site_code: str, at: datetime, task_codes: list[str] | None = None) -> Matrix:
    """Decide every assistant at the site × every task (or the given tasks) at a moment."""
    site_id = db.session.scalar(select(Site.id).where(Site.code == site_code))
    if site_id is None:
        raise LookupError(f"no site with code {site_code}")
    with collection_paused():
        book = load_facts(site_ids=[site_id], shifts_from=at, shifts_to=at)
        return matrix_from_book(book, site_code, at, task_codes)
