"""API tokens expire: expires_at on every token (API_TOKEN_LIFETIME_DAYS after it is issued)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 07:25:00

Tokens issued before this revision had no end; they get 90 days from the upgrade (the default
lifetime), so that kiosks keep working while new tokens are issued.
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

GRACE = dt.timedelta(days=90)


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    ends = dt.datetime.now(dt.UTC) + GRACE
    op.execute(sa.text("UPDATE api_tokens SET expires_at = :ends").bindparams(
        sa.bindparam('ends', ends, type_=sa.DateTime(timezone=True))))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
