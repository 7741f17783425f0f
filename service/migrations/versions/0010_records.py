"""records: the archive metadata of each issued document (NĐ 30 Phụ lục VI) and the files (hồ sơ) they are kept in

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'record_files',
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('organisation', sa.String(length=40), nullable=False),
        sa.Column('retention_years', sa.Integer(), nullable=True),
        sa.Column('rights', sa.String(length=20), nullable=False),
        sa.Column('creator', sa.String(length=100), nullable=False),
        sa.Column('language', sa.String(length=40), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('destruction_proposed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('code'),
    )
    with op.batch_alter_table('record_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_files_organisation'), ['organisation'], unique=False)
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archive_metadata', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('file_code', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('file_ordinal', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_file_code'), ['file_code'], unique=False)
        batch_op.create_index('uq_documents_file_ordinal', ['file_code', 'file_ordinal'], unique=True)
        batch_op.create_foreign_key('fk_documents_file_code', 'record_files', ['file_code'], ['code'])


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint('fk_documents_file_code', type_='foreignkey')
        batch_op.drop_index('uq_documents_file_ordinal')
        batch_op.drop_index(batch_op.f('ix_documents_file_code'))
        batch_op.drop_column('file_ordinal')
        batch_op.drop_column('file_code')
        batch_op.drop_column('archive_metadata')
    with op.batch_alter_table('record_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_files_organisation'))
    op.drop_table('record_files')
