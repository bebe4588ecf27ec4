"""a delegation's standing and its re-checks; API tokens and idempotency keys

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 13:50:00

Columns are added to ``delegations`` with plain ``ADD COLUMN`` (no batch copy: incidents
point at delegations), and the standing of every delegation starts as its recorded
decision.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column with its foreign key in place; a batch copy would drop the
        # table that incidents point at.
        op.execute(
            "ALTER TABLE delegations ADD COLUMN standing_id INTEGER "
            "CONSTRAINT fk_delegations_standing_id_decision_records "
            "REFERENCES decision_records (id)"
        )
    else:
        op.add_column('delegations', sa.Column('standing_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_delegations_standing_id_decision_records'),
                              'delegations', 'decision_records', ['standing_id'], ['id'])
    op.add_column('delegations', sa.Column('standing_changed_at', sa.DateTime(), nullable=True))
    op.add_column('delegations', sa.Column('status_reason', sa.Text(), nullable=True))
    op.add_column('delegations', sa.Column(
        'performed_while_flagged', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(op.f('ix_delegations_performed_while_flagged'), 'delegations',
                    ['performed_while_flagged'], unique=False)
    op.execute("UPDATE delegations SET standing_id = decision_id")

    op.create_table('delegation_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision_records.id'], name=op.f('fk_delegation_checks_decision_id_decision_records')),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_delegation_checks_delegation_id_delegations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation_checks')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_delegation_checks_decision_id'))
    )
    op.create_index(op.f('ix_delegation_checks_delegation_id'), 'delegation_checks',
                    ['delegation_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_api_tokens_created_by_id_people')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_api_tokens_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_person_id'), 'api_tokens', ['person_id'], unique=False)

    op.create_table('api_idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_api_idempotency_keys_delegation_id_delegations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_api_idempotency_keys_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_keys')),
    sa.UniqueConstraint('person_id', 'key', name=op.f('uq_api_idempotency_keys_person_id_key'))
    )


def downgrade():
    op.drop_table('api_idempotency_keys')
    op.drop_index(op.f('ix_api_tokens_person_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index(op.f('ix_delegation_checks_delegation_id'), table_name='delegation_checks')
    op.drop_table('delegation_checks')
    op.drop_index(op.f('ix_delegations_performed_while_flagged'), table_name='delegations')
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.drop_column('performed_while_flagged')
        batch_op.drop_column('status_reason')
        batch_op.drop_column('standing_changed_at')
        batch_op.drop_column('standing_id')
