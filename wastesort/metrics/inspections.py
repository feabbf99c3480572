"""Inspection figures (docs/metrics.md, "Inspections"): participation, accuracy, how many of the
communities were inspected, and the communities not inspected lately.

Every figure is a ratio of sums, weighted by what was inspected: a city's participation is
all households seen putting out sorted waste over all households seen, never a mean of the
communities' percentages (a community where two households were seen would weigh as much as
one where two hundred were). The sums come from ``daily_inspection_tally`` (one row per local
day and community, voided inspections left out: wastesort/inspections/tally.py), added up in
SQL per town or street (or per community) for the period; district and city rows add up the
town and street rows, so every level agrees with the one below.

Periods are the reports' calendar day, Monday-to-Sunday week and calendar month
(:func:`wastesort.reports.periods.period_bounds`).
"""

import datetime as dt
from collections import defaultdict

from flask import current_app
from sqlalchemy import case, func, select

from ..areas.models import Community, District, Township
from ..enums import WasteCategory
from ..extensions import db
from ..inspections.tally import DailyInspectionTally as Tally
from ..reports.models import ReportPeriod
from ..reports.periods import period_bounds
from .formulas import accuracy_percent, participation_percent, percent

LEVELS = ("city", "district", "township", "community")
PERIODS = tuple(p.value for p in ReportPeriod)
SUMMED = ("inspections", "households_seen", "households_sorted", "items_inspected",
          "items_correct")
CONTAMINATED = {c.value: f"contaminated_{c.value}" for c in WasteCategory}


def period_range(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last local day of the ``period`` ("day", "week", "month") holding ``day``."""
    return period_bounds(ReportPeriod(period), day)


def _scope(district_id: int | None, township_id: int | None) -> list:
    where = []
    if district_id is not None:
        where.append(Township.district_id == district_id)
    if township_id is not None:
        where.append(Township.id == township_id)
    return where


def _sums(unit, first: dt.date, last: dt.date, where) -> dict[int, dict]:
    """{unit id: the period's sums} for ``unit`` (Community.township_id or Community.id), one
    GROUP BY over the tally rows of the period (a range of its primary key)."""
    columns = [*SUMMED, *CONTAMINATED.values()]
    stmt = (select(unit, *(func.sum(getattr(Tally, name)) for name in columns),
                   func.count(func.distinct(case((Tally.inspections > 0, Tally.community_id)))))
            .join(Community, Tally.community_id == Community.id)
            .join(Township, Community.township_id == Township.id)
            .where(Tally.inspected_on.between(first, last), *where)
            .group_by(unit))
    sums = {}
    for unit_id, *values, inspected in db.session.execute(stmt):
        row = dict(zip(columns, (int(v or 0) for v in values), strict=True))
        row["communities_inspected"] = int(inspected)
        sums[unit_id] = row
    return sums


def _figures(sums: dict | None, communities: int) -> dict:
    """The figures of one area from its sums (None: nothing inspected in the period)."""
    sums = sums or {}
    row = {name: sums.get(name, 0) for name in SUMMED}
    inspected = sums.get("communities_inspected", 0)
    row.update({
        "participation_percent": participation_percent(row["households_seen"],
                                                       row["households_sorted"]),
        "accuracy_percent": accuracy_percent(row["items_inspected"], row["items_correct"]),
        "contaminated": {c: sums.get(column, 0) for c, column in CONTAMINATED.items()},
        "communities": communities,
        "communities_inspected": inspected,
        "communities_inspected_percent": percent(inspected, communities),
    })
    return row


def township_figures(first: dt.date, last: dt.date, *, district_id: int | None = None,
                     township_id: int | None = None) -> list[dict]:
    """One row per town or street (every one of the scope, inspected or not), ordered by
    district and name."""
    where = _scope(district_id, township_id)
    sums = _sums(Community.township_id, first, last, where)
    communities = dict(db.session.execute(
        select(Community.township_id, func.count()).join(Township).where(*where)
        .group_by(Community.township_id)).all())
    rows = []
    for tid, name, kind, did, district_name in db.session.execute(
            select(Township.id, Township.name, Township.kind, Township.district_id,
                   District.name).join(District).where(*where)
            .order_by(District.code, Township.name)):
        rows.append({"id": tid, "name": name, "kind": kind.value, "district_id": did,
                     "district_name": district_name,
                     **_figures(sums.get(tid), communities.get(tid, 0))})
    return rows


def community_figures(first: dt.date, last: dt.date, *, district_id: int | None = None,
                      township_id: int | None = None) -> list[dict]:
    """One row per community of the scope, ordered by town or street and name."""
    where = _scope(district_id, township_id)
    sums = _sums(Community.id, first, last, where)
    return [{"id": cid, "name": name, "township_id": tid, **_figures(sums.get(cid), 1)}
            for cid, name, tid in db.session.execute(
                select(Community.id, Community.name, Community.township_id).join(Township)
                .where(*where).order_by(Community.township_id, Community.name))]


def _roll_up(rows: list[dict]) -> dict:
    """An area's figures from its towns' and streets' rows: sums first, then the ratios."""
    sums = {name: sum(r[name] for r in rows) for name in SUMMED}
    sums.update({column: sum(r["contaminated"][c] for r in rows)
                 for c, column in CONTAMINATED.items()})
    sums["communities_inspected"] = sum(r["communities_inspected"] for r in rows)
    figures = _figures(sums, sum(r["communities"] for r in rows))
    figures["townships"] = len(rows)
    return figures


def _districts(rows: list[dict]) -> list[dict]:
    by_district: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_district[row["district_id"]].append(row)
    return [{"id": did, "name": name, "name_en": name_en, **_roll_up(by_district[did])}
            for did, name, name_en in db.session.execute(
                select(District.id, District.name, District.name_en)
                .where(District.id.in_(by_district)).order_by(District.code))]


def inspection_figures(level: str, first: dt.date, last: dt.date, *,
                       district_id: int | None = None,
                       township_id: int | None = None) -> list[dict]:
    """The inspection figures of ``first`` to ``last`` (local days, inclusive) at ``level``
    ("city", "district", "township" or "community"), optionally limited to one district or
    one town or street (a caller's scope). Each row: inspections, households_seen,
    households_sorted, participation_percent, items_inspected, items_correct,
    accuracy_percent, contaminated (per category), communities, communities_inspected,
    communities_inspected_percent."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if last < first:
        raise ValueError("the range ends before it starts")
    if level == "community":
        return community_figures(first, last, district_id=district_id, township_id=township_id)
    rows = township_figures(first, last, district_id=district_id, township_id=township_id)
    if level == "township":
        return rows
    if level == "city":
        return [{"id": None, "name": "city", **_roll_up(rows)}]
    return _districts(rows)


def inspection_levels(first: dt.date, last: dt.date, *, district_id: int | None = None
                      ) -> tuple[dict, list[dict], list[dict]]:
    """(the scope's total, its districts, its towns and streets) from one query of the towns
    and streets: what a report's section needs, without summing the tally three times."""
    rows = township_figures(first, last, district_id=district_id)
    return {"id": None, "name": "city", **_roll_up(rows)}, _districts(rows), rows


def stale_communities(as_of: dt.date, *, days: int | None = None,
                      district_id: int | None = None,
                      township_id: int | None = None) -> list[dict]:
    """The communities not inspected for more than ``days`` (INSPECTION_STALE_DAYS) as of
    ``as_of``: their last inspection (not void) is before ``as_of - days``, or there is none.
    Never inspected first, then the longest uninspected; each row: id, name, township_id,
    township_name, district_id, last_inspected_on (None: never) and days_since (None: never).
    """
    days = current_app.config["INSPECTION_STALE_DAYS"] if days is None else days
    where = _scope(district_id, township_id)
    last_seen = (select(Tally.community_id, func.max(Tally.inspected_on).label("last"))
                 .where(Tally.inspections > 0, Tally.inspected_on <= as_of)
                 .group_by(Tally.community_id))
    if where:  # only the scope's communities: a street reads its own rows of the index
        last_seen = last_seen.where(Tally.community_id.in_(
            select(Community.id).join(Township).where(*where)))
    last_seen = last_seen.subquery()
    cutoff = as_of - dt.timedelta(days=days)
    stmt = (select(Community.id, Community.name, Community.township_id, Township.name,
                   Township.district_id, last_seen.c.last)
            .join(Township, Community.township_id == Township.id)
            .outerjoin(last_seen, last_seen.c.community_id == Community.id)
            .where(*where, (last_seen.c.last.is_(None)) | (last_seen.c.last < cutoff))
            .order_by(last_seen.c.last.is_not(None), last_seen.c.last, Community.township_id,
                      Community.name))
    return [{"id": cid, "name": name, "township_id": tid, "township_name": township_name,
             "district_id": did, "last_inspected_on": last,
             "days_since": None if last is None else (as_of - last).days}
            for cid, name, tid, township_name, did, last in db.session.execute(stmt)]


RECENT_DAYS = (7, 30)


def recent_figures(today: dt.date, *, township_id: int) -> dict:
    """A town's or street's figures for the last 7 and 30 days up to and including ``today``
    (an inspection of this morning counts at once: the inspector sees it on the street's
    page) and its communities not inspected for more than INSPECTION_STALE_DAYS as of today.
    ``{"periods": [{"days", "first", "last", **township row}], "stale": [...],
    "stale_days": n}``."""
    periods = []
    for days in RECENT_DAYS:
        first = today - dt.timedelta(days=days - 1)
        (row,) = township_figures(first, today, township_id=township_id)
        periods.append({**row, "days": days, "first": first, "last": today})
    stale_days = current_app.config["INSPECTION_STALE_DAYS"]
    return {"periods": periods, "stale_days": stale_days,
            "stale": stale_communities(today, days=stale_days, township_id=township_id)}


def area_figures(first: dt.date, last: dt.date, *, district_id: int | None = None,
                 township_id: int | None = None) -> dict:
    """The figures of one area — the city, one district or one town or street — for
    ``first`` to ``last`` from one aggregate of the tally (no row per town or street: what a
    page showing one area needs). The same sums as :func:`inspection_figures` adds up level by
    level, so the same figures."""
    where = _scope(district_id, township_id)
    columns = [*SUMMED, *CONTAMINATED.values()]
    stmt = (select(*(func.sum(getattr(Tally, name)) for name in columns),
                   func.count(func.distinct(case((Tally.inspections > 0, Tally.community_id)))))
            .where(Tally.inspected_on.between(first, last)))
    communities = select(func.count()).select_from(Community)
    if where:
        stmt = stmt.where(Tally.community_id.in_(select(Community.id).join(Township)
                                                 .where(*where)))
        communities = communities.join(Township).where(*where)
    *values, inspected = db.session.execute(stmt).one()
    sums = dict(zip(columns, (int(v or 0) for v in values), strict=True))
    sums["communities_inspected"] = int(inspected)
    return _figures(sums, db.session.scalar(communities))


def month_to_date(today: dt.date, *, district_id: int | None = None,
                  township_id: int | None = None) -> dict:
    """The figures of this month so far (the 1st to ``today``) for the city, one district or
    one town or street (what the dashboard shows beside its month-by-month chart), with
    ``first`` and ``last``."""
    first = today.replace(day=1)
    return {**area_figures(first, today, district_id=district_id, township_id=township_id),
            "first": first, "last": today}
