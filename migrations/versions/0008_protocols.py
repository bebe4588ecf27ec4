"""protocols, acknowledgments and directions; tasks that need a provider's direction

Revision ID: 0008_protocols
Revises: 0007_documents
Create Date: 2026-12-05 02:37:21

The new tables are facts the decision reads, so each gets the fact-stamp triggers (the
functions of 0002 already exist on PostgreSQL). ``tasks.needs_direction`` is added with
``op.add_column`` (never a batch copy, which would drop the triggers of tasks on SQLite),
and set for the three built-in tasks that only transmit a provider's decision.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_protocols'
down_revision = '0007_documents'
branch_labels = None
depends_on = None

#: The tables of this revision the decision's facts are loaded from.
NEW_FACT_TABLES = (
    "protocols",
    "protocol_tasks",
    "protocol_sites",
    "protocol_acknowledgments",
    "directions",
)
#: The built-in tasks that only transmit a provider's decision (DESIGN section 15).
NEEDS_DIRECTION = ("relay-instructions", "refill-transmission", "protocol-phone-routing")
SQLITE_RANDOM = "lower(hex(randomblob(16)))"


def upgrade():
    op.create_table(
        "directions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("carried_out", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint("valid_until > given_at", name=op.f("ck_directions_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["assistant_id"], ["people.id"], name=op.f("fk_directions_assistant_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["people.id"], name=op.f("fk_directions_provider_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_directions_site_id_sites")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_directions_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directions")),
    )
    with op.batch_alter_table("directions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directions_assistant_id"), ["assistant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_directions_given_at"), ["given_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_directions_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "protocols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=200), server_default="", nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "approved",
                "retired",
                name="protocol_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "review_by IS NULL OR approved_on IS NULL OR review_by >= approved_on",
            name=op.f("ck_protocols_review_after_approval"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_protocols_version_positive")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["people.id"], name=op.f("fk_protocols_approved_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocols")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_protocols_code_version")),
    )
    with op.batch_alter_table("protocols", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protocols_approved_by_id"), ["approved_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_protocols_code"), ["code"], unique=False)

    op.create_table(
        "protocol_acknowledgments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_protocol_acknowledgments_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["protocol_id"],
            ["protocols.id"],
            name=op.f("fk_protocol_acknowledgments_protocol_id_protocols"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_acknowledgments")),
        sa.UniqueConstraint(
            "person_id",
            "protocol_id",
            name=op.f("uq_protocol_acknowledgments_person_id_protocol_id"),
        ),
    )
    with op.batch_alter_table("protocol_acknowledgments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protocol_acknowledgments_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_protocol_acknowledgments_protocol_id"), ["protocol_id"], unique=False
        )

    op.create_table(
        "protocol_sites",
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["protocol_id"], ["protocols.id"], name=op.f("fk_protocol_sites_protocol_id_protocols")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_protocol_sites_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("protocol_id", "site_id", name=op.f("pk_protocol_sites")),
    )
    op.create_table(
        "protocol_tasks",
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["protocol_id"], ["protocols.id"], name=op.f("fk_protocol_tasks_protocol_id_protocols")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_protocol_tasks_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("protocol_id", "task_id", name=op.f("pk_protocol_tasks")),
    )
    op.add_column(
        "tasks",
        sa.Column("needs_direction", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    tasks = sa.table(
        "tasks", sa.column("code", sa.String), sa.column("needs_direction", sa.Boolean)
    )
    op.execute(tasks.update().where(tasks.c.code.in_(NEEDS_DIRECTION)).values(needs_direction=True))
    _install_triggers()
    _decline_reasons(DECLINE_REASONS)


#: The reasons an incident may give, before and after this revision.
OLD_DECLINE_REASONS = (
    "not_trained", "outside_scope", "unsure_of_scope", "supervision_not_in_place",
    "state_law", "other",
)
DECLINE_REASONS = OLD_DECLINE_REASONS + ("not_covered_by_protocol",)


def _decline_reasons(reasons):
    """Set the values incidents.reason may take. Not a batch copy on SQLite: other tables
    point at incidents, so the CHECK's list is rewritten in place, which changes nothing
    stored (SQLite's documented way to change a constraint's text)."""
    values = ", ".join(f"'{r}'" for r in reasons)
    check = f"reason IN ({values})"
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        old = bind.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'incidents'")
        ).scalar()
        start = old.index("CONSTRAINT ck_incidents_decline_reason CHECK (")
        end = old.index(")", old.index("reason IN (", start) + len("reason IN (")) + 1
        new = old[:start] + f"CONSTRAINT ck_incidents_decline_reason CHECK ({check}" + old[end:]
        version = bind.execute(sa.text("PRAGMA schema_version")).scalar()
        bind.execute(sa.text("PRAGMA writable_schema = ON"))
        bind.execute(
            sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'incidents'"),
            {"sql": new},
        )
        bind.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
        bind.execute(sa.text("PRAGMA writable_schema = OFF"))
    else:
        op.drop_constraint(op.f("ck_incidents_decline_reason"), "incidents", type_="check")
        op.create_check_constraint("decline_reason", "incidents", check)


def _install_triggers():
    dialect = op.get_bind().dialect.name
    for table in NEW_FACT_TABLES:
        if dialect == "sqlite":
            for action in ("insert", "update", "delete"):
                op.execute(
                    f"CREATE TRIGGER fact_stamp_{table}_{action} AFTER {action.upper()} "
                    f"ON {table} BEGIN UPDATE fact_stamp SET stamp = {SQLITE_RANDOM}; END"
                )
        elif dialect == "postgresql":
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


def _drop_triggers():
    dialect = op.get_bind().dialect.name
    for table in NEW_FACT_TABLES:
        if dialect == "sqlite":
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS fact_stamp_{table}_{action}")
        elif dialect == "postgresql":
            for kind in ("lock", "bump"):
                op.execute(f"DROP TRIGGER IF EXISTS fact_stamp_{kind}_{table} ON {table}")


def downgrade():
    _decline_reasons(OLD_DECLINE_REASONS)
    _drop_triggers()
    # Not a batch copy: that would drop the fact-stamp triggers of tasks on SQLite.
    op.drop_column("tasks", "needs_direction")

    op.drop_table("protocol_tasks")
    op.drop_table("protocol_sites")
    with op.batch_alter_table("protocol_acknowledgments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protocol_acknowledgments_protocol_id"))
        batch_op.drop_index(batch_op.f("ix_protocol_acknowledgments_person_id"))

    op.drop_table("protocol_acknowledgments")
    with op.batch_alter_table("protocols", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protocols_code"))
        batch_op.drop_index(batch_op.f("ix_protocols_approved_by_id"))

    op.drop_table("protocols")
    with op.batch_alter_table("directions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directions_provider_id"))
        batch_op.drop_index(batch_op.f("ix_directions_given_at"))
        batch_op.drop_index(batch_op.f("ix_directions_assistant_id"))

    op.drop_table("directions")
