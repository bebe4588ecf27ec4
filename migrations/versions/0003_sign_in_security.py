"""sign-in security: server-side sign-in sessions, each person's session generation,
two-factor sign-in and recovery codes, "must change password", and the normal form of an
incident's typed requester name

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 13:40:00

Columns are added to existing tables with ``op.add_column`` (never a batch copy): on
SQLite a batch copy of a fact table would drop its fact-stamp triggers.
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _name_key(text):
    """tracker.names.name_key as it stood at this revision (NFKC, no format characters,
    one space, case-folded)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", " ".join(text.split()).casefold())


def upgrade():
    op.add_column('people', sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    op.create_table('sign_in_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('remember', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_sign_in_sessions_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_sign_in_sessions_key_hash'))
    )
    op.create_index(op.f('ix_sign_in_sessions_person_id'), 'sign_in_sessions', ['person_id'], unique=False)

    op.add_column('people', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('two_factor',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('enabled_at', sa.DateTime(), nullable=False),
    sa.Column('last_step', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_two_factor_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_two_factor'))
    )
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_recovery_codes_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    op.create_index(op.f('ix_recovery_codes_person_id'), 'recovery_codes', ['person_id'], unique=False)

    op.add_column('incidents', sa.Column('requester_key', sa.String(length=200), server_default='', nullable=False))
    op.create_index(op.f('ix_incidents_requester_key'), 'incidents', ['requester_key'], unique=False)
    incidents = sa.table('incidents', sa.column('id', sa.Integer), sa.column('requester_name', sa.String),
                         sa.column('requester_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(incidents.c.id, incidents.c.requester_name)
                              .where(incidents.c.requester_name != '')).all()
    for incident_id, name in rows:
        connection.execute(incidents.update().where(incidents.c.id == incident_id)
                           .values(requester_key=_name_key(name)))


def downgrade():
    op.drop_index(op.f('ix_recovery_codes_person_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
    op.drop_table('two_factor')
    op.drop_column('people', 'must_change_password')
    op.drop_index(op.f('ix_incidents_requester_key'), table_name='incidents')
    op.drop_column('incidents', 'requester_key')
    op.drop_index(op.f('ix_sign_in_sessions_person_id'), table_name='sign_in_sessions')
    op.drop_table('sign_in_sessions')
    # Not a batch copy: that would drop the fact-stamp triggers of people on SQLite.
    op.drop_column('people', 'session_generation')
