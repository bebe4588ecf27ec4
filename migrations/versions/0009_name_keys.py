"""name keys: every typed requester's key again, by DESIGN section 14's rule

Revision ID: 0009_name_keys
Revises: 0008_protocols
Create Date: 2026-12-05 03:00:00

No column changes: ``incidents.requester_key`` is derived from ``requester_name`` and must
be what the app computes now, or a requester whose name was typed as "Reyes, Morgan" or
with a Cyrillic letter would still see the incident. The key is read from
``tracker.names.name_key`` itself (not a frozen copy): it is derived data with one
definition, and any later change to the rule ships a migration like this one.
"""
from alembic import op
import sqlalchemy as sa

from tracker.names import name_key


# revision identifiers, used by Alembic.
revision = '0009_name_keys'
down_revision = '0008_protocols'
branch_labels = None
depends_on = None


def upgrade():
    incidents = sa.table('incidents', sa.column('id', sa.Integer),
                         sa.column('requester_name', sa.String),
                         sa.column('requester_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(incidents.c.id, incidents.c.requester_name,
                                        incidents.c.requester_key)
                              .where(incidents.c.requester_name != '')).all()
    for incident_id, name, stored in rows:
        key = name_key(name)
        if key != stored:
            connection.execute(incidents.update().where(incidents.c.id == incident_id)
                               .values(requester_key=key))


def downgrade():
    pass  # the old keys were a weaker form of the same fact; the new ones stay correct
