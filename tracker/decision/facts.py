"""Load the facts the decision rests on, for one decision or a whole practice.

Every load runs the same fixed set of queries (one per kind of record) whatever the number
of assistants, then ``FactBook.decide`` hands plain values to the pure rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from sqlalchemy import select, union

from tracker.catalog.builtin import reserved_lookalike
from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.decision.cache import Snapshot
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.protocols.models import (
    Direction,
    Protocol,
    ProtocolAcknowledgment,
    protocol_sites,
    protocol_tasks,
)
from tracker.rule.rules import decide, decide_many
from tracker.rule.values import (
    CompetencyFacts,
    CredentialFacts,
    Decision,
    DirectionFacts,
    LicenseFacts,
    PersonFacts,
    PolicyFacts,
    ProtocolFacts,
    ShiftFacts,
    SiteFacts,
    StateRuleFacts,
    SupervisionFacts,
    TaskFacts,
)
from tracker.sites.models import Site
from tracker.staff.models import Credential, License, Person, person_sites
from tracker.supervision.models import Shift, SupervisionAssignment
from tracker.vocabulary import ProtocolState, TaskKind


def _rows(stmt):
    return db.session.execute(stmt).mappings().all()


class FactBook:
    """Everything needed to decide for a set of assistants, keyed for quick lookup."""

    def __init__(self):
        self.sites: dict[str, SiteFacts] = {}
        self.site_codes_by_id: dict[int, str] = {}
        self.tasks: dict[str, TaskFacts] = {}
        self.people: dict[str, PersonFacts] = {}
        self.people_by_id: dict[int, PersonFacts] = {}
        self.rules: dict[tuple[str, str], StateRuleFacts] = {}
        self.policies_by_task: dict[str, list[PolicyFacts]] = defaultdict(list)
        self.competencies: dict[tuple[int, str], list[CompetencyFacts]] = defaultdict(list)
        self.supervision: dict[tuple[int, str], list[SupervisionFacts]] = defaultdict(list)
        self.shifts_by_site: dict[str, list[ShiftFacts]] = defaultdict(list)
        # DESIGN section 15: protocols by task covered, the (code, version) pairs each
        # assistant acknowledged, directions by (assistant id, task, site).
        self.protocols_by_task: dict[str, list[ProtocolFacts]] = defaultdict(list)
        self.acknowledged: dict[int, frozenset[tuple[str, int]]] = {}
        self.directions: dict[tuple[int, str, str], list[DirectionFacts]] = defaultdict(list)

    def freeze(self) -> FactBook:
        """Make every mapping read-only and every list a tuple (for a book that is kept
        and shared between requests); returns the book."""
        for name, value in vars(self).items():
            if isinstance(value, defaultdict):
                value = {key: tuple(items) for key, items in value.items()}
            setattr(self, name, MappingProxyType(dict(value)))
        return self

    def decide(
        self,
        assistant: str | PersonFacts,
        task: str,
        site: str,
        at: datetime,
        delegated_by: str | PersonFacts | None = None,
        in_room: bool = False,
    ) -> Decision:
        person = self.people[assistant] if isinstance(assistant, str) else assistant
        delegator = self.people[delegated_by] if isinstance(delegated_by, str) else delegated_by
        site_facts = self.sites[site]
        return decide(
            person,
            self.tasks[task],
            site_facts,
            at,
            delegator,
            in_room,
            state_rule=self.rules.get((site_facts.state, task)),
            policies=self.policies_by_task.get(task, ()),
            competencies=self.competencies.get((person.id, task), ()),
            supervision=self.supervision.get((person.id, site), ()),
            shifts=self.shifts_by_site.get(site, ()),
            protocols=self.protocols_by_task.get(task, ()),
            acknowledged=self.acknowledged.get(person.id, frozenset()),
            directions=self.directions.get((person.id, task, site), ()),
        )

    def decide_all(
        self, assistants: list[PersonFacts], task_codes: list[str], site: str, at: datetime
    ) -> dict[tuple[str, str], Decision]:
        """Every assistant × task at the site and moment, as ``decide`` would make each
        one, with what the cells share worked out once (``rules.decide_many``)."""
        site_facts = self.sites[site]
        competencies, supervision = self.competencies, self.supervision
        return decide_many(
            assistants,
            [self.tasks[code] for code in task_codes],
            site_facts,
            at,
            state_rules={
                code: rule
                for code in task_codes
                if (rule := self.rules.get((site_facts.state, code))) is not None
            },
            policies=self.policies_by_task,
            competencies=lambda person, task: competencies.get((person.id, task), ()),
            supervision=lambda person: supervision.get((person.id, site), ()),
            shifts=self.shifts_by_site.get(site, ()),
            protocols=self.protocols_by_task,
            acknowledged=lambda person: self.acknowledged.get(person.id, frozenset()),
            directions=lambda person, task: self.directions.get((person.id, task, site), ()),
        )


def load_facts(
    *,
    assistant_ids: list[int] | None = None,
    site_ids: list[int] | None = None,
    shifts_from: datetime | None = None,
    shifts_to: datetime | None = None,
    involved_only: bool = False,
    also_person_ids: Iterable[int] = (),
    task_codes: Iterable[str] | None = None,
) -> FactBook:
    """Load a FactBook in a fixed number of queries.

    Rows come in id order, so the record a condition cites (the first current credential,
    competency or shift) is the same every time, on every database: a decision re-run
    "as of" its moment gives the same answer.

    ``assistant_ids`` limits competencies and supervision to those assistants; ``site_ids``
    limits supervision and shifts to those sites; shifts are those overlapping
    [shifts_from, shifts_to] when given.

    ``involved_only`` (with ``assistant_ids``) loads only the people these facts can name,
    not every person in the practice: those assistants, the validators of their
    competencies, the providers of their supervision and of the shifts loaded, and
    ``also_person_ids`` (a delegator). One query finds them; a single decision then reads a
    handful of people, however many the practice has.

    ``task_codes`` limits competencies to those tasks (the finder and a batch ask about a
    few tasks; the book then decides only those).
    """
    sup_filters = _supervision_filters(assistant_ids, site_ids)
    shift_filters = _shift_filters(site_ids, shifts_from, shifts_to)
    direction_filters = _direction_filters(assistant_ids, site_ids, shifts_from, shifts_to)
    involved = None
    if involved_only and assistant_ids is not None:
        involved = _involved_people(
            assistant_ids, also_person_ids, sup_filters, shift_filters, direction_filters
        )
    book = FactBook()
    _load_sites(book)
    task_codes_by_id = _load_tasks(book)
    _load_people(book, involved)
    _load_state_rules(book, task_codes_by_id)
    _load_policies(book, task_codes_by_id)
    _load_competencies(book, task_codes_by_id, assistant_ids, task_codes)
    _load_supervision(book, sup_filters)
    _load_shifts(book, shift_filters)
    _load_protocols(book, task_codes_by_id)
    _load_acknowledgments(book, assistant_ids)
    _load_directions(book, task_codes_by_id, direction_filters)
    return book


def _utc_day_start(at: datetime) -> datetime:
    """Midnight UTC of the day ``at`` falls on: shifts are loaded by whole UTC days."""
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def load_for_decision(
    assistant: Person,
    site: Site,
    at: datetime,
    delegated_by: Person | None = None,
    snapshot: Snapshot | None = None,
) -> FactBook:
    """The facts for one decision: one assistant, one site, the shifts of that UTC day.

    Only the people involved are loaded; pass the delegator, so the book knows them too.
    The day's shifts are all there; the rule keeps those covering the moment.

    With a ``snapshot`` (the self-check page) the book is kept, read-only, while the fact
    stamp is unchanged: the same assistant asking about another task, or another time that
    day, reads nothing more. Without one (delegations, the CLI, re-runs) it is read afresh.
    """
    day_start = _utc_day_start(at)
    delegator_id = delegated_by.id if delegated_by is not None else None

    def load() -> FactBook:
        return load_facts(
            assistant_ids=[assistant.id],
            site_ids=[site.id],
            shifts_from=day_start,
            shifts_to=day_start + timedelta(days=1),
            involved_only=True,
            also_person_ids=[delegator_id] if delegator_id is not None else [],
        )

    if snapshot is None:
        return load()
    key = ("decision", assistant.id, site.id, delegator_id, day_start)
    return snapshot.get(key, lambda: load().freeze())


def load_for_checks(
    checks: list[tuple[Person, Task, Site, datetime, Person | None]],
    snapshot: Snapshot | None = None,
) -> FactBook:
    """The facts for many decisions at once (the API's batch): one load for them all.

    ``checks``: (assistant, task, site, moment, delegator) of each decision; records, or
    rows with their ``id`` (and a task's ``code``). Only the
    people, sites and tasks named are loaded, with the shifts of every UTC day the moments
    fall on. With a ``snapshot`` the book is kept, read-only, while the fact stamp is
    unchanged, as for a single decision: a scheduler asking the same questions again (its
    next refresh) reads nothing more.
    """
    days = [_utc_day_start(at) for at in {at for _, _, _, at, _ in checks}]
    assistant_ids = tuple(sorted({assistant.id for assistant, *_ in checks}))
    site_ids = tuple(sorted({site.id for _, _, site, _, _ in checks}))
    delegator_ids = tuple(sorted({d.id for *_, d in checks if d is not None}))
    task_codes = frozenset(task.code for _, task, _, _, _ in checks)
    first, last = min(days), max(days) + timedelta(days=1)

    def load() -> FactBook:
        return load_facts(
            assistant_ids=list(assistant_ids),
            site_ids=list(site_ids),
            shifts_from=first,
            shifts_to=last,
            involved_only=True,
            also_person_ids=list(delegator_ids),
            task_codes=set(task_codes),
        )

    if snapshot is None:
        return load()
    key = ("checks", assistant_ids, site_ids, delegator_ids, task_codes, first, last)
    return snapshot.get(key, lambda: load().freeze())


# --------------------------------------------------------------------------- one loader per table


def _shift_filters(site_ids, shifts_from, shifts_to) -> list:
    filters = []
    if site_ids is not None:
        filters.append(Shift.site_id.in_(site_ids))
    if shifts_to is not None:
        filters.append(Shift.starts_at <= shifts_to)
    if shifts_from is not None:
        filters.append(Shift.ends_at > shifts_from)
    return filters


def _supervision_filters(assistant_ids, site_ids) -> list:
    filters = []
    if assistant_ids is not None:
        filters.append(SupervisionAssignment.assistant_id.in_(assistant_ids))
    if site_ids is not None:
        filters.append(SupervisionAssignment.site_id.in_(site_ids))
    return filters


def _direction_filters(assistant_ids, site_ids, moments_from, moments_to) -> list:
    """Directions of those assistants at those sites whose window meets [from, to]."""
    filters = []
    if assistant_ids is not None:
        filters.append(Direction.assistant_id.in_(assistant_ids))
    if site_ids is not None:
        filters.append(Direction.site_id.in_(site_ids))
    if moments_to is not None:
        filters.append(Direction.given_at <= moments_to)
    if moments_from is not None:
        filters.append(Direction.valid_until > moments_from)
    return filters


def _involved_people(
    assistant_ids, also_person_ids, sup_filters, shift_filters, direction_filters=()
) -> list[int]:
    """The assistants, the validators of their competencies, the providers of their
    supervision, of the shifts, of their directions and the approvers of protocols, and
    ``also_person_ids``: in one query."""
    named = union(
        select(Competency.validated_by_id).where(
            Competency.person_id.in_(assistant_ids), Competency.validated_by_id.is_not(None)
        ),
        select(SupervisionAssignment.provider_id).where(*sup_filters),
        select(Shift.provider_id).where(*shift_filters),
        select(Direction.provider_id).where(*direction_filters),
        select(Protocol.approved_by_id).where(Protocol.approved_by_id.is_not(None)),
    )
    return sorted(
        {*assistant_ids, *also_person_ids, *db.session.scalars(select(named.subquery().c[0]))}
    )


def _load_sites(book: FactBook) -> None:
    for row in _rows(select(Site.__table__).order_by(Site.id)):
        facts = SiteFacts(row["code"], row["name"], row["state"], row["timezone"])
        book.sites[facts.code] = facts
        book.site_codes_by_id[row["id"]] = facts.code


def _load_tasks(book: FactBook) -> dict[int, str]:
    """The tasks into the book; returns their codes by id."""
    codes_by_id: dict[int, str] = {}
    for row in _rows(select(Task.__table__).order_by(Task.id)):
        kind = row["kind"]
        if not row["builtin"] and reserved_lookalike(row["code"], row["name"]):
            # Stored before such tasks were refused: it is decided as what it passes for.
            kind = TaskKind.reserved
        book.tasks[row["code"]] = TaskFacts(row["code"], row["name"], kind, row["needs_direction"])
        codes_by_id[row["id"]] = row["code"]
    return codes_by_id


def _of_people(stmt, person_id, involved: list[int] | None):
    return stmt if involved is None else stmt.where(person_id.in_(involved))


def _site_codes_by_person(book: FactBook, involved: list[int] | None) -> dict[int, set[str]]:
    sites_of: dict[int, set[str]] = defaultdict(set)
    for row in _rows(_of_people(select(person_sites), person_sites.c.person_id, involved)):
        sites_of[row["person_id"]].add(book.site_codes_by_id[row["site_id"]])
    return sites_of


def _licenses_by_person(involved: list[int] | None) -> dict[int, list[LicenseFacts]]:
    licenses: dict[int, list[LicenseFacts]] = defaultdict(list)
    stmt = select(License.__table__).order_by(License.id)
    for row in _rows(_of_people(stmt, License.person_id, involved)):
        licenses[row["person_id"]].append(
            LicenseFacts(row["type"], row["number"], row["state"], row["expires_on"], row["id"])
        )
    return licenses


def _credentials_by_person(involved: list[int] | None) -> dict[int, list[CredentialFacts]]:
    credentials: dict[int, list[CredentialFacts]] = defaultdict(list)
    stmt = select(Credential.__table__).order_by(Credential.id)
    for row in _rows(_of_people(stmt, Credential.person_id, involved)):
        credentials[row["person_id"]].append(
            CredentialFacts(
                row["type"],
                row["number"],
                row["issued_on"],
                row["expires_on"],
                row["verified_on"],
                row["issuer"],
                row["id"],
            )
        )
    return credentials


def _load_people(book: FactBook, involved: list[int] | None) -> None:
    """The people, each with their sites, licenses and credentials (one query per table)."""
    sites_of = _site_codes_by_person(book, involved)
    licenses = _licenses_by_person(involved)
    credentials = _credentials_by_person(involved)
    people = Person.__table__
    stmt = select(
        people.c.id,
        people.c.email,
        people.c.name,
        people.c.role,
        people.c.active,
        people.c.deactivated_on,
        people.c.job_level,
        people.c.can_validate,
    ).order_by(people.c.id)
    for row in _rows(_of_people(stmt, people.c.id, involved)):
        facts = PersonFacts(
            email=row["email"],
            name=row["name"],
            role=row["role"].value,
            active=row["active"],
            job_level=row["job_level"],
            site_codes=frozenset(sites_of.get(row["id"], ())),
            can_validate=row["can_validate"],
            licenses=tuple(licenses.get(row["id"], ())),
            credentials=tuple(credentials.get(row["id"], ())),
            id=row["id"],
            deactivated_on=row["deactivated_on"],
        )
        book.people[facts.email] = facts
        book.people_by_id[facts.id] = facts


def _load_state_rules(book: FactBook, task_codes_by_id: dict[int, str]) -> None:
    for row in _rows(select(StateRule.__table__).order_by(StateRule.id)):
        code = task_codes_by_id[row["task_id"]]
        book.rules[(row["state"], code)] = StateRuleFacts(
            state=row["state"],
            task=code,
            status=row["status"],
            supervision=row["supervision"],
            requires_credentials=tuple(row["requires_credentials"] or ()),
            min_training_hours=row["min_training_hours"],
            citation=row["citation"] or "",
            verified_on=row["verified_on"],
            id=row["id"],
        )


def _load_policies(book: FactBook, task_codes_by_id: dict[int, str]) -> None:
    for row in _rows(select(Policy.__table__).order_by(Policy.id)):
        code = task_codes_by_id[row["task_id"]]
        book.policies_by_task[code].append(
            PolicyFacts(
                task=code,
                authorized=row["authorized"],
                supervision=row["supervision"],
                site=book.site_codes_by_id.get(row["site_id"]) if row["site_id"] else None,
                job_levels=tuple(row["job_levels"] or ()),
                requires_credentials=tuple(row["requires_credentials"] or ()),
                competency_valid_months=row["competency_valid_months"],
                document=row["document"] or "",
                effective_from=row["effective_from"],
                effective_to=row["effective_to"],
                id=row["id"],
            )
        )


def _load_competencies(
    book: FactBook,
    task_codes_by_id: dict[int, str],
    assistant_ids: list[int] | None,
    task_codes: Iterable[str] | None,
) -> None:
    """The competencies (of those assistants, for those tasks), validators from the book.

    Only the columns the rule reads, as plain rows: a matrix reads one row per assistant
    and task (160,000 at 10,000 assistants), and the timestamps and evidence it never
    reads cost as much to convert as the rest.
    """
    c = Competency.__table__.c
    stmt = select(
        c.id, c.person_id, c.task_id, c.validated_on, c.validated_by_id,
        c.training_hours, c.expires_on, c.prior_employer, c.revoked_on,
    ).order_by(c.id)  # fmt: skip
    if assistant_ids is not None:
        stmt = stmt.where(c.person_id.in_(assistant_ids))
    if task_codes is not None:
        wanted = set(task_codes)
        stmt = stmt.where(
            c.task_id.in_([i for i, code in task_codes_by_id.items() if code in wanted])
        )
    people, competencies = book.people_by_id, book.competencies
    for (id_, person_id, task_id, validated_on, validated_by_id, hours, expires_on,
         prior_employer, revoked_on) in db.session.execute(stmt).all():  # fmt: skip
        code = task_codes_by_id[task_id]
        competencies[(person_id, code)].append(
            CompetencyFacts(
                task=code,
                validated_on=validated_on,
                validated_by=people.get(validated_by_id),
                training_hours=hours,
                expires_on=expires_on,
                prior_employer=prior_employer,
                revoked_on=revoked_on,
                id=id_,
            )
        )


def _load_supervision(book: FactBook, filters: list) -> None:
    stmt = select(SupervisionAssignment.__table__).where(*filters)
    for row in _rows(stmt.order_by(SupervisionAssignment.id)):
        site_code = book.site_codes_by_id[row["site_id"]]
        book.supervision[(row["assistant_id"], site_code)].append(
            SupervisionFacts(
                provider=book.people_by_id[row["provider_id"]],
                site=site_code,
                starts_on=row["starts_on"],
                ends_on=row["ends_on"],
                id=row["id"],
            )
        )


def _load_shifts(book: FactBook, filters: list) -> None:
    for row in _rows(select(Shift.__table__).where(*filters).order_by(Shift.id)):
        site_code = book.site_codes_by_id[row["site_id"]]
        provider = book.people_by_id[row["provider_id"]]
        book.shifts_by_site[site_code].append(
            ShiftFacts(provider.email, site_code, row["starts_at"], row["ends_at"], row["id"])
        )


# ------------------------------------------------- a provider's decision (DESIGN section 15)


def _load_protocols(book: FactBook, task_codes_by_id: dict[int, str]) -> None:
    """Every protocol version but the retired, with its tasks and sites (three queries)."""
    tasks_of: dict[int, set[str]] = defaultdict(set)
    for row in _rows(select(protocol_tasks)):
        tasks_of[row["protocol_id"]].add(task_codes_by_id[row["task_id"]])
    sites_of: dict[int, set[str]] = defaultdict(set)
    for row in _rows(select(protocol_sites)):
        sites_of[row["protocol_id"]].add(book.site_codes_by_id[row["site_id"]])
    stmt = select(Protocol.__table__).where(Protocol.state != ProtocolState.retired)
    stmt = stmt.order_by(Protocol.id)
    for row in _rows(stmt):
        facts = ProtocolFacts(
            code=row["code"],
            title=row["title"],
            version=row["version"],
            state=str(row["state"].value),
            tasks=frozenset(tasks_of.get(row["id"], ())),
            sites=frozenset(sites_of.get(row["id"], ())),
            approved_by=book.people_by_id.get(row["approved_by_id"]),
            approved_on=row["approved_on"],
            review_by=row["review_by"],
            document=row["document"] or "",
            id=row["id"],
        )
        for code in sorted(facts.tasks):
            book.protocols_by_task[code].append(facts)


def _load_acknowledgments(book: FactBook, assistant_ids: list[int] | None) -> None:
    """The (protocol code, version) pairs each assistant acknowledged (one query)."""
    stmt = select(ProtocolAcknowledgment.person_id, Protocol.code, Protocol.version).join(
        Protocol, Protocol.id == ProtocolAcknowledgment.protocol_id
    )
    if assistant_ids is not None:
        stmt = stmt.where(ProtocolAcknowledgment.person_id.in_(assistant_ids))
    read: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for row in _rows(stmt):
        read[row["person_id"]].add((row["code"], row["version"]))
    book.acknowledged.update({person: frozenset(pairs) for person, pairs in read.items()})


def _load_directions(book: FactBook, task_codes_by_id: dict[int, str], filters: list) -> None:
    for row in _rows(select(Direction.__table__).where(*filters).order_by(Direction.id)):
        provider = book.people_by_id.get(row["provider_id"])
        assistant = book.people_by_id.get(row["assistant_id"])
        if provider is None or assistant is None:
            continue
        task = task_codes_by_id[row["task_id"]]
        site = book.site_codes_by_id[row["site_id"]]
        book.directions[(row["assistant_id"], task, site)].append(
            DirectionFacts(
                provider=provider,
                assistant=assistant.email,
                task=task,
                site=site,
                given_at=row["given_at"],
                valid_until=row["valid_until"],
                reference=row["reference"],
                carried_out=row["carried_out"],
                id=row["id"],
            )
        )
