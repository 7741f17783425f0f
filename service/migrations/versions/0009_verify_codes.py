"""verify codes: each document's unguessable code, the key of its public verification page (/v/<code>)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verify_code', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_verify_code'), ['verify_code'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_verify_code'))
        batch_op.drop_column('verify_code')
