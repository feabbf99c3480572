"""Household coverage of garbage sorting, with bins and recycling points, at any level.

Counts are made in SQL per township (or per community), households from the per-community
monthly tallies (wastesort/households/tally.py); the city and district levels add up the 114
township rows, so a town's "covered" flag and the district totals always agree.
"""

import datetime as dt
from collections import defaultdict

from flask import current_app
from sqlalchemy import case, func, select

from ..areas.models import Community, District, Township
from ..bins.models import BinStatus, SortingBin
from ..enums import WasteCategory
from ..extensions import db
from ..households.models import Household
from ..households.tally import HouseholdTally
from ..points.models import RecyclingPoint
from .formulas import coverage_percent, per_thousand

LEVELS = ("city", "district", "township", "community")


def _household_counts(unit_col, as_of: dt.date, where):
    """{unit: (households, covered as of the day)}: the per-community monthly tallies for the
    months before ``as_of``'s month, plus the households that started in that month up to
    ``as_of`` (a range of the index on ``sorting_since`` and community) — never the 3.75
    million rows."""
    month = as_of.replace(day=1)
    before = func.sum(case((HouseholdTally.joined_month < month, HouseholdTally.households),
                           else_=0))
    tallies = (select(unit_col, func.sum(HouseholdTally.households), before)
               .join(Community, HouseholdTally.community_id == Community.id)
               .join(Township, Community.township_id == Township.id)
               .where(*where).group_by(unit_col))
    starters = (select(Household.community_id, func.count().label("n"))
                .where(Household.sorting_since.between(month, as_of))
                .group_by(Household.community_id).subquery())
    this_month = (select(unit_col, func.sum(starters.c.n))
                  .join(Community, starters.c.community_id == Community.id)
                  .join(Township, Community.township_id == Township.id)
                  .where(*where).group_by(unit_col))
    started = dict(db.session.execute(this_month).all())
    return {unit: (int(n or 0), int(c or 0) + int(started.get(unit, 0)))
            for unit, n, c in db.session.execute(tallies)}


def household_count(as_of: dt.date, *, district_id: int | None = None,
                    township_id: int | None = None, community_id: int | None = None,
                    covered: bool | None = None) -> int:
    """How many households a scope holds (``covered``: only those sorting on ``as_of``, or only
    those not): the same counts as the coverage figures, so a list's total and the coverage
    page agree, and at city scale it costs the tallies, not a scan of 3.75 million rows."""
    where = _scope_filter(district_id, township_id)
    if community_id is not None:
        where.append(Community.id == community_id)
    counts = _household_counts(Community.township_id, as_of, where).values()
    households = sum(n for n, _ in counts)
    sorting = sum(c for _, c in counts)
    if covered is None:
        return households
    return sorting if covered else households - sorting


def _bin_counts(unit_col, where):
    """Bins in service per unit and category: counted per community first, from the index
    on (status, community, category) alone and in its order, and only those few thousand
    counts joined to their town or street (not each of the 80,000 bins)."""
    per_community = (select(SortingBin.community_id, SortingBin.category,
                            func.count().label("n"))
                     .where(SortingBin.status == BinStatus.IN_SERVICE)
                     .group_by(SortingBin.community_id, SortingBin.category)
                     .subquery())
    stmt = (select(unit_col, per_community.c.category, func.sum(per_community.c.n))
            .join(Community, per_community.c.community_id == Community.id)
            .join(Township, Community.township_id == Township.id)
            .where(*where)
            .group_by(unit_col, per_community.c.category))
    counts: dict = defaultdict(dict)
    for unit, category, n in db.session.execute(stmt):
        counts[unit][WasteCategory(category).value] = int(n)
    return counts


def _point_counts(unit_col, where):
    """Active points per township, or per community (a point's community is optional)."""
    unit = RecyclingPoint.community_id if unit_col is Community.id else RecyclingPoint.township_id
    stmt = (select(unit, func.count(RecyclingPoint.id))
            .join(Township, RecyclingPoint.township_id == Township.id)
            .where(RecyclingPoint.active, *where).group_by(unit))
    return {u: int(n) for u, n in db.session.execute(stmt)}


def _figures(households: int, covered: int, bins: dict, points: int) -> dict:
    return {
        "households": households,
        "households_covered": covered,
        "coverage_percent": coverage_percent(households, covered),
        "bins": {c.value: bins.get(c.value, 0) for c in WasteCategory},
        "bins_per_1000_households": {c.value: per_thousand(bins.get(c.value, 0), households)
                                     for c in WasteCategory},
        "recycling_points": points,
    }


def _scope_filter(district_id: int | None, township_id: int | None) -> list:
    where = []
    if district_id is not None:
        where.append(Township.district_id == district_id)
    if township_id is not None:
        where.append(Township.id == township_id)
    return where


def township_coverage(as_of: dt.date, *, district_id: int | None = None,
                      township_id: int | None = None) -> list[dict]:
    """One row per town or street, ordered by district and name."""
    where = _scope_filter(district_id, township_id)
    full = current_app.config["COVERAGE_FULL_PERCENT"]
    households = _household_counts(Township.id, as_of, where)
    bins = _bin_counts(Township.id, where)
    points = _point_counts(Township.id, where)
    townships = db.session.execute(
        select(Township.id, Township.name, Township.kind, Township.district_id, District.name)
        .join(District).where(*where).order_by(District.code, Township.name)
    )
    rows = []
    for tid, name, kind, did, district_name in townships:
        n, c = households.get(tid, (0, 0))
        row = {"id": tid, "name": name, "kind": kind.value, "district_id": did,
               "district_name": district_name, **_figures(n, c, bins.get(tid, {}),
                                                          points.get(tid, 0))}
        row["covered"] = row["coverage_percent"] is not None and row["coverage_percent"] >= full
        rows.append(row)
    return rows


def _roll_up(rows: list[dict]) -> dict:
    households = sum(r["households"] for r in rows)
    covered = sum(r["households_covered"] for r in rows)
    bins = {c.value: sum(r["bins"][c.value] for r in rows) for c in WasteCategory}
    figures = _figures(households, covered, bins, sum(r["recycling_points"] for r in rows))
    figures["townships"] = len(rows)
    figures["townships_covered"] = sum(1 for r in rows if r["covered"])
    return figures


def coverage(level: str, as_of: dt.date, *, district_id: int | None = None,
             township_id: int | None = None) -> list[dict]:
    """Coverage rows at ``level`` ("city", "district", "township" or "community"),
    optionally limited to one district or one township (a caller's scope)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if level == "community":
        return community_coverage(as_of, district_id=district_id, township_id=township_id)
    rows = township_coverage(as_of, district_id=district_id, township_id=township_id)
    if level == "township":
        return rows
    if level == "city":
        return [{"id": None, "name": "city", **_roll_up(rows)}]
    return _districts(rows)


def coverage_levels(as_of: dt.date, *, district_id: int | None = None
                    ) -> tuple[dict, list[dict], list[dict]]:
    """(the scope's total, its districts, its towns and streets) from one township query:
    what a coverage report needs, without counting the households three times."""
    rows = township_coverage(as_of, district_id=district_id)
    return {"id": None, "name": "city", **_roll_up(rows)}, _districts(rows), rows


def _districts(rows: list[dict]) -> list[dict]:
    by_district: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_district[row["district_id"]].append(row)
    districts = db.session.execute(select(District.id, District.name, District.name_en)
                                   .where(District.id.in_(by_district)).order_by(District.code))
    return [{"id": did, "name": name, "name_en": name_en, **_roll_up(by_district[did])}
            for did, name, name_en in districts]


def community_coverage(as_of: dt.date, *, district_id: int | None = None,
                       township_id: int | None = None) -> list[dict]:
    where = _scope_filter(district_id, township_id)
    households = _household_counts(Community.id, as_of, where)
    bins = _bin_counts(Community.id, where)
    points = _point_counts(Community.id, where)
    communities = db.session.execute(
        select(Community.id, Community.name, Community.township_id)
        .join(Township).where(*where).order_by(Community.township_id, Community.name)
    )
    rows = []
    for cid, name, tid in communities:
        n, c = households.get(cid, (0, 0))
        rows.append({"id": cid, "name": name, "township_id": tid,
                     **_figures(n, c, bins.get(cid, {}), points.get(cid, 0))})
    return rows
