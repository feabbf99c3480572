"""rankings and forecasts: the ranking report kind, and the figures made once a day

The report kind and the subscription kind ``ranking`` (the monthly 红黑榜), which, like
capacity reports, is for the whole city and never daily; and ``daily_figures``, where the
capacity forecast is kept once it is made for a day (one row per kind, scope and local day).

As in 0009 and 0010, a kind is a CHECK constraint on a VARCHAR (``native_enum=False``), so a
new kind is a new constraint (SQLite: batch mode copies the table, with foreign keys off while
it does).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 18:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

REPORT_KINDS_0010 = ('coverage', 'capacity')
SUBSCRIPTION_KINDS_0010 = ('coverage', 'capacity', 'alert')


def _in(column, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite: foreign keys off while a table is copied, on again after checking that none
    points nowhere; the pragma needs an autocommit block."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    if on:
        broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').all()
        if broken:
            raise RuntimeError(f"foreign keys broken after copying a table: {broken[:5]}")
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _set_kinds(report_kinds, subscription_kinds, *, ranking_rule: bool) -> None:
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reports_report_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_reports_report_kind'),
                                         _in('kind', report_kinds))
    with op.batch_alter_table('report_subscriptions', schema=None) as batch_op:
        if not ranking_rule:
            batch_op.drop_constraint(op.f('ck_report_subscriptions_ranking_city'),
                                     type_='check')
        batch_op.drop_constraint(op.f('ck_report_subscriptions_subscription_kind'),
                                 type_='check')
        batch_op.create_check_constraint(op.f('ck_report_subscriptions_subscription_kind'),
                                         _in('kind', subscription_kinds))
        if ranking_rule:
            batch_op.create_check_constraint(
                op.f('ck_report_subscriptions_ranking_city'),
                "kind != 'ranking' OR (period != 'day' AND district_id IS NULL)")
    _sqlite_foreign_keys(True)


def upgrade():
    _set_kinds((*REPORT_KINDS_0010, 'ranking'), (*SUBSCRIPTION_KINDS_0010, 'ranking'),
               ranking_rule=True)
    op.create_table('daily_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('scope', sa.String(length=24), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_figures')),
    sa.UniqueConstraint('kind', 'scope', 'made_on', name='uq_daily_figures_kind_scope_made_on')
    )


def downgrade():
    op.drop_table('daily_figures')
    # Ranking reports and subscriptions cannot be kept under 0010's kinds: they go.
    op.execute("DELETE FROM report_deliveries WHERE report_id IN "
               "(SELECT id FROM reports WHERE kind = 'ranking')")
    op.execute("DELETE FROM report_deliveries WHERE subscription_id IN "
               "(SELECT id FROM report_subscriptions WHERE kind = 'ranking')")
    op.execute("DELETE FROM reports WHERE kind = 'ranking'")
    op.execute("DELETE FROM report_subscriptions WHERE kind = 'ranking'")
    _set_kinds(REPORT_KINDS_0010, SUBSCRIPTION_KINDS_0010, ranking_rule=False)
