"""The fact stamp: one value that changes whenever a record a decision rests on changes.

Database triggers on every table the facts are loaded from (``FACT_TABLES``) set a new
random stamp on each insert, update and delete (and truncate, on PostgreSQL), whoever
writes: a page, the CLI, an import, another worker or raw SQL. Reading the stamp is one
tiny query, so facts loaded once can be kept while the stamp is unchanged
(``tracker.decision.cache``).

The stamp is random rather than a counter so that a rolled-back change can never be
mistaken for a later one: the row returns to its old value on rollback, and the next real
change draws a new one. Being a row, it is transactional like the facts themselves.
"""

from __future__ import annotations

from sqlalchemy import String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.audit.services import CHAIN_LOCK_KEY
from tracker.extensions import db

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
)

#: The databases the triggers are written for; elsewhere facts are never kept.
STAMPED_DIALECTS = ("sqlite", "postgresql")


class FactStamp(db.Model):
    """A single row (id 1) holding the current stamp."""

    __tablename__ = STAMP_TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(String(64))


def stamp_trigger_names(dialect: str, tables: tuple[str, ...] = FACT_TABLES) -> set[str]:
    """The names of the triggers ``stamp_ddl`` creates."""
    if dialect == "postgresql":
        return {f"{STAMP_TABLE}_{table}" for table in tables}
    if dialect == "sqlite":
        return {f"{STAMP_TABLE}_{table}_{op}" for table in tables for op in _SQLITE_OPS}
    return set()


_SQLITE_OPS = ("insert", "update", "delete")


def stamp_ddl(dialect: str, tables: tuple[str, ...] = FACT_TABLES) -> list[str]:
    """The statements that seed the stamp row and create the triggers, for one database.

    Migrations pass the tables as they stood at their revision.
    """
    statements = [f"INSERT INTO {STAMP_TABLE} (id, stamp) VALUES (1, 'initial')"]
    if dialect == "postgresql":
        # The trigger first takes the audit chain's advisory lock, then locks the stamp
        # row: a transaction that wrote an audit event first and one that changed a
        # record first then always queue in the same order, and never deadlock.
        statements.append(
            "CREATE OR REPLACE FUNCTION bump_fact_stamp() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM pg_advisory_xact_lock(CAST({CHAIN_LOCK_KEY} AS BIGINT)); "
            f"UPDATE {STAMP_TABLE} SET stamp = md5(random()::text || clock_timestamp()::text); "
            "RETURN NULL; END $$"
        )
        statements.extend(
            f"CREATE TRIGGER {STAMP_TABLE}_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_fact_stamp()"
            for table in tables
        )
    elif dialect == "sqlite":
        statements.extend(
            f"CREATE TRIGGER {STAMP_TABLE}_{table}_{op} AFTER {op.upper()} ON {table} "
            f"BEGIN UPDATE {STAMP_TABLE} SET stamp = lower(hex(randomblob(16))); END"
            for table in tables
            for op in _SQLITE_OPS
        )
    else:
        return []
    return statements


@event.listens_for(db.metadata, "after_create")
def _install_stamp(metadata, connection, **kwargs) -> None:
    """``create_all`` (tests, the benchmark) gets the same row and triggers as migrations."""
    tables = kwargs.get("tables")
    if tables is not None and STAMP_TABLE not in {t.name for t in tables}:
        return
    for statement in stamp_ddl(connection.dialect.name):
        connection.execute(text(statement))
