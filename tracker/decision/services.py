"""Make a decision from stored records, and keep it in the decision log."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import JSON, bindparam, insert, select, text

from tracker import dates
from tracker.catalog.models import Task
from tracker.db_types import UTCDateTime
from tracker.decision.cache import Snapshot
from tracker.decision.facts import load_for_decision
from tracker.decision.models import DecisionRecord
from tracker.extensions import db
from tracker.rule.values import Decision
from tracker.sites.models import Site
from tracker.staff.models import Person, person_sites
from tracker.validation import refuse_out_of_range
from tracker.vocabulary import Role, TaskKind


class TaskChoice(NamedTuple):
    id: int
    code: str
    name: str
    kind: TaskKind


class SiteChoice(NamedTuple):
    id: int
    code: str
    name: str
    state: str
    timezone: str


class SelfCheckChoices(NamedTuple):
    """What the self-check form offers one person: tasks, sites, and whom to check."""

    tasks: tuple[TaskChoice, ...]
    sites: tuple[SiteChoice, ...]
    #: (id, name) of the active assistants; only the assistant themself for an assistant.
    assistants: tuple[tuple[int, str], ...]


def self_check_choices(person: Person, snapshot: Snapshot) -> SelfCheckChoices:
    """The tasks (by kind, then name), sites and assistants ``person`` may check.

    An assistant checks only themself, at their own sites (by code); anyone else any
    active assistant at any site (by name). Each list is kept while the fact stamp holds.
    """
    tasks = snapshot.get(
        ("tasks",),
        lambda: tuple(
            TaskChoice(*row)
            for row in db.session.execute(
                select(Task.id, Task.code, Task.name, Task.kind).order_by(Task.kind, Task.name)
            )
        ),
    )
    columns = (Site.id, Site.code, Site.name, Site.state, Site.timezone)
    if person.role == Role.assistant:
        sites = snapshot.get(
            ("sites_of", person.id),
            lambda: tuple(
                SiteChoice(*row)
                for row in db.session.execute(
                    select(*columns)
                    .join(person_sites, person_sites.c.site_id == Site.id)
                    .where(person_sites.c.person_id == person.id)
                    .order_by(Site.code)
                )
            ),
        )
        return SelfCheckChoices(tasks, sites, ((person.id, person.name),))
    sites = snapshot.get(
        ("sites",),
        lambda: tuple(
            SiteChoice(*row) for row in db.session.execute(select(*columns).order_by(Site.name))
        ),
    )
    assistants = snapshot.get(
        ("assistants",),
        lambda: tuple(
            (row.id, row.name)
            for row in db.session.execute(
                select(Person.id, Person.name)
                .where(Person.active, Person.role == Role.assistant)
                .order_by(Person.name)
            )
        ),
    )
    return SelfCheckChoices(tasks, sites, assistants)


def evaluate(
    assistant: Person,
    task: Task,
    site: Site,
    at: datetime,
    delegated_by: Person | None = None,
    in_room: bool = False,
    snapshot: Snapshot | None = None,
) -> Decision:
    """The decision for one assistant, task, site and moment, from what is stored.

    ``task`` and ``site`` need only ``id`` and ``code``: stored records, or the rows of
    ``self_check_choices``. With a ``snapshot`` the facts may come from, and go to, the
    kept facts (``tracker.decision.cache``); without, they are read afresh.
    """
    book = load_for_decision(assistant, site, at, delegated_by, snapshot)
    return book.decide(
        assistant.email,
        task.code,
        site.code,
        at,
        delegated_by.email if delegated_by is not None else None,
        in_room,
    )


def _decision_row(
    decision: Decision,
    *,
    source: str,
    assistant: Person,
    task: Task,
    site: Site,
    delegated_by: Person | None = None,
    in_room: bool = False,
    asked_by: Person | None = None,
    result: dict | None = None,
) -> dict:
    """A decision log row's values: its inputs, who asked and the outcome, linked by id."""
    refuse_out_of_range("at", decision.at)
    if result is None:
        result = stored_result(decision)
    return {
        "source": source,
        "asked_by_id": asked_by.id if asked_by is not None else None,
        "assistant_id": assistant.id,
        "task_id": task.id,
        "site_id": site.id,
        "at": decision.at,
        "delegated_by_id": delegated_by.id if delegated_by is not None else None,
        "in_room": in_room,
        "status": str(decision.status),
        "result": result,
    }


def record_decision(decision: Decision, **inputs) -> DecisionRecord:
    """Keep a decision in the log and return its record (the caller commits).

    ``inputs``: ``source``, ``assistant``, ``task``, ``site`` and optionally
    ``delegated_by``, ``in_room``, ``asked_by``. Records are linked by id, so ``task`` and
    ``site`` may be ``self_check_choices`` rows.
    """
    record = DecisionRecord(**_decision_row(decision, **inputs))
    db.session.add(record)
    db.session.flush()
    return record


def log_decision(decision: Decision, **inputs) -> dict:
    """Keep a decision in the log with one INSERT and no record object; return its result.

    For pages that only show the answer (the self-check); the caller commits.
    """
    row = _decision_row(decision, **inputs)
    # The row as parameters of one statement built once: .values(**row) made a new
    # statement, and its cache key, on every self-check. Run on the session's connection
    # (its transaction): the session's own execute takes a table's INSERT through the ORM's
    # steps first, which cost as much again as the INSERT (bench/decisions.py).
    db.session.connection().execute(_LOG_ONE, row)
    return row["result"]


_LOG_ONE = insert(DecisionRecord.__table__)


def log_decisions(
    items: list[tuple[Decision, dict]], results: list[dict] | None = None
) -> list[int]:
    """Keep many decisions with one multi-row INSERT; returns their ids in order.

    ``items``: (decision, inputs) pairs, inputs as for ``record_decision``; ``results``,
    when given, their ``stored_result`` already worked out. The caller commits.
    """
    if not items:
        return []
    table = DecisionRecord.__table__
    results = results or [None] * len(items)
    # One moment for the whole batch, read once rather than by the column default per row.
    made_at = dates.now()
    rows = [
        {**_decision_row(decision, result=result, **inputs), "made_at": made_at}
        for (decision, inputs), result in zip(items, results, strict=True)
    ]
    # Each multi-row INSERT numbers its rows in the order given (SQLite's rowid, a
    # PostgreSQL sequence); only RETURNING's order is unspecified, so the ids are sorted
    # rather than asking SQLAlchemy to keep the order (which on SQLite means a row a time).
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        result = connection.execute(_insert_from_json(table, rows, connection.dialect))
    else:
        result = db.session.execute(insert(table).returning(table.c.id), rows)
    return sorted(row[0] for row in result)


def _insert_from_json(table, rows: list[dict], dialect):
    """PostgreSQL: one INSERT whose rows come in one JSON parameter (json_populate_recordset).

    A multi-row VALUES of 500 decisions has 5,500 placeholders, which psycopg converts
    anew on every call (too long a statement to keep); one parameter costs a third less
    (bench/api.py). Moments are bound as the column binds them (naive UTC).
    """
    moment = UTCDateTime()
    columns = list(rows[0])
    payload = [
        {
            name: moment.process_bind_param(value, dialect)
            if isinstance(value, datetime)
            else value
            for name, value in row.items()
        }
        for row in rows
    ]
    names = ", ".join(columns)
    return text(
        f"INSERT INTO {table.name} ({names}) SELECT {names} "
        f"FROM json_populate_recordset(NULL::{table.name}, :rows) RETURNING id"
    ).bindparams(bindparam("rows", payload, type_=JSON))


#: What a stored condition keeps beyond DESIGN section 4: the records it rests on (links on
#: pages) and the codes of its problems (the fixes offered; ``tracker.decision.fixes``).
INTERNAL_KEYS = frozenset({"records", "codes"})


def stored_result(decision: Decision) -> dict:
    """The decision's JSON, each condition also naming its records and problem codes."""
    return stored_and_public(decision)[0]


def stored_and_public(decision: Decision) -> tuple[dict, dict]:
    """The decision's stored result and its public JSON, built together.

    The same as ``stored_result(decision)`` and ``public_result`` of it, without making the
    public shape again by taking the stored one apart (a batch wants both, 500 times).
    """
    public = decision.to_json()
    stored = {
        **public,
        "conditions": [
            {
                **out,
                "records": [
                    {"kind": ref.kind, "id": ref.id, "label": ref.label}
                    for ref in condition.records
                ],
                "codes": [code.value for code in condition.codes],
            }
            for out, condition in zip(public["conditions"], decision.conditions, strict=True)
        ],
    }
    return stored, public


def public_result(result: dict) -> dict:
    """A stored result in the exact JSON shape of DESIGN section 4."""
    return {
        **result,
        "conditions": [
            {k: v for k, v in c.items() if k not in INTERNAL_KEYS}
            for c in result.get("conditions", [])
        ],
    }


def rerun(record: DecisionRecord) -> Decision:
    """The same decision made again "as of" its moment, on the records as they are now."""
    return evaluate(
        record.assistant,
        record.task,
        record.site,
        record.at,
        record.delegated_by,
        record.in_room,
    )
