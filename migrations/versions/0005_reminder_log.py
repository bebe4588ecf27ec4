"""reminder log: which reminder went to whom, at which threshold

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-30 13:40:00

A new table only: no fact table is copied, so no fact-stamp trigger is touched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminder_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient_id', sa.Integer(), nullable=False),
        sa.Column('item_key', sa.String(length=200), nullable=False),
        sa.Column('stage', sa.String(length=8), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['recipient_id'], ['people.id'], name=op.f('fk_reminder_log_recipient_id_people')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_log')),
        sa.UniqueConstraint(
            'recipient_id', 'item_key', 'stage',
            name=op.f('uq_reminder_log_recipient_id_item_key_stage'),
        ),
    )
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_reminder_log_recipient_id'), ['recipient_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_log_recipient_id'))
    op.drop_table('reminder_log')
