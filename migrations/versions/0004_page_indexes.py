"""pages at city scale: covering indexes for the coverage figures of the dashboard

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 08:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # bins in service per community and category, counted from the index alone
    op.create_index('ix_sorting_bins_status_community_category', 'sorting_bins',
                    ['status', 'community_id', 'category'], unique=False)
    # households that started sorting this month, per community, from the index alone
    op.create_index('ix_households_sorting_since_community', 'households',
                    ['sorting_since', 'community_id'], unique=False)
    op.drop_index('ix_households_sorting_since', table_name='households')


def downgrade():
    op.create_index('ix_households_sorting_since', 'households', ['sorting_since'],
                    unique=False)
    op.drop_index('ix_households_sorting_since_community', table_name='households')
    op.drop_index('ix_sorting_bins_status_community_category', table_name='sorting_bins')
