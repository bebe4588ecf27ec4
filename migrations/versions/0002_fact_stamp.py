"""fact stamp: a value that changes with every record a decision rests on

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:40:00

The statements are written out here, as they stood at this revision (the app's own
``tracker.decision.models.stamp_ddl`` builds the same for ``create_all``).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

#: The tables the decision's facts were loaded from at this revision.
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
#: tracker.audit.services.CHAIN_LOCK_KEY, the audit chain's advisory lock.
CHAIN_LOCK_KEY = 0x61756469
SQLITE_RANDOM = "lower(hex(randomblob(16)))"
POSTGRES_RANDOM = "md5(random()::text || clock_timestamp()::text)"


def upgrade():
    op.create_table('fact_stamp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_stamp'))
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"INSERT INTO fact_stamp (id, stamp) VALUES (1, {SQLITE_RANDOM})")
        for table in FACT_TABLES:
            for action in ("insert", "update", "delete"):
                op.execute(
                    f"CREATE TRIGGER fact_stamp_{table}_{action} AFTER {action.upper()} "
                    f"ON {table} BEGIN UPDATE fact_stamp SET stamp = {SQLITE_RANDOM}; END"
                )
    elif dialect == "postgresql":
        op.execute(f"INSERT INTO fact_stamp (id, stamp) VALUES (1, {POSTGRES_RANDOM})")
        op.execute(
            "CREATE OR REPLACE FUNCTION lock_fact_writers() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM pg_advisory_xact_lock(CAST({CHAIN_LOCK_KEY} AS BIGINT)); "
            "RETURN NULL; END $$"
        )
        op.execute(
            "CREATE OR REPLACE FUNCTION bump_fact_stamp() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"UPDATE fact_stamp SET stamp = {POSTGRES_RANDOM}; "
            "RETURN NULL; END $$"
        )
        for table in FACT_TABLES:
            op.execute(
                f"CREATE TRIGGER fact_stamp_lock_{table} "
                f"BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION lock_fact_writers()"
            )
            op.execute(
                f"CREATE TRIGGER fact_stamp_bump_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_fact_stamp()"
            )
    else:
        op.execute("INSERT INTO fact_stamp (id, stamp) VALUES (1, 'untracked')")


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in FACT_TABLES:
        if dialect == "sqlite":
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS fact_stamp_{table}_{action}")
        elif dialect == "postgresql":
            for kind in ("lock", "bump"):
                op.execute(f"DROP TRIGGER IF EXISTS fact_stamp_{kind}_{table} ON {table}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS bump_fact_stamp()")
        op.execute("DROP FUNCTION IF EXISTS lock_fact_writers()")
    op.drop_table('fact_stamp')
