"""idempotency keys unique per poster, not city-wide; no payload hash

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:45:00

A kiosk's keys then sit together in the index (a batch of random keys writes a few pages, not
one per key); the new index also replaces the plain index on ``posted_by_id``. A retry is
told from a reused key by the stored row itself, so ``payload_hash`` goes. On SQLite the
table is rebuilt (the old unique constraint is part of its definition): about a minute for a
year of city collections.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('collections', schema=None) as batch_op:
        batch_op.drop_constraint('uq_collections_idempotency_key', type_='unique')
        batch_op.drop_index('ix_collections_posted_by_id')
        batch_op.drop_column('payload_hash')
        batch_op.create_index('uq_collections_poster_idempotency_key',
                              ['posted_by_id', 'idempotency_key'], unique=True)


def downgrade():
    # Fails if two posters have used the same key: that data cannot go back to city-wide keys.
    # The hashes are not recomputed: after a downgrade, a retry of a posting made under 0006
    # answers 409 (another body) instead of its record.
    with op.batch_alter_table('collections', schema=None) as batch_op:
        batch_op.drop_index('uq_collections_poster_idempotency_key')
        batch_op.add_column(sa.Column('payload_hash', sa.String(length=64), nullable=False,
                                      server_default=''))  # for the rows already there
        batch_op.create_index('ix_collections_posted_by_id', ['posted_by_id'], unique=False)
        batch_op.create_unique_constraint('uq_collections_idempotency_key', ['idempotency_key'])
    with op.batch_alter_table('collections', schema=None) as batch_op:
        batch_op.alter_column('payload_hash', server_default=None)  # as 0001 made it
