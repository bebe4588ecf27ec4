"""The decision log (``DecisionRecord``), and the fact stamp: one value that changes
whenever a record a decision rests on changes.

Database triggers on every table the facts are loaded from (``FACT_TABLES``) set a new
random stamp on each insert, update and delete (and truncate, on PostgreSQL), whoever
writes: a page, the CLI, an import, another worker or raw SQL. (Not while triggers are
off: PostgreSQL's ``session_replication_role = replica``, ``pg_restore
--disable-triggers``, ``ALTER TABLE ... DISABLE TRIGGER``; restart the app after such
work.) Reading the stamp is one tiny query, so facts loaded once can be kept while the
stamp is unchanged (``tracker.decision.cache``).

The stamp is random rather than a counter so that a rolled-back change can never be
mistaken for a later one: the row returns to its old value on rollback, and the next real
change draws a new one. Being a row, it is transactional like the facts themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, String, event, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.services import CHAIN_LOCK_KEY
from tracker.catalog.models import Task
from tracker.db_types import UTCDateTime, utcnow
from tracker.extensions import db
from tracker.sites.models import Site
from tracker.staff.models import Person

STAMP_TABLE = "fact_stamp"

#: Every table ``tracker.decision.facts.load_facts`` reads (a test keeps this list true).
FACT_TABLES = (
    "sites",
    "tasks",
    "people",
    "person_sites",
    "licenses",
    "credentials",
    "state_rules",
    "policies",
    "competencies",
    "supervision_assignments",
    "shifts",
    "protocols",
    "protocol_tasks",
    "protocol_sites",
    "protocol_acknowledgments",
    "directions",
)

#: The databases the triggers are written for; elsewhere facts are never kept.
STAMPED_DIALECTS = ("sqlite", "postgresql")


class FactStamp(db.Model):
    """A single row (id 1) holding the current stamp."""

    __tablename__ = STAMP_TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(String(64))


def stamp_trigger_names(dialect: str) -> set[str]:
    """The names of the triggers ``stamp_ddl`` creates."""
    if dialect == "postgresql":
        return {f"{STAMP_TABLE}_{kind}_{t}" for t in FACT_TABLES for kind in ("lock", "bump")}
    if dialect == "sqlite":
        return {f"{STAMP_TABLE}_{table}_{op}" for table in FACT_TABLES for op in _SQLITE_OPS}
    return set()


_SQLITE_OPS = ("insert", "update", "delete")
_RANDOM = {
    "sqlite": "lower(hex(randomblob(16)))",
    "postgresql": "md5(random()::text || clock_timestamp()::text)",
}


def stamp_ddl(dialect: str) -> list[str]:
    """The statements that seed the stamp row and create the triggers, for one database.

    The first stamp is random too, so a rebuilt database never repeats an old stamp.

    On PostgreSQL a BEFORE trigger takes the audit chain's advisory lock before the
    statement locks any row, and an AFTER trigger sets the stamp: every transaction that
    changes facts queues on that one lock before it holds a fact row or the stamp row, so
    two of them never wait on each other's rows (no deadlock), and one that wrote an audit
    event first already holds it.
    """
    if dialect not in _RANDOM:
        return []
    statements = [f"INSERT INTO {STAMP_TABLE} (id, stamp) VALUES (1, {_RANDOM[dialect]})"]
    if dialect == "postgresql":
        statements += [
            "CREATE OR REPLACE FUNCTION lock_fact_writers() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM pg_advisory_xact_lock(CAST({CHAIN_LOCK_KEY} AS BIGINT)); "
            "RETURN NULL; END $$",
            "CREATE OR REPLACE FUNCTION bump_fact_stamp() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"UPDATE {STAMP_TABLE} SET stamp = {_RANDOM[dialect]}; "
            "RETURN NULL; END $$",
        ]
        for table in FACT_TABLES:
            statements += [
                f"CREATE TRIGGER {STAMP_TABLE}_lock_{table} "
                f"BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION lock_fact_writers()",
                f"CREATE TRIGGER {STAMP_TABLE}_bump_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_fact_stamp()",
            ]
    else:
        statements.extend(
            f"CREATE TRIGGER {STAMP_TABLE}_{table}_{op} AFTER {op.upper()} ON {table} "
            f"BEGIN UPDATE {STAMP_TABLE} SET stamp = {_RANDOM[dialect]}; END"
            for table in FACT_TABLES
            for op in _SQLITE_OPS
        )
    return statements


@event.listens_for(db.metadata, "after_create")
def _install_stamp(metadata, connection, **kwargs) -> None:
    """``create_all`` (tests, the benchmark) gets the same row and triggers as migrations."""
    tables = kwargs.get("tables")
    if tables is not None and STAMP_TABLE not in {t.name for t in tables}:
        return
    for statement in stamp_ddl(connection.dialect.name):
        connection.execute(text(statement))


class DecisionRecord(db.Model):
    """One decision as it was made: its inputs, the moment, who asked, and the outcome."""

    __tablename__ = "decision_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: Where the question came from: page, cli, api, delegation (recorded with one) or
    #: recheck (a delegation decided again); the decision log filters by these.
    source: Mapped[str] = mapped_column(String(16))
    asked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"))
    assistant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    #: The moment the decision is about (not when it was made).
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    delegated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"))
    in_room: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16))
    #: The decision as JSON (DESIGN section 4 shape).
    result: Mapped[dict] = mapped_column(JSON)

    asked_by: Mapped[Optional[Person]] = relationship(foreign_keys=[asked_by_id])
    assistant: Mapped[Person] = relationship(foreign_keys=[assistant_id])
    delegated_by: Mapped[Optional[Person]] = relationship(foreign_keys=[delegated_by_id])
    task: Mapped[Task] = relationship()
    site: Mapped[Site] = relationship()
