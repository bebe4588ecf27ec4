"""fact stamp: a value that changes with every record a decision rests on

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:40:00

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


def upgrade():
    from tracker.decision.models import stamp_ddl

    op.create_table('fact_stamp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_stamp'))
    )
    for statement in stamp_ddl(op.get_bind().dialect.name, FACT_TABLES):
        op.execute(statement)


def downgrade():
    from tracker.decision.models import stamp_trigger_names

    dialect = op.get_bind().dialect.name
    for name in sorted(stamp_trigger_names(dialect, FACT_TABLES)):
        if dialect == "postgresql":
            table = name.removeprefix("fact_stamp_")
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS bump_fact_stamp()")
    op.drop_table('fact_stamp')
