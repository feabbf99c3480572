"""Bin task figures (docs/metrics.md, "Bin problems"): how many tasks are open and overdue at
an instant, how many were opened, resolved and rejected in a period, how many were resolved on
time, and the median time to resolve; by city, district and town or street.

A task is **open at an instant** T when it was opened by T and not closed by then
(``opened_at <= T`` and ``closed_at`` empty or later than T), whatever its status today: a
report of a past day counts what was open at that day's end, not what is open now. It is
**overdue** (escalated) at T when it is open at T and its ``due_at`` is before T. The time to
resolve is ``closed_at - opened_at`` of a resolved task (whole minutes, stored when it is
resolved); the median is taken over the tasks resolved in the period (rejected ones are not
resolutions), in SQL: the middle row (or the mean of the two middle rows) of their minutes in
order.
"""

import datetime as dt

from sqlalchemy import and_, case, func, or_, select, union_all

from ..areas.models import Community, District, Township
from ..bins.models import SortingBin
from ..bintasks.models import BinTask, BinTaskStatus
from ..extensions import db
from ..timeutil import city_zone, utcnow

OVERDUE_SHOWN = 20  # the most overdue tasks a report lists (the counts cover them all)
STREET_SHOWN = 10  # the tasks "my street today" lists


def day_start(day: dt.date) -> dt.datetime:
    """The instant a local day starts in the city."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=city_zone())


def open_at(instant: dt.datetime, t=BinTask):
    """The definition, row by row: opened by ``instant`` and not closed by then (``t``: the
    tasks, or :func:`open_between`'s rows)."""
    return and_(t.opened_at <= instant, or_(t.closed_at.is_(None), t.closed_at > instant))


def overdue_at(instant: dt.datetime, t=BinTask):
    return and_(open_at(instant, t), t.due_at < instant)


# what the figures read of a task: all in the index (closed_at, opened_at, …), read alone
COLUMNS = ("closed_at", "opened_at", "due_at", "status", "township_id", "minutes_to_close")


def open_between(since: dt.datetime, until: dt.datetime, *, with_id: bool = False):
    """The tasks open at some moment from ``since`` to ``until`` (as rows of :data:`COLUMNS`):
    those still open and those closed since, opened by ``until``, each a range of the index
    (closed_at, opened_at, …) that holds every column read. Written as one OR over the table,
    both databases walked it whole by ``opened_at`` instead (SQLite: 300 ms for the city's
    130,000 tasks against 10 ms)."""
    columns = [getattr(BinTask, name) for name in COLUMNS] + ([BinTask.id] if with_id else [])
    return union_all(
        select(*columns).where(BinTask.closed_at.is_(None), BinTask.opened_at <= until),
        select(*columns).where(BinTask.closed_at >= since, BinTask.opened_at <= until),
    ).subquery("tasks")


def _scope(t, district_id: int | None = None, township_id: int | None = None) -> list:
    where = []
    if township_id is not None:
        where.append(t.township_id == township_id)
    if district_id is not None:
        where.append(t.township_id.in_(select(Township.id)
                                       .where(Township.district_id == district_id)))
    return where


def _resolved_in(start: dt.datetime, end: dt.datetime):
    return and_(BinTask.status == BinTaskStatus.RESOLVED, BinTask.closed_at >= start,
                BinTask.closed_at < end)


def median_minutes(where: list) -> float | None:
    """The median of ``minutes_to_close`` over the tasks matching ``where``; None for none."""
    count = db.session.scalar(select(func.count()).select_from(BinTask).where(*where))
    if not count:
        return None
    middle = db.session.scalars(select(BinTask.minutes_to_close).where(*where)
                                .order_by(BinTask.minutes_to_close)
                                .limit(2 - count % 2).offset((count - 1) // 2)).all()
    return sum(middle) / len(middle)


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def task_counts(start: dt.datetime, end: dt.datetime, *, district_id: int | None = None,
                township_id: int | None = None) -> dict:
    """The period [start, end): tasks open and overdue at its end, opened in it, resolved
    (and of those on time: closed by ``due_at``) and rejected in it, and the median hours to
    resolve of those resolved in it. One aggregate over the tasks that were open at some
    moment of the period, and the median's two small reads."""
    t = open_between(start, end).c
    closed_in = and_(t.closed_at >= start, t.closed_at < end)
    resolved = and_(closed_in, t.status == BinTaskStatus.RESOLVED.value)
    row = db.session.execute(
        select(_count(open_at(end, t)), _count(overdue_at(end, t)),
               _count(and_(t.opened_at >= start, t.opened_at < end)),
               _count(resolved), _count(and_(resolved, t.closed_at <= t.due_at)),
               _count(and_(closed_in, t.status == BinTaskStatus.REJECTED.value)))
        .where(*_scope(t, district_id, township_id))).one()
    open_, overdue, opened, resolved_n, on_time, rejected = (int(n) for n in row)
    where = [_resolved_in(start, end), *_scope(BinTask, district_id, township_id)]
    return {"open": open_, "overdue": overdue, "opened": opened, "resolved": resolved_n,
            "resolved_on_time": on_time, "rejected": rejected,
            "median_hours_to_resolve": _hours(median_minutes(where))}


def by_district(instant: dt.datetime, district_id: int | None = None) -> list[dict]:
    """Every district (or the one) with its tasks open and overdue at ``instant``."""
    t = open_between(instant, instant).c
    counts = {d: (int(o), int(v)) for d, o, v in db.session.execute(
        select(Township.district_id, func.count(), _count(t.due_at < instant))
        .join(Township, t.township_id == Township.id)
        .where(open_at(instant, t), *_scope(t, district_id))
        .group_by(Township.district_id))}
    districts = select(District).order_by(District.code)
    if district_id is not None:
        districts = districts.where(District.id == district_id)
    return [{"id": d.id, "name": d.name, "name_en": d.name_en,
             "open": counts.get(d.id, (0, 0))[0], "overdue": counts.get(d.id, (0, 0))[1]}
            for d in db.session.scalars(districts)]


def overdue_tasks(instant: dt.datetime, *, district_id: int | None = None,
                  township_id: int | None = None, limit: int | None = OVERDUE_SHOWN,
                  overdue_only: bool = True) -> list[dict]:
    """The tasks overdue (or with ``overdue_only`` False: open) at ``instant``, the most
    overdue first: where, what, since when and due when (city time), and by how many hours
    overdue (None when not yet due)."""
    tasks = open_between(instant, instant, with_id=True)
    t = tasks.c
    condition = overdue_at(instant, t) if overdue_only else open_at(instant, t)
    stmt = (select(BinTask.id, BinTask.kind, BinTask.status, BinTask.opened_at, BinTask.due_at,
                   SortingBin.serial, Community.name, Township.id, Township.name, District.name)
            .join(tasks, t.id == BinTask.id)
            .join(SortingBin, BinTask.sorting_bin_id == SortingBin.id)
            .join(Community, SortingBin.community_id == Community.id)
            .join(Township, BinTask.township_id == Township.id)
            .join(District, Township.district_id == District.id)
            .where(condition, *_scope(t, district_id, township_id))
            .order_by(BinTask.due_at, BinTask.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    zone = city_zone()
    rows = []
    for (task_id, kind, status, opened, due, serial, community, township_id_, township,
         district) in db.session.execute(stmt):
        late_h = (instant - due).total_seconds() / 3600
        rows.append({"id": task_id, "kind": kind.value, "status": status.value,
                     "serial": serial, "community": community, "township_id": township_id_,
                     "township": township, "district": district,
                     "opened_at": opened.astimezone(zone), "due_at": due.astimezone(zone),
                     "overdue_hours": round(late_h, 1) if late_h > 0 else None})
    return rows


def report_section(first: dt.date, last: dt.date, district_id: int | None = None) -> dict:
    """What a report of the local days ``first`` to ``last`` says of bin tasks (the city's or
    one district's): the counts over the period, open and overdue at its end by district, and
    the most overdue tasks at its end."""
    start, end = day_start(first), day_start(last + dt.timedelta(days=1))
    counts = task_counts(start, end, district_id=district_id)
    late = [{**t, "opened_at": t["opened_at"].isoformat(timespec="minutes"),
             "due_at": t["due_at"].isoformat(timespec="minutes")}
            for t in overdue_tasks(end, district_id=district_id)]
    return {"as_of": end.isoformat(timespec="minutes"), **counts,
            "districts": by_district(end, district_id), "overdue_tasks": late}


def street_tasks(township_id: int, now: dt.datetime | None = None) -> dict:
    """"My street today": the street's tasks open and overdue now, and the first of them, the
    most overdue first."""
    now = now or utcnow()
    t = open_between(now, now).c
    open_, overdue = db.session.execute(
        select(func.count(), _count(t.due_at < now))
        .where(open_at(now, t), t.township_id == township_id)).one()
    return {"open": int(open_), "overdue": int(overdue),
            "tasks": overdue_tasks(now, township_id=township_id, limit=STREET_SHOWN,
                                   overdue_only=False)}
