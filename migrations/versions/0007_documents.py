"""evidence documents: files attached to records, kept by their SHA-256

Revision ID: 0007_documents
Revises: 0006_deactivated_on
Create Date: 2026-12-05 02:50:00

A new table only: documents are no fact of the decision, so no fact-stamp trigger is added.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_documents'
down_revision = '0006_deactivated_on'
branch_labels = None
depends_on = None

RECORD_TYPES = ('competency', 'credential', 'license', 'state_rule', 'policy', 'protocol')


def upgrade():
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column(
            'record_type',
            sa.Enum(
                *RECORD_TYPES, name='document_record_type', native_enum=False,
                create_constraint=True, length=32,
            ),
            nullable=False,
        ),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['uploaded_by_id'], ['people.id'], name=op.f('fk_documents_uploaded_by_id_people')
        ),
        sa.ForeignKeyConstraint(
            ['withdrawn_by_id'], ['people.id'], name=op.f('fk_documents_withdrawn_by_id_people')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_record', ['record_type', 'record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))
        batch_op.drop_index('ix_documents_record')
    op.drop_table('documents')
