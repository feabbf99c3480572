"""Bin tasks and the reports that open or join them.

A report says "this bin is full (damaged, dirty, missing)". The first report of a problem opens
a **task** for the administrator of the bin's town or street, due a number of hours later by
kind (``BIN_TASK_DUE_HOURS``); a report of the same problem while that task is still open or
acknowledged joins it. At most one such task per bin and kind is the database's rule: a partial
unique index over (bin, kind) where the status is open or acknowledged. A task ends resolved or
rejected, each a conditional UPDATE (:mod:`wastesort.bintasks.service`). A task is overdue
(escalated) while it is open or acknowledged after ``due_at``: computed, never stored, so the
clock alone escalates it.
"""

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..areas.models import Township
from ..bins.models import SortingBin
from ..enums import enum_column_type
from ..extensions import db
from ..timeutil import utcnow
from ..types import UtcDateTime


class BinProblemKind(enum.StrEnum):
    FULL = "full"
    DAMAGED = "damaged"
    DIRTY = "dirty"
    MISSING = "missing"


# Kinds that take a bin out of service once the administrator acknowledges them (BinStatus
# has no "missing": ``damaged`` is the status of a bin that cannot be used until it is repaired
# or replaced).
OUT_OF_SERVICE = (BinProblemKind.DAMAGED, BinProblemKind.MISSING)


class BinTaskStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    REJECTED = "rejected"


ACTIVE = (BinTaskStatus.OPEN, BinTaskStatus.ACKNOWLEDGED)
ACTIVE_SQL = "status IN ('open', 'acknowledged')"


class BinTask(db.Model):
    __tablename__ = "bin_tasks"
    __table_args__ = (
        # one open (or acknowledged) task per bin and kind: a second report joins it
        Index("uq_bin_tasks_active_bin_kind", "sorting_bin_id", "kind", unique=True,
              sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL)),
        # a street's list (active ones by due time) and the district and city counts
        Index("ix_bin_tasks_township_status_due", "township_id", "status", "due_at"),
        # what was open at an instant or in a period (the figures): those still open and those
        # closed since, each a range of this index, which holds every column the figures read
        # (metrics/bintasks.py, open_between); the resolutions of a period and their median
        Index("ix_bin_tasks_closed_at_opened_at", "closed_at", "opened_at", "due_at", "status",
              "township_id", "minutes_to_close"),
        Index("ix_bin_tasks_status_closed_at", "status", "closed_at", "minutes_to_close"),
        CheckConstraint("due_at > opened_at", name="due_after_opened"),
        CheckConstraint(
            f"({ACTIVE_SQL} AND closed_at IS NULL AND closed_by_id IS NULL "
            "AND minutes_to_close IS NULL) OR (status IN ('resolved', 'rejected') AND "
            "closed_at IS NOT NULL AND closed_by_id IS NOT NULL AND minutes_to_close >= 0)",
            name="closed_when_ended"),
        CheckConstraint("status != 'rejected' OR reject_reason IS NOT NULL",
                        name="rejected_has_reason"),
        CheckConstraint("acknowledged_at IS NULL OR acknowledged_by_id IS NOT NULL",
                        name="acknowledged_by_someone"),
        CheckConstraint("NOT bin_removed OR status = 'resolved'", name="removed_when_resolved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sorting_bin_id: Mapped[int] = mapped_column(ForeignKey("sorting_bins.id"), index=True)
    # the bin's town or street when the task was opened: whose administrator's task it is
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    kind: Mapped[BinProblemKind] = mapped_column(enum_column_type(BinProblemKind,
                                                                  "bin_problem_kind"))
    status: Mapped[BinTaskStatus] = mapped_column(
        enum_column_type(BinTaskStatus, "bin_task_status"), default=BinTaskStatus.OPEN)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())  # resolved or rejected
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # whole minutes from opened_at to closed_at: the median time to resolve sorts these
    minutes_to_close: Mapped[int | None]
    resolution_note: Mapped[str | None] = mapped_column(String(500))
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    # acknowledging a damaged or missing bin took it out of service (in service → damaged)
    bin_taken_out_of_service: Mapped[bool] = mapped_column(default=False)
    bin_removed: Mapped[bool] = mapped_column(default=False)  # resolved by taking the bin away

    sorting_bin: Mapped[SortingBin] = relationship()
    township: Mapped[Township] = relationship()
    reports: Mapped[list["BinProblemReport"]] = relationship(
        back_populates="task", order_by="BinProblemReport.id")


class BinProblemReport(db.Model):
    """One person's report of a bin problem, joined to the task it opened or joined.

    Idempotent as collections are: the ``idempotency_key`` is unique per reporter, so a phone
    that sends a report again is answered with the first. An optional photo lives in the
    instance folder (:mod:`wastesort.storage`); the row keeps its name, type, size and hash."""

    __tablename__ = "bin_problem_reports"
    __table_args__ = (
        Index("uq_bin_problem_reports_reporter_idempotency_key", "reported_by_id",
              "idempotency_key", unique=True),
        CheckConstraint(
            "(photo_storage_name IS NULL AND photo_content_type IS NULL AND "
            "photo_size_bytes IS NULL AND photo_sha256 IS NULL) OR "
            "(photo_storage_name IS NOT NULL AND photo_content_type IS NOT NULL AND "
            "photo_size_bytes > 0 AND photo_sha256 IS NOT NULL)", name="photo_whole"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("bin_tasks.id"), index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(String(500))
    # reported during this inspection (an inspection may report several problems)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    photo_storage_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    photo_content_type: Mapped[str | None] = mapped_column(String(40))
    photo_size_bytes: Mapped[int | None]
    photo_sha256: Mapped[str | None] = mapped_column(String(64))

    task: Mapped[BinTask] = relationship(back_populates="reports")
