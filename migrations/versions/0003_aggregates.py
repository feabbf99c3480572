"""aggregates: household_tallies (monthly) and daily_tonnage, filled from the existing rows

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('household_tallies',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('joined_month', sa.Date(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_household_tallies_community_id_communities')),
    sa.PrimaryKeyConstraint('community_id', 'joined_month', name=op.f('pk_household_tallies'))
    )
    op.create_table('daily_tonnage',
    sa.Column('collected_on', sa.Date(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('recyclable', 'hazardous', 'kitchen', 'residual', name='tonnage_category', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('weight_kg', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_daily_tonnage_township_id_townships')),
    sa.PrimaryKeyConstraint('collected_on', 'township_id', 'category', name=op.f('pk_daily_tonnage'))
    )
    op.create_index('ix_households_sorting_since', 'households', ['sorting_since'], unique=False)
    # Fill both from the rows already there, so an upgraded database has no drift.
    if op.get_bind().dialect.name == 'postgresql':
        month = "CAST(date_trunc('month', sorting_since) AS DATE)"
    else:
        month = "date(sorting_since, 'start of month')"
    op.execute(
        "INSERT INTO household_tallies (community_id, joined_month, households) "
        f"SELECT community_id, COALESCE({month}, '9999-12-01'), COUNT(*) FROM households "
        f"GROUP BY community_id, COALESCE({month}, '9999-12-01')"
    )
    op.execute(
        "INSERT INTO daily_tonnage (collected_on, township_id, category, weight_kg, records) "
        "SELECT c.collected_on, p.township_id, c.category, SUM(c.weight_kg), COUNT(*) "
        "FROM collections c JOIN recycling_points p ON p.id = c.recycling_point_id "
        "WHERE NOT c.voided GROUP BY c.collected_on, p.township_id, c.category"
    )


def downgrade():
    op.drop_index('ix_households_sorting_since', table_name='households')
    op.drop_table('daily_tonnage')
    op.drop_table('household_tallies')
