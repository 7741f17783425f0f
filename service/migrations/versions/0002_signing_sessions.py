"""signing sessions

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signing_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=False),
    sa.Column('base_sha256', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signing_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_sessions_document_id'), ['document_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('signing_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_sessions_document_id'))

    op.drop_table('signing_sessions')
