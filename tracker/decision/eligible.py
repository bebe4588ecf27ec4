"""Who may do this? For a task, a site and a moment: every active assistant who works at
the site, decided through the same rule as everything else, from one bulk load of facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from tracker.decision.facts import load_facts
from tracker.decision.matrix import assistants_at, collection_paused
from tracker.extensions import db
from tracker.rule.rules import reserved_reason
from tracker.rule.values import Decision, DecisionStatus, PersonFacts, SiteFacts, TaskFacts
from tracker.sites.models import Site
from tracker.staff.models import Person, person_sites
from tracker.vocabulary import Role, TaskKind


@dataclass(frozen=True)
class Candidate:
    assistant: PersonFacts
    decision: Decision

    @property
    def unmet(self):
        return self.decision.unmet


@dataclass
class Eligibility:
    task: TaskFacts
    site: SiteFacts
    at: datetime
    #: For a reserved task: why it is never an assistant's (and nobody is listed).
    reserved: str | None = None
    clear: list[Candidate] = field(default_factory=list)
    #: Fewest unmet conditions first.
    flagged: list[Candidate] = field(default_factory=list)


def eligible(task_code: str, site_code: str, at: datetime) -> Eligibility:
    """Clear assistants first (by name), then flagged ones by how many conditions are unmet.

    Raises LookupError naming ``task`` or ``site`` when either is unknown.
    """
    site_id = db.session.scalar(select(Site.id).where(Site.code == site_code))
    if site_id is None:
        raise LookupError("site")
    assistant_ids = list(
        db.session.scalars(
            select(person_sites.c.person_id)
            .join(Person, Person.id == person_sites.c.person_id)
            .where(person_sites.c.site_id == site_id, Person.active, Person.role == Role.assistant)
        )
    )
    with collection_paused():
        book = load_facts(
            assistant_ids=assistant_ids,
            site_ids=[site_id],
            shifts_from=at,
            shifts_to=at,
            task_codes=[task_code],
        )
        task = book.tasks.get(task_code)
        if task is None:
            raise LookupError("task")
        result = Eligibility(task, book.sites[site_code], at)
        if task.kind == TaskKind.reserved:
            result.reserved = reserved_reason(task)
            return result
        for person in assistants_at(book, site_code):
            decision = book.decide(person, task_code, site_code, at)
            target = result.clear if decision.status == DecisionStatus.clear else result.flagged
            target.append(Candidate(person, decision))
    result.flagged.sort(key=lambda c: len(c.unmet))  # stable: by name within a count
    return result
