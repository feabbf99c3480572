"""facility intake: operators, capacity history, landfill, weighbridge tickets, daily intake

The facility operator role, a capacity history per facility, the facility type landfill,
weighbridge tickets with their daily intake, and facility and stream alerts.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:00:00

As in 0009, a role and a facility type are CHECK constraints (VARCHAR, ``native_enum=False``),
so adding one is a new constraint (SQLite: batch mode copies the table, with foreign keys off
while it does). A facility operator has one treatment facility. Every facility's capacity
history starts with the capacity it has now (0 if it is not active), in force since
2000-01-01: no older history is known, and so every past day keeps the capacity the figures
gave it before. The tickets, their daily intake and the facility alerts start empty.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

ROLES_0009 = ('admin', 'manager', 'street_admin', 'point_staff', 'inspector')
ROLES = (*ROLES_0009, 'facility_operator')
TYPES_0009 = ('incineration', 'kitchen_waste', 'hazardous_waste', 'recyclables_sorting', 'other')
TYPES = (*TYPES_0009, 'landfill')
STREAMS = ('recyclable', 'hazardous', 'kitchen', 'residual')
HISTORY_STARTS = '2000-01-01'


def _in(column, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite: foreign keys off while a table is copied (as 0009 does for ``users``), on again
    after checking that none points nowhere; the pragma needs an autocommit block."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    if on:
        broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').all()
        if broken:
            raise RuntimeError(f"foreign keys broken after copying a table: {broken[:5]}")
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('treatment_facilities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_treatment_facilities_facility_type'), type_='check')
        batch_op.create_check_constraint(op.f('ck_treatment_facilities_facility_type'),
                                         _in('facility_type', TYPES))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('treatment_facility_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_users_treatment_facility_id_treatment_facilities'),
                                    'treatment_facilities', ['treatment_facility_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_user_role'), _in('role', ROLES))
        batch_op.create_check_constraint(
            op.f('ck_users_facility_operator_has_facility'),
            "role != 'facility_operator' OR treatment_facility_id IS NOT NULL")
    _sqlite_foreign_keys(True)

    op.create_table('facility_capacities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('treatment_facility_id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('capacity_t_per_day', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity_t_per_day >= 0', name=op.f('ck_facility_capacities_capacity_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_facility_capacities_created_by_id_users')),
    sa.ForeignKeyConstraint(['treatment_facility_id'], ['treatment_facilities.id'], name=op.f('fk_facility_capacities_treatment_facility_id_treatment_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_capacities')),
    sa.UniqueConstraint('treatment_facility_id', 'effective_from', name='uq_facility_capacities_facility_effective_from')
    )
    op.execute(
        "INSERT INTO facility_capacities (treatment_facility_id, effective_from, "
        "capacity_t_per_day, note, created_at) "
        f"SELECT id, '{HISTORY_STARTS}', CASE WHEN active THEN capacity_t_per_day ELSE 0 END, "
        "NULL, CURRENT_TIMESTAMP FROM treatment_facilities")

    op.create_table('weighbridge_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('treatment_facility_id', sa.Integer(), nullable=False),
    sa.Column('ticket_number', sa.String(length=40), nullable=False),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('arrived_on', sa.Date(), nullable=False),
    sa.Column('stream', _enum('ticket_stream', STREAMS), nullable=False),
    sa.Column('net_weight_kg', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('vehicle_plate', sa.String(length=16), nullable=True),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.String(length=200), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('NOT voided OR void_reason IS NOT NULL', name=op.f('ck_weighbridge_tickets_void_has_reason')),
    sa.CheckConstraint('net_weight_kg > 0', name=op.f('ck_weighbridge_tickets_weight_positive')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_weighbridge_tickets_posted_by_id_users')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_weighbridge_tickets_township_id_townships')),
    sa.ForeignKeyConstraint(['treatment_facility_id'], ['treatment_facilities.id'], name=op.f('fk_weighbridge_tickets_treatment_facility_id_treatment_facilities')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_weighbridge_tickets_voided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weighbridge_tickets'))
    )
    named = "NOT voided AND township_id IS NOT NULL"
    with op.batch_alter_table('weighbridge_tickets', schema=None) as batch_op:
        batch_op.create_index('uq_weighbridge_tickets_facility_number', ['treatment_facility_id', 'ticket_number'], unique=True)
        batch_op.create_index('ix_weighbridge_tickets_facility_arrived_on', ['treatment_facility_id', 'arrived_on'], unique=False)
        batch_op.create_index('ix_weighbridge_tickets_named_township', ['arrived_on', 'township_id', 'stream', 'net_weight_kg', 'voided'], unique=False,
                              sqlite_where=sa.text(named), postgresql_where=sa.text(named))

    op.create_table('daily_intake',
    sa.Column('arrived_on', sa.Date(), nullable=False),
    sa.Column('treatment_facility_id', sa.Integer(), nullable=False),
    sa.Column('stream', _enum('intake_stream', STREAMS), nullable=False),
    sa.Column('weight_kg', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['treatment_facility_id'], ['treatment_facilities.id'], name=op.f('fk_daily_intake_treatment_facility_id_treatment_facilities')),
    sa.PrimaryKeyConstraint('arrived_on', 'treatment_facility_id', 'stream', name=op.f('pk_daily_intake'))
    )

    op.create_table('intake_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('level', _enum('intake_alert_level', ('warning', 'over', 'gap')), nullable=False),
    sa.Column('treatment_facility_id', sa.Integer(), nullable=True),
    sa.Column('stream', _enum('intake_alert_stream', STREAMS), nullable=True),
    sa.Column('figure_t', sa.Double(), nullable=False),
    sa.Column('reference_t', sa.Double(), nullable=False),
    sa.Column('percent', sa.Double(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(treatment_facility_id IS NULL) != (stream IS NULL)', name=op.f('ck_intake_alerts_facility_or_stream')),
    sa.ForeignKeyConstraint(['treatment_facility_id'], ['treatment_facilities.id'], name=op.f('fk_intake_alerts_treatment_facility_id_treatment_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_alerts')),
    sa.UniqueConstraint('day', 'subject', 'level', name='uq_intake_alerts_day_subject_level')
    )
    with op.batch_alter_table('report_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intake_alert_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_report_deliveries_intake_alert_id_intake_alerts'),
                                    'intake_alerts', ['intake_alert_id'], ['id'])
        batch_op.create_unique_constraint('uq_report_deliveries_intake_alert_subscription',
                                          ['intake_alert_id', 'subscription_id'])
        batch_op.drop_constraint(op.f('ck_report_deliveries_report_or_alert'), type_='check')
        batch_op.create_check_constraint(op.f('ck_report_deliveries_report_or_alert'), ONE_TARGET)


ONE_TARGET = ("(CASE WHEN report_id IS NULL THEN 0 ELSE 1 END) + "
              "(CASE WHEN alert_id IS NULL THEN 0 ELSE 1 END) + "
              "(CASE WHEN intake_alert_id IS NULL THEN 0 ELSE 1 END) = 1")


def downgrade():
    operators = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM users WHERE role = 'facility_operator'"))
    landfills = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM treatment_facilities WHERE facility_type = 'landfill'"))
    if operators or landfills:
        raise RuntimeError(f"{operators} users are facility operators and {landfills} facilities "
                           "are landfills, which 0009 does not know: change or delete them "
                           "before downgrading")
    op.execute("DELETE FROM report_deliveries WHERE intake_alert_id IS NOT NULL")
    with op.batch_alter_table('report_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_report_deliveries_report_or_alert'), type_='check')
        batch_op.create_check_constraint(op.f('ck_report_deliveries_report_or_alert'),
                                         '(report_id IS NULL) != (alert_id IS NULL)')
        batch_op.drop_constraint('uq_report_deliveries_intake_alert_subscription', type_='unique')
        batch_op.drop_constraint(op.f('fk_report_deliveries_intake_alert_id_intake_alerts'),
                                 type_='foreignkey')
        batch_op.drop_column('intake_alert_id')
    op.drop_table('intake_alerts')
    op.drop_table('daily_intake')
    with op.batch_alter_table('weighbridge_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_weighbridge_tickets_named_township')
        batch_op.drop_index('ix_weighbridge_tickets_facility_arrived_on')
        batch_op.drop_index('uq_weighbridge_tickets_facility_number')
    op.drop_table('weighbridge_tickets')
    op.drop_table('facility_capacities')
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_facility_operator_has_facility'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_user_role'), _in('role', ROLES_0009))
        batch_op.drop_constraint(op.f('fk_users_treatment_facility_id_treatment_facilities'),
                                 type_='foreignkey')
        batch_op.drop_column('treatment_facility_id')
    with op.batch_alter_table('treatment_facilities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_treatment_facilities_facility_type'), type_='check')
        batch_op.create_check_constraint(op.f('ck_treatment_facilities_facility_type'),
                                         _in('facility_type', TYPES_0009))
    _sqlite_foreign_keys(True)
