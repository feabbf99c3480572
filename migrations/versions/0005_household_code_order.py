"""household codes in code point order on PostgreSQL: "code starts with" from the code's index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:30:00

SQLite already compares text in code point order (BINARY): nothing to do there.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # the "C" collation, whatever the database's locale: a code prefix is then a range of
        # the unique index (households.service.code_starts_with); rebuilds that index
        op.alter_column('households', 'code', existing_type=sa.String(32),
                        type_=sa.String(32, collation='C'), existing_nullable=False)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('households', 'code', existing_type=sa.String(32, collation='C'),
                        type_=sa.String(32), existing_nullable=False)
