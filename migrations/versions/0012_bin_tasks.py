"""bin tasks: reports of full, damaged, dirty or missing bins, and the task each opens

One task per bin and kind while it is open or acknowledged: a partial unique index (the same
``WHERE status IN ('open', 'acknowledged')`` on SQLite and PostgreSQL), so a second report of
an open problem joins the first task instead of opening another. Reports are unique per
reporter and idempotency key, as collections and inspections are. Both tables start empty.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 10:12:50
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bin_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sorting_bin_id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('full', 'damaged', 'dirty', 'missing', name='bin_problem_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('status', sa.Enum('open', 'acknowledged', 'resolved', 'rejected', name='bin_task_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('minutes_to_close', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.String(length=500), nullable=True),
    sa.Column('reject_reason', sa.String(length=200), nullable=True),
    sa.Column('bin_taken_out_of_service', sa.Boolean(), nullable=False),
    sa.Column('bin_removed', sa.Boolean(), nullable=False),
    sa.CheckConstraint("(status IN ('open', 'acknowledged') AND closed_at IS NULL AND closed_by_id IS NULL AND minutes_to_close IS NULL) OR (status IN ('resolved', 'rejected') AND closed_at IS NOT NULL AND closed_by_id IS NOT NULL AND minutes_to_close >= 0)", name=op.f('ck_bin_tasks_closed_when_ended')),
    sa.CheckConstraint("NOT bin_removed OR status = 'resolved'", name=op.f('ck_bin_tasks_removed_when_resolved')),
    sa.CheckConstraint("status != 'rejected' OR reject_reason IS NOT NULL", name=op.f('ck_bin_tasks_rejected_has_reason')),
    sa.CheckConstraint('acknowledged_at IS NULL OR acknowledged_by_id IS NOT NULL', name=op.f('ck_bin_tasks_acknowledged_by_someone')),
    sa.CheckConstraint('due_at > opened_at', name=op.f('ck_bin_tasks_due_after_opened')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_bin_tasks_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_bin_tasks_closed_by_id_users')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_bin_tasks_opened_by_id_users')),
    sa.ForeignKeyConstraint(['sorting_bin_id'], ['sorting_bins.id'], name=op.f('fk_bin_tasks_sorting_bin_id_sorting_bins')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_bin_tasks_township_id_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bin_tasks'))
    )
    with op.batch_alter_table('bin_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_bin_tasks_closed_at_opened_at', ['closed_at', 'opened_at', 'due_at', 'status', 'township_id', 'minutes_to_close'], unique=False)
        batch_op.create_index('ix_bin_tasks_status_closed_at', ['status', 'closed_at', 'minutes_to_close'], unique=False)
        batch_op.create_index(batch_op.f('ix_bin_tasks_sorting_bin_id'), ['sorting_bin_id'], unique=False)
        batch_op.create_index('ix_bin_tasks_township_status_due', ['township_id', 'status', 'due_at'], unique=False)
        batch_op.create_index('uq_bin_tasks_active_bin_kind', ['sorting_bin_id', 'kind'], unique=True, sqlite_where=sa.text("status IN ('open', 'acknowledged')"), postgresql_where=sa.text("status IN ('open', 'acknowledged')"))

    op.create_table('bin_problem_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('photo_storage_name', sa.String(length=80), nullable=True),
    sa.Column('photo_content_type', sa.String(length=40), nullable=True),
    sa.Column('photo_size_bytes', sa.Integer(), nullable=True),
    sa.Column('photo_sha256', sa.String(length=64), nullable=True),
    sa.CheckConstraint('(photo_storage_name IS NULL AND photo_content_type IS NULL AND photo_size_bytes IS NULL AND photo_sha256 IS NULL) OR (photo_storage_name IS NOT NULL AND photo_content_type IS NOT NULL AND photo_size_bytes > 0 AND photo_sha256 IS NOT NULL)', name=op.f('ck_bin_problem_reports_photo_whole')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_bin_problem_reports_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_bin_problem_reports_reported_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['bin_tasks.id'], name=op.f('fk_bin_problem_reports_task_id_bin_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bin_problem_reports')),
    sa.UniqueConstraint('photo_storage_name', name=op.f('uq_bin_problem_reports_photo_storage_name'))
    )
    with op.batch_alter_table('bin_problem_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bin_problem_reports_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bin_problem_reports_task_id'), ['task_id'], unique=False)
        batch_op.create_index('uq_bin_problem_reports_reporter_idempotency_key', ['reported_by_id', 'idempotency_key'], unique=True)



def downgrade():
    with op.batch_alter_table('bin_problem_reports', schema=None) as batch_op:
        batch_op.drop_index('uq_bin_problem_reports_reporter_idempotency_key')
        batch_op.drop_index(batch_op.f('ix_bin_problem_reports_task_id'))
        batch_op.drop_index(batch_op.f('ix_bin_problem_reports_inspection_id'))

    op.drop_table('bin_problem_reports')
    with op.batch_alter_table('bin_tasks', schema=None) as batch_op:
        batch_op.drop_index('uq_bin_tasks_active_bin_kind', sqlite_where=sa.text("status IN ('open', 'acknowledged')"), postgresql_where=sa.text("status IN ('open', 'acknowledged')"))
        batch_op.drop_index('ix_bin_tasks_township_status_due')
        batch_op.drop_index(batch_op.f('ix_bin_tasks_sorting_bin_id'))
        batch_op.drop_index('ix_bin_tasks_status_closed_at')
        batch_op.drop_index('ix_bin_tasks_closed_at_opened_at')

    op.drop_table('bin_tasks')
