"""deactivated on: the day a person was deactivated

Revision ID: 0006_deactivated_on
Revises: 0005
Create Date: 2026-12-05 03:00:00

A deactivated assistant no longer meets the employer's policy from that day, and a
deactivated provider no longer supervises or delegates (DESIGN section 13); a decision
re-run "as of" an earlier moment still finds them active. People deactivated before this
column have no day: the rule treats them as deactivated on every day.

The column is added with ``op.add_column`` (never a batch copy): on SQLite a batch copy of
``people``, a fact table, would drop its fact-stamp triggers.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_deactivated_on'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('people', sa.Column('deactivated_on', sa.Date(), nullable=True))


def downgrade():
    # Not a batch copy: that would drop the fact-stamp triggers of people on SQLite.
    op.drop_column('people', 'deactivated_on')
