"""inspections: the inspector role, inspections, their photos and the daily inspection tally

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 09:20:27

The role column is a VARCHAR with a CHECK constraint on both databases (``native_enum=False``,
no PostgreSQL enum type), so a new role is a new constraint: dropped and made again with
``inspector`` (PostgreSQL: two ALTER TABLE statements; SQLite: batch mode copies ``users``,
with its other constraints, into a new table). An inspector, like a street administrator,
has a township. The tally starts empty, as the inspections do.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ROLES_0008 = ('admin', 'manager', 'street_admin', 'point_staff')
ROLES = (*ROLES_0008, 'inspector')


def _role_check(roles) -> str:
    return "role IN (" + ", ".join(f"'{role}'" for role in roles) + ")"


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite: foreign keys off while ``users`` is copied (dropping the old table would
    otherwise fail on every token, session and posting that refers to a user: SQLite's own
    procedure for schema changes, https://sqlite.org/lang_altertable.html#otheralter), and on
    again after checking that none points nowhere. The pragma is ignored inside a transaction,
    hence the autocommit block."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    if on:
        broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').all()
        if broken:
            raise RuntimeError(f"foreign keys broken after copying users: {broken[:5]}")
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _set_roles(roles, *, inspector_rule: bool) -> None:
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        if not inspector_rule:
            batch_op.drop_constraint(op.f('ck_users_inspector_has_township'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_user_role'), _role_check(roles))
        if inspector_rule:
            batch_op.create_check_constraint(op.f('ck_users_inspector_has_township'),
                                             "role != 'inspector' OR township_id IS NOT NULL")
    _sqlite_foreign_keys(True)


def upgrade():
    _set_roles(ROLES, inspector_rule=True)

    op.create_table('daily_inspection_tally',
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('inspections', sa.Integer(), nullable=False),
    sa.Column('households_seen', sa.Integer(), nullable=False),
    sa.Column('households_sorted', sa.Integer(), nullable=False),
    sa.Column('items_inspected', sa.Integer(), nullable=False),
    sa.Column('items_correct', sa.Integer(), nullable=False),
    sa.Column('contaminated_recyclable', sa.Integer(), nullable=False),
    sa.Column('contaminated_hazardous', sa.Integer(), nullable=False),
    sa.Column('contaminated_kitchen', sa.Integer(), nullable=False),
    sa.Column('contaminated_residual', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_daily_inspection_tally_community_id_communities')),
    sa.PrimaryKeyConstraint('inspected_on', 'community_id', name=op.f('pk_daily_inspection_tally'))
    )
    with op.batch_alter_table('daily_inspection_tally', schema=None) as batch_op:
        batch_op.create_index('ix_daily_inspection_tally_community_inspected_on', ['community_id', 'inspected_on'], unique=False)

    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('recycling_point_id', sa.Integer(), nullable=True),
    sa.Column('sorting_bin_id', sa.Integer(), nullable=True),
    sa.Column('inspected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('households_seen', sa.Integer(), nullable=False),
    sa.Column('households_sorted', sa.Integer(), nullable=False),
    sa.Column('items_inspected', sa.Integer(), nullable=False),
    sa.Column('items_correct', sa.Integer(), nullable=False),
    sa.Column('contaminated_recyclable', sa.Integer(), nullable=False),
    sa.Column('contaminated_hazardous', sa.Integer(), nullable=False),
    sa.Column('contaminated_kitchen', sa.Integer(), nullable=False),
    sa.Column('contaminated_residual', sa.Integer(), nullable=False),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.String(length=200), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('NOT voided OR void_reason IS NOT NULL', name=op.f('ck_inspections_void_has_reason')),
    sa.CheckConstraint('contaminated_recyclable + contaminated_hazardous + contaminated_kitchen + contaminated_residual <= items_inspected - items_correct', name=op.f('ck_inspections_contaminated_at_most_incorrect')),
    sa.CheckConstraint('contaminated_recyclable >= 0 AND contaminated_hazardous >= 0 AND contaminated_kitchen >= 0 AND contaminated_residual >= 0', name=op.f('ck_inspections_contaminated_not_negative')),
    sa.CheckConstraint('households_seen >= 0 AND households_sorted >= 0', name=op.f('ck_inspections_households_not_negative')),
    sa.CheckConstraint('households_sorted <= households_seen', name=op.f('ck_inspections_sorted_at_most_seen')),
    sa.CheckConstraint('items_correct <= items_inspected', name=op.f('ck_inspections_correct_at_most_inspected')),
    sa.CheckConstraint('items_inspected >= 0 AND items_correct >= 0', name=op.f('ck_inspections_items_not_negative')),
    sa.CheckConstraint('recycling_point_id IS NULL OR sorting_bin_id IS NULL', name=op.f('ck_inspections_point_or_bin')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_inspections_community_id_communities')),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_inspections_inspector_id_users')),
    sa.ForeignKeyConstraint(['recycling_point_id'], ['recycling_points.id'], name=op.f('fk_inspections_recycling_point_id_recycling_points')),
    sa.ForeignKeyConstraint(['sorting_bin_id'], ['sorting_bins.id'], name=op.f('fk_inspections_sorting_bin_id_sorting_bins')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_inspections_voided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index('ix_inspections_community_inspected_on', ['community_id', 'inspected_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_recycling_point_id'), ['recycling_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_sorting_bin_id'), ['sorting_bin_id'], unique=False)
        batch_op.create_index('uq_inspections_inspector_idempotency_key', ['inspector_id', 'idempotency_key'], unique=True)

    op.create_table('inspection_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('storage_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_inspection_photos_size_positive')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_photos_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_inspection_photos_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_photos')),
    sa.UniqueConstraint('storage_name', name=op.f('uq_inspection_photos_storage_name'))
    )
    with op.batch_alter_table('inspection_photos', schema=None) as batch_op:
        batch_op.create_index('uq_inspection_photos_inspection_sha256', ['inspection_id', 'sha256'], unique=True)


def downgrade():
    # Inspectors cannot be kept under 0008's roles: refuse rather than lose them.
    inspectors = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM users WHERE role = 'inspector'"))
    if inspectors:
        raise RuntimeError(f"{inspectors} users are inspectors, a role 0008 does not know: "
                           "give them another role (or delete them) before downgrading")
    with op.batch_alter_table('inspection_photos', schema=None) as batch_op:
        batch_op.drop_index('uq_inspection_photos_inspection_sha256')

    op.drop_table('inspection_photos')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index('uq_inspections_inspector_idempotency_key')
        batch_op.drop_index(batch_op.f('ix_inspections_sorting_bin_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_recycling_point_id'))
        batch_op.drop_index('ix_inspections_community_inspected_on')

    op.drop_table('inspections')
    with op.batch_alter_table('daily_inspection_tally', schema=None) as batch_op:
        batch_op.drop_index('ix_daily_inspection_tally_community_inspected_on')

    op.drop_table('daily_inspection_tally')
    _set_roles(ROLES_0008, inspector_rule=False)
