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

from sqlalchemy import and_, case, func, or_, select

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


def open_at(instant: dt.datetime):
    return and_(BinTask.opened_at <= instant,
                or_(BinTask.closed_at.is_(None), BinTask.closed_at > instant))


def overdue_at(instant: dt.datetime):
    return and_(open_at(instant), BinTask.due_at < instant)


def _scope(district_id: int | None = None, township_id: int | None = None) -> list:
    where = []
    if township_id is not None:
        where.append(BinTask.township_id == township_id)
    if district_id is not None:
        where.append(BinTask.township_id.in_(select(Township.id)
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


def task_counts(start: dt.datetime, end: dt.datetime, *, district_id: int | None = None,
                township_id: int | None = None) -> dict:
    """The period [start, end): tasks open and overdue at its end, opened in it, resolved
    (and of those on time: closed by ``due_at``) and rejected in it, and the median hours to
    resolve of those resolved in it. One aggregate over the tasks that were open at some
    moment of the period, and the median's two small reads."""
    where = _scope(district_id, township_id)
    closed_in = and_(BinTask.closed_at >= start, BinTask.closed_at < end)
    resolved = _resolved_in(start, end)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        select(count(open_at(end)), count(overdue_at(end)),
               count(and_(BinTask.opened_at >= start, BinTask.opened_at < end)),
               count(resolved), count(and_(resolved, BinTask.closed_at <= BinTask.due_at)),
               count(and_(closed_in, BinTask.status == BinTaskStatus.REJECTED)))
        .where(BinTask.opened_at < end,
               or_(BinTask.closed_at.is_(None), BinTask.closed_at >= start), *where)).one()
    open_, overdue, opened, resolved_n, on_time, rejected = (int(n) for n in row)
    return {"open": open_, "overdue": overdue, "opened": opened, "resolved": resolved_n,
            "resolved_on_time": on_time, "rejected": rejected,
            "median_hours_to_resolve": _hours(median_minutes([resolved, *where]))}


def by_district(instant: dt.datetime, district_id: int | None = None) -> list[dict]:
    """Every district (or the one) with its tasks open and overdue at ``instant``."""
    counts = {d: (int(o), int(v)) for d, o, v in db.session.execute(
        select(Township.district_id, func.count(),
               func.coalesce(func.sum(case((BinTask.due_at < instant, 1), else_=0)), 0))
        .join(Township, BinTask.township_id == Township.id)
        .where(open_at(instant), *_scope(district_id))
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
    condition = overdue_at(instant) if overdue_only else open_at(instant)
    stmt = (select(BinTask.id, BinTask.kind, BinTask.status, BinTask.opened_at, BinTask.due_at,
                   SortingBin.serial, Community.name, Township.id, Township.name, District.name)
            .join(SortingBin, BinTask.sorting_bin_id == SortingBin.id)
            .join(Community, SortingBin.community_id == Community.id)
            .join(Township, BinTask.township_id == Township.id)
            .join(District, Township.district_id == District.id)
            .where(condition, *_scope(district_id, township_id))
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
    open_, overdue = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((BinTask.due_at < now, 1), else_=0)),
                                           0))
        .where(open_at(now), BinTask.township_id == township_id)).one()
    return {"open": int(open_), "overdue": int(overdue),
            "tasks": overdue_tasks(now, township_id=township_id, limit=STREET_SHOWN,
                                   overdue_only=False)}
