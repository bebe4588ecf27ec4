"""Read models for one person's training file and what is expiring: their competencies
(with the expiry the written policy gives), credentials, licenses, supervision and the
states' scope, judged with the rule. Above staff, competencies, policy and supervision."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.catalog.models import Task
from tracker.competencies.models import Competency
from tracker.competencies.status import (  # noqa: F401  (the training file's vocabulary)
    CURRENT,
    EXPIRED,
    EXPIRING,
    NOT_VALIDATED,
    NOT_YET,
    PRIOR_EMPLOYER,
    REVOKED,
    STATUS_STYLE,
    CompetencyLine,
    SiteExpiry,
    competency_facts,
    competency_line,
    competency_status,
    expiry_status,
    site_expiries,
)
from tracker.dates import add_months
from tracker.extensions import db
from tracker.policy.models import Policy, StateRule
from tracker.policy.queries import policy_facts
from tracker.protocols.queries import acknowledgments_of
from tracker.rule.rules import STALE_RULE_MONTHS, credential_held, state_name
from tracker.rule.values import CompetencyFacts, PolicyFacts
from tracker.sites.models import Site
from tracker.staff.models import Credential, License, Person
from tracker.supervision.models import SupervisionAssignment
from tracker.vocabulary import Role, RuleStatus, TaskKind

#: The furthest ahead the expiring list and `flask expiring` look (a year and a day).
MAX_EXPIRING_DAYS = 366


def competency_lines(person: Person, today: date, within_days: int) -> list[CompetencyLine]:
    """The person's competencies, each with its expiry at each of their sites."""
    competencies = db.session.scalars(
        select(Competency)
        .where(Competency.person_id == person.id)
        .options(selectinload(Competency.task), selectinload(Competency.validated_by))
    ).all()
    policies = _all_policies()
    lines = [competency_line(comp, person, policies, today, within_days) for comp in competencies]
    lines.sort(key=lambda line: (line.record.task.name, line.record.validated_on or date.min))
    return lines


def _all_policies() -> list[PolicyFacts]:
    return [
        policy_facts(p)
        for p in db.session.scalars(
            select(Policy).options(selectinload(Policy.task), selectinload(Policy.site))
        )
    ]


class _Expiries:
    """Competencies' expiries for a whole list: the policies loaded once, and each answer
    kept (many competencies share their task, dates, job level and sites)."""

    def __init__(self, today: date):
        self.today = today
        self._by_task: dict[str, list[PolicyFacts]] = defaultdict(list)
        for policy in _all_policies():
            self._by_task[policy.task].append(policy)
        self._known: dict[tuple, SiteExpiry] = {}

    def earliest(self, facts: CompetencyFacts, person: Person) -> SiteExpiry:
        """The earliest of the competency's expiries at the person's sites, naming the site
        when the sites' dates differ (site_name "" when they do not)."""
        sites = tuple(sorted(s.code for s in person.sites))
        key = (facts, person.job_level, sites)
        if key not in self._known:
            by_site = site_expiries(facts, person, self._by_task[facts.task], self.today)
            first = min(by_site, key=lambda s: (s.on is None, s.on or date.min, s.expiry.site))
            if len({s.on for s in by_site}) == 1:
                first = SiteExpiry(first.expiry, "")
            self._known[key] = first
        return self._known[key]


def credential_status(cred, today: date, within_days: int) -> str:
    if cred.issued_on is not None and cred.issued_on > today:
        return NOT_YET
    if not credential_held(cred, today):
        return EXPIRED
    return expiry_status(cred.expires_on, today, within_days)


def supervision_of(person: Person) -> list[SupervisionAssignment]:
    """Assignments where the person is the assistant or the supervising provider."""
    return list(
        db.session.scalars(
            select(SupervisionAssignment)
            .where(
                (SupervisionAssignment.assistant_id == person.id)
                | (SupervisionAssignment.provider_id == person.id)
            )
            .options(
                selectinload(SupervisionAssignment.assistant),
                selectinload(SupervisionAssignment.provider),
                selectinload(SupervisionAssignment.site),
            )
            .order_by(SupervisionAssignment.starts_on.desc())
        )
    )


# --------------------------------------------------------------------------- expiring items

NO_EXPIRY = "no expiry"


@dataclass(frozen=True)
class ExpiringItem:
    """A competency, credential or license that is expired, expiring, or never expires."""

    kind: str  #: competency, credential or license
    record_id: int
    person: Person
    what: str
    expires_on: date | None
    status: str  #: expired, expiring or "no expiry"
    #: The expiry comes from the policy's competency_valid_months, not the record.
    derived: bool = False
    #: A competency whose date differs between the person's sites is listed with the
    #: earliest, and these name the site it is at ("" when every site gives the same).
    site_code: str = ""
    site_name: str = ""

    def line(self) -> str:
        """One line of plain text (the CLI, a cron mail)."""
        when = self.expires_on.isoformat() if self.expires_on else NO_EXPIRY
        note = " (expiry from policy)" if self.derived else ""
        where = f" at {self.site_name}" if self.site_name else ""
        return (
            f"{when:<10}  {self.status:<9}  {self.kind:<10}  "
            f"{self.person.name} <{self.person.email}>  {self.what}{where}{note}"
        )


@dataclass
class ExpiringReport:
    today: date
    days: int
    site_code: str | None
    #: Expired or expiring within ``days``, soonest first.
    due: list[ExpiringItem]
    #: Records that never expire (worth a look: is that right?).
    no_expiry: list[ExpiringItem]


def expiring_items(
    today: date, days: int, *, site_code: str | None = None, person_id: int | None = None
) -> ExpiringReport:
    """Competencies, credentials and licenses expired or expiring within ``days`` of today.

    Only what counts is listed: competencies validated here and not revoked, of active
    people (or of the one person asked for). A record renewed by a later one of the same
    kind (same task; same credential type; same license type and state) is left out: only
    the one that runs longest matters. Loads in a fixed number of queries.
    """
    people_query = select(Person).options(selectinload(Person.sites))
    if person_id is not None:
        people_query = people_query.where(Person.id == person_id)
    else:
        people_query = people_query.where(Person.active)
    if site_code:
        people_query = people_query.where(Person.sites.any(Site.code == site_code))
    people = {p.id: p for p in db.session.scalars(people_query)}
    candidates: list[ExpiringItem] = []
    groups: dict[tuple, list[ExpiringItem]] = defaultdict(list)
    if people:
        ids = list(people)
        # Plain rows, not ORM objects: a practice holds tens of thousands of competencies,
        # and this list feeds the dashboard and the daily reminders as well as its page.
        competencies = db.session.execute(
            select(
                Competency.id,
                Competency.person_id,
                Competency.task_id,
                Competency.validated_on,
                Competency.expires_on,
                Competency.revoked_on,
            ).where(
                Competency.person_id.in_(ids),
                Competency.prior_employer.is_(False),
                Competency.validated_on.is_not(None),
                (Competency.revoked_on.is_(None)) | (Competency.revoked_on > today),
            )
        ).all()
        tasks = {task_id: (code, name) for task_id, code, name in db.session.execute(
            select(Task.id, Task.code, Task.name))}  # fmt: skip
        expiries = _Expiries(today)
        for comp_id, person_id, task_id, validated_on, own, revoked_on in competencies:
            person = people[person_id]
            code, name = tasks[task_id]
            facts = competency_facts(code, validated_on, own, revoked_on)
            earliest = expiries.earliest(facts, person)
            item = ExpiringItem(
                "competency",
                comp_id,
                person,
                f"{name} competency",
                earliest.on,
                "",
                earliest.expiry.from_policy,
                earliest.expiry.site if earliest.site_name else "",
                earliest.site_name,
            )
            groups[("competency", person_id, task_id)].append(item)
        for cred in db.session.scalars(select(Credential).where(Credential.person_id.in_(ids))):
            number = f" #{cred.number}" if cred.number else ""
            item = ExpiringItem(
                "credential",
                cred.id,
                people[cred.person_id],
                f"{cred.type} credential{number}",
                cred.expires_on,
                "",
            )
            groups[("credential", cred.person_id, cred.type)].append(item)
        for lic in db.session.scalars(select(License).where(License.person_id.in_(ids))):
            item = ExpiringItem(
                "license",
                lic.id,
                people[lic.person_id],
                f"{lic.state} {lic.type} license #{lic.number}",
                lic.expires_on,
                "",
            )
            groups[("license", lic.person_id, lic.type, lic.state)].append(item)
    for items in groups.values():
        # The record that runs longest speaks for its kind; no expiry runs longest of all.
        candidates.append(max(items, key=lambda i: (i.expires_on or date.max, i.record_id)))

    due, no_expiry = [], []
    for item in candidates:
        if item.expires_on is None:
            no_expiry.append(_with_status(item, NO_EXPIRY))
            continue
        status = expiry_status(item.expires_on, today, days)
        if status != CURRENT:
            due.append(_with_status(item, status))
    due.sort(key=lambda i: (i.expires_on, i.person.name, i.kind, i.what))
    no_expiry.sort(key=lambda i: (i.person.name, i.kind, i.what))
    return ExpiringReport(today, days, site_code, due, no_expiry)


def _with_status(item: ExpiringItem, status: str) -> ExpiringItem:
    return replace(item, status=status)


# --------------------------------------------------------------------------- state scope

PERMITTED, PROHIBITED, NOT_VERIFIED, NO_RULE_NEEDED = (
    "permitted",
    "prohibited",
    "not verified",
    "no rule needed",
)
SCOPE_STYLE = {
    PERMITTED: "success",
    PROHIBITED: "danger",
    NOT_VERIFIED: "warning",
    NO_RULE_NEEDED: "secondary",
}


@dataclass(frozen=True)
class ScopeLine:
    """One task an assistant holds a competency for, against one state's rule."""

    task: Task
    rule: StateRule | None
    status: str
    notes: tuple[str, ...]
    #: Something must be verified, recorded or obtained before the task counts there.
    needs_action: bool


@dataclass(frozen=True)
class StateScope:
    state: str
    state_name: str
    lines: tuple[ScopeLine, ...]
    #: Credential types the state's rules require for these tasks, and whether one is held.
    credentials: tuple[tuple[str, bool], ...]

    @property
    def needs_action(self) -> list[ScopeLine]:
        return [line for line in self.lines if line.needs_action]

    @property
    def not_verified(self) -> list[ScopeLine]:
        return [line for line in self.lines if line.status == NOT_VERIFIED]

    @property
    def missing_credentials(self) -> list[str]:
        return [kind for kind, held in self.credentials if not held]


def state_scope(person: Person, today: date, states: Iterable[str] | None = None):
    """For each state (default: every state the assistant works in), what to re-verify.

    The tasks are those the assistant holds a competency for (not revoked). For each, the
    state's recorded rule: none for a clinical task means not verified (verify with the
    state medical board and the AAMA state scope resource); a rule may need a credential
    the assistant does not hold, more training hours, or re-verification when stale.
    """
    if person.role != Role.assistant:
        return []
    states = sorted(set(states) if states is not None else {s.state for s in person.sites})
    if not states:
        return []
    tasks, hours = _tasks_held(person, today)
    rules = _state_rules(states, tasks)
    held = {c.type for c in person.credentials if credential_held(c, today)}
    stale_before = add_months(today, -STALE_RULE_MONTHS)
    scopes = []
    for state in states:
        name = state_name(state)
        lines = tuple(
            _scope_line(name, task, rules.get((state, task_id)), hours[task_id], held, stale_before)
            for task_id, task in sorted(tasks.items(), key=lambda item: item[1].name.lower())
        )
        scopes.append(StateScope(state, name, lines, _credentials_required(lines, held)))
    return scopes


def _tasks_held(person: Person, today: date) -> tuple[dict[int, Task], dict[int, float]]:
    """The tasks the assistant holds a competency for that is not revoked (reserved tasks
    left out), and for each the most training hours any of those competencies records."""
    competencies = db.session.scalars(
        select(Competency)
        .where(
            Competency.person_id == person.id,
            (Competency.revoked_on.is_(None)) | (Competency.revoked_on > today),
        )
        .options(selectinload(Competency.task))
    ).all()
    tasks: dict[int, Task] = {}
    hours: dict[int, float] = defaultdict(float)
    for comp in competencies:
        if comp.task.kind == TaskKind.reserved:
            continue
        tasks[comp.task_id] = comp.task
        hours[comp.task_id] = max(hours[comp.task_id], comp.training_hours or 0)
    return tasks, hours


def _state_rules(states: list[str], tasks: dict[int, Task]) -> dict[tuple[str, int], StateRule]:
    """The recorded rules of these states for these tasks, by (state, task id)."""
    if not tasks:
        return {}
    return {
        (r.state, r.task_id): r
        for r in db.session.scalars(
            select(StateRule).where(StateRule.state.in_(states), StateRule.task_id.in_(list(tasks)))
        )
    }


def _scope_line(
    name: str,
    task: Task,
    rule: StateRule | None,
    hours: float,
    held: set[str],
    stale_before: date,
) -> ScopeLine:
    """One task against the state's rule (``name``: the state's name)."""
    if rule is None and task.kind == TaskKind.administrative:
        return ScopeLine(task, None, NO_RULE_NEEDED, (), False)
    if rule is None:
        note = (
            f"No {name} rule is recorded: verify with the {name} medical board and the "
            "AAMA state scope resource, then record the rule."
        )
        return ScopeLine(task, None, NOT_VERIFIED, (note,), True)
    if rule.status == RuleStatus.prohibited:
        status, notes, action = (
            PROHIBITED,
            [f"{name} does not let a medical assistant do this."],
            True,
        )
    else:
        status = PERMITTED
        notes, action = _what_the_rule_asks(rule, hours, held)
    if rule.verified_on is None or rule.verified_on < stale_before:
        action = True
        when = rule.verified_on.isoformat() if rule.verified_on else "never"
        notes.append(f"Rule last verified: {when}; re-verify it.")
    if rule.citation:
        notes.append(f"Citation: {rule.citation}")
    return ScopeLine(task, rule, status, tuple(notes), action)


def _what_the_rule_asks(rule: StateRule, hours: float, held: set[str]) -> tuple[list[str], bool]:
    """The notes on a permitting rule's credential and training hours, and whether the
    assistant falls short of either."""
    notes, action = [], False
    needed = list(rule.requires_credentials or [])
    if needed and held & set(needed):
        notes.append(f"Needs one of {', '.join(needed)}: held.")
    elif needed:
        action = True
        notes.append(f"Needs one of {', '.join(needed)}: none held.")
    if rule.min_training_hours and hours < rule.min_training_hours:
        action = True
        notes.append(
            f"Needs {rule.min_training_hours:g} training hours; the record shows {hours:g}."
        )
    return notes, action


def _credentials_required(
    lines: Iterable[ScopeLine], held: set[str]
) -> tuple[tuple[str, bool], ...]:
    """Each credential type a permitting rule requires, and whether the assistant holds it."""
    required = {
        kind: kind in held
        for line in lines
        if line.status == PERMITTED
        for kind in line.rule.requires_credentials or []
    }
    return tuple(sorted(required.items()))


def record_documents(competencies, credentials, licenses) -> dict:
    """The current (not withdrawn) documents of a training file's records, in one query:
    (record type, record id) -> documents, newest first."""
    from tracker.documents.services import documents_by_record

    found = documents_by_record(
        [("competency", c.id) for c in competencies]
        + [("credential", c.id) for c in credentials]
        + [("license", lic.id) for lic in licenses]
    )
    return {
        key: current
        for key, docs in found.items()
        if (current := [d for d in docs if d.withdrawn_at is None])
    }


# --------------------------------------------------------------------------- the file as read


@dataclass(frozen=True)
class FiledCompetency:
    """A competency as its training file shows it: its status and expiry on the day (at
    each of the person's sites) and its current evidence documents."""

    record: Competency
    status: str
    #: The earliest of its expiries at the person's sites (None: none).
    expires_on: date | None
    expiry_from_policy: bool
    #: The site of that earliest date when the sites' dates differ, else None.
    expiry_site: str | None
    by_site: tuple[SiteExpiry, ...]
    documents: list


@dataclass(frozen=True)
class FiledRecord:
    """A credential or license as its training file shows it: its status on the day and
    its current evidence documents."""

    record: Credential | License
    status: str
    documents: list


@dataclass(frozen=True)
class TrainingFile:
    """One person's training file as the API reads it (DESIGN section 13: the expiry the
    pages show)."""

    person: Person
    today: date
    competencies: list[FiledCompetency]
    credentials: list[FiledRecord]
    licenses: list[FiledRecord]
    supervision: list[SupervisionAssignment]
    acknowledgments: list


def training_file(person: Person, today: date, within_days: int) -> TrainingFile:
    """The person's training file on ``today``, in a fixed number of queries."""
    lines = competency_lines(person, today, within_days)
    documents = record_documents(
        [line.record for line in lines], person.credentials, person.licenses
    )

    def documents_of(record_type: str, record_id: int) -> list:
        return documents.get((record_type, record_id), [])

    return TrainingFile(
        person=person,
        today=today,
        competencies=[
            FiledCompetency(
                record=line.record,
                status=line.status,
                expires_on=line.expires_on,
                expiry_from_policy=line.expiry_derived,
                expiry_site=line.earliest.expiry.site if line.varies_by_site else None,
                by_site=line.by_site,
                documents=documents_of("competency", line.record.id),
            )
            for line in lines
        ],
        credentials=[
            FiledRecord(
                c, credential_status(c, today, within_days), documents_of("credential", c.id)
            )
            for c in person.credentials
        ],
        licenses=[
            FiledRecord(
                lic,
                expiry_status(lic.expires_on, today, within_days),
                documents_of("license", lic.id),
            )
            for lic in person.licenses
        ],
        supervision=supervision_of(person),
        acknowledgments=acknowledgments_of(person),
    )
