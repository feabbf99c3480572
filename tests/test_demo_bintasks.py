"""The demo city's bin problems: 90 days of tasks with their reports, most resolved on time,
some late, a few rejected, some open and overdue (the slow streets most), the seed's damaged
bins held out of service by an acknowledged task and its removed ones taken away by one; at
most one open task per bin and kind, and every task whole (the database's checks); and the
service carries on from the demo's rows (the id sequences moved past them)."""

import datetime as dt

from sqlalchemy import func, select

from wastesort.bins.models import BinStatus, SortingBin
from wastesort.bintasks import reporting
from wastesort.bintasks.models import ACTIVE, BinProblemReport, BinTask, BinTaskStatus
from wastesort.demo.seed import seed_demo
from wastesort.metrics import bintasks as figures
from wastesort.timeutil import utcnow

TODAY = dt.date(2026, 11, 29)


def count(db, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(BinTask).where(*where))


def test_ninety_days_of_bin_tasks(db):
    seed_demo(scale="sample", days=1, today=TODAY, inspection_days=30)
    tasks = count(db)
    assert 4_000 < tasks < 15_000, tasks
    reports = db.session.scalar(select(func.count()).select_from(BinProblemReport))
    assert tasks * 1.15 < reports < tasks * 1.6
    first = db.session.scalar(select(func.min(BinTask.opened_at)))
    assert first >= dt.datetime.combine(TODAY - dt.timedelta(days=89), dt.time(0),
                                        tzinfo=dt.UTC) - dt.timedelta(hours=8)
    resolved = count(db, BinTask.status == BinTaskStatus.RESOLVED)
    on_time = count(db, BinTask.status == BinTaskStatus.RESOLVED,
                    BinTask.closed_at <= BinTask.due_at)
    assert 0.75 < on_time / resolved < 0.95  # most within their due time
    rejected = count(db, BinTask.status == BinTaskStatus.REJECTED)
    assert 0.02 < rejected / tasks < 0.08
    now = utcnow()
    overdue = count(db, figures.overdue_at(now))
    assert 20 < overdue < tasks * 0.1
    districts = figures.by_district(now)
    assert sum(d["overdue"] for d in districts) == overdue and len(districts) == 9
    # one open task per bin and kind (the partial unique index would have refused more)
    doubled = db.session.execute(
        select(BinTask.sorting_bin_id, BinTask.kind).where(BinTask.status.in_(ACTIVE))
        .group_by(BinTask.sorting_bin_id, BinTask.kind).having(func.count() > 1)).all()
    assert doubled == []
    # the seed's damaged bins are held out by an acknowledged task; its removed ones were
    # taken away by a resolved one
    damaged = set(db.session.scalars(select(SortingBin.id)
                                     .where(SortingBin.status == BinStatus.DAMAGED)))
    held = set(db.session.scalars(select(BinTask.sorting_bin_id).where(
        BinTask.status == BinTaskStatus.ACKNOWLEDGED, BinTask.bin_taken_out_of_service)))
    assert held and held <= damaged and len(held) > len(damaged) * 0.8
    removed = db.session.scalar(select(func.count()).select_from(SortingBin)
                                .where(SortingBin.status == BinStatus.REMOVED))
    assert count(db, BinTask.bin_removed) == removed
    # the median time to resolve of the last week: hours, not days
    start = figures.day_start(TODAY - dt.timedelta(days=6))
    week = figures.task_counts(start, figures.day_start(TODAY + dt.timedelta(days=1)))
    assert 1 < week["median_hours_to_resolve"] < 24 and week["resolved"] > 100


def test_the_service_carries_on_from_the_demo(db):
    seed_demo(scale="sample", days=0, today=TODAY, inspection_days=0)
    last = db.session.scalar(select(func.max(BinTask.id)))
    admin_id = db.session.scalar(select(BinTask.closed_by_id).where(
        BinTask.closed_by_id.is_not(None)).limit(1))
    from wastesort.accounts.models import Role, User

    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN)) or User(
        username="admin-demo", password_hash="!", role=Role.ADMIN)
    db.session.add(admin)
    db.session.commit()
    quiet = db.session.scalar(select(SortingBin).where(
        SortingBin.status == BinStatus.IN_SERVICE,
        ~SortingBin.id.in_(select(BinTask.sorting_bin_id).where(BinTask.status.in_(ACTIVE)))))
    outcome = reporting.report_problem(admin, {"sorting_bin_id": quiet.id, "kind": "full"})
    assert outcome.report.task_id == last + 1 and admin_id is not None
