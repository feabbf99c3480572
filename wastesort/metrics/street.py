"""The figures of one town or street's page, "my street today" (docs/metrics.md).

Tonnage comes from ``daily_tonnage`` (one row per day, town or street and category), read by
its primary key (day, township, category): the days are given as a list, so each day is one
seek of the key for this township and a year costs 366 seeks, never the other 113 towns and
streets' rows of the range. The recycling points' postings of today come from the collections
of today through the index on (recycling_point_id, collected_on); each point's last posting
from the same index walked backwards from its newest day, never a scan of its year of rows.
Coverage is :mod:`wastesort.metrics.coverage`'s, for the street and its communities.
"""

import datetime as dt

from flask import current_app
from sqlalchemy import Date, and_, any_, case, func, select, text

from ..areas.models import Community, Township
from ..collections.models import Collection
from ..collections.tonnage import DailyTonnage
from ..enums import WasteCategory
from ..extensions import db
from ..points.models import RecyclingPoint
from .coverage import _household_counts
from .formulas import coverage_percent, percent, tonnes

AVERAGE_DAYS = 365  # the street's own average: its mean day over the year before today
WINDOWS = (7, 30)  # the recent means set against it, in complete days before today
TREND_DAYS = 30


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _on_days(first: dt.date, last: dt.date):
    """``daily_tonnage.collected_on`` is one of the days ``first`` to ``last``, spelt so that
    each day is one seek of the key (day, township, category). On PostgreSQL the server makes
    the days (``= ANY(ARRAY(SELECT generate_series(…)))``): as 366 placeholders, psycopg's
    conversion of the statement cost more than the query, and as an array parameter its
    366 dates were still dumped on every request."""
    if db.session.get_bind().dialect.name == "postgresql":
        series = select(func.generate_series(first, last, text("interval '1 day'"))
                        .cast(Date)).scalar_subquery()
        return DailyTonnage.collected_on == any_(func.array(series))
    return DailyTonnage.collected_on.in_(_days(first, last))


def mean_kg(weight_kg: int, days: int) -> float | None:
    """Kilograms per day over ``days`` days; None without a day to divide by."""
    return weight_kg / days if days else None


def difference_percent(value_kg: float | None, average_kg: float | None) -> float | None:
    """How far ``value_kg`` is above (positive) or below the average, in per cent of it
    (from the unrounded kilograms, so small streams are not judged by a rounding)."""
    if value_kg is None or average_kg is None:
        return None
    return percent(value_kg - average_kg, average_kg)


def _tonnes(weight_kg: float | None) -> float | None:
    return None if weight_kg is None else tonnes(weight_kg)


def street_tonnage(township_id: int, today: dt.date) -> dict:
    """Today's tonnes and the daily means of the last 7 and 30 complete days, by category and
    in all, each beside the street's own average and the difference from it in per cent.

    The average is the street's mean day, by category, over the 365 days before today, or
    over the days since its first posting among them when that is later (days without
    postings after it count as nought). A window counts its days from that first posting
    too, so a street that started posting three days ago is not measured against days it did
    not post. Today is still running: its tonnes are so far."""
    first_window = today - dt.timedelta(days=AVERAGE_DAYS)
    before_today = DailyTonnage.collected_on < today
    sums = [func.sum(case((DailyTonnage.collected_on == today, DailyTonnage.weight_kg),
                          else_=0))]
    for window in WINDOWS:
        since = DailyTonnage.collected_on >= today - dt.timedelta(days=window)
        sums.append(func.sum(case((and_(since, before_today), DailyTonnage.weight_kg),
                                  else_=0)))
    sums.append(func.sum(case((before_today, DailyTonnage.weight_kg), else_=0)))
    first_posting = func.min(case((and_(before_today, DailyTonnage.records > 0),
                                   DailyTonnage.collected_on)))
    rows = db.session.execute(
        select(DailyTonnage.category, first_posting, *sums)
        .where(DailyTonnage.township_id == township_id,
               _on_days(first_window, today))
        .group_by(DailyTonnage.category)).all()
    firsts = [_as_date(first) for _c, first, *_sums in rows if first is not None]
    first_day = min(firsts) if firsts else None
    span = (today - first_day).days if first_day else 0  # days since it first posted
    days = {"today": 1, **{f"last_{w}": min(w, span) for w in WINDOWS},
            "average": min(AVERAGE_DAYS, span)}
    by_category = {WasteCategory(c): [int(s or 0) for s in sums]
                   for c, _first, *sums in rows}
    empty = [0] * (len(WINDOWS) + 2)
    kg_rows = [(c.value, by_category.get(c, empty)) for c in WasteCategory]
    kg_rows.append(("all", [sum(kg[i] for _c, kg in kg_rows) for i in range(len(empty))]))
    average_since = today - dt.timedelta(days=days["average"]) if days["average"] else None
    return {"first_posting_day": first_day, "average_since": average_since, "days": days,
            "rows": [_tonnage_row(category, kg, days) for category, kg in kg_rows]}


def _tonnage_row(category: str, kg: list[int], days: dict) -> dict:
    today_kg, *window_kg, average_kg = kg
    average = mean_kg(average_kg, days["average"])
    row = {"category": category, "average_t": _tonnes(average), "today_t": tonnes(today_kg),
           "today_difference_percent": difference_percent(today_kg, average)}
    for window, weight_kg in zip(WINDOWS, window_kg, strict=True):
        mean = mean_kg(weight_kg, days[f"last_{window}"])
        row[f"last_{window}_t"] = tonnes(weight_kg)
        row[f"last_{window}_mean_t"] = _tonnes(mean)
        row[f"last_{window}_difference_percent"] = difference_percent(mean, average)
    return row


def street_trend(township_id: int, today: dt.date, days: int = TREND_DAYS) -> list[dict]:
    """Tonnes per day and category over the ``days`` days up to today, days without
    postings included (nought)."""
    first = today - dt.timedelta(days=days - 1)
    rows = db.session.execute(
        select(DailyTonnage.collected_on, DailyTonnage.category, DailyTonnage.weight_kg)
        .where(DailyTonnage.township_id == township_id,
               _on_days(first, today)))
    kg: dict[dt.date, dict[str, int]] = {}
    for day, category, weight_kg in rows:
        kg.setdefault(_as_date(day), {})[WasteCategory(category).value] = int(weight_kg)
    trend = []
    for day in _days(first, today):
        by_category = {c.value: tonnes(kg.get(day, {}).get(c.value, 0)) for c in WasteCategory}
        trend.append({"day": day, "by_category_t": by_category,
                      "collected_t": tonnes(sum(kg.get(day, {}).values()))})
    return trend


def point_postings_today(township_id: int, today: dt.date) -> list[dict]:
    """Every active recycling point of the street with today's postings (voided ones left
    out) in kg by category, how many, and when the last was posted; ``posted`` is False for a
    point with none yet. Ordered by point name.

    The sums are made over the street's points by id (``IN``), each point's today a range of
    the index (recycling_point_id, collected_on), and only then joined to the points: joined
    the other way round, SQLite read all of the city's ~8,000 postings of today through the
    index on (collected_on, category) instead (85 ms against 0.5 ms)."""
    street_points = select(RecyclingPoint.id).where(RecyclingPoint.township_id == township_id)
    today_sums = (
        select(Collection.recycling_point_id.label("point_id"),
               Collection.category.label("category"),
               func.sum(Collection.weight_kg).label("weight_kg"),
               func.count().label("records"), func.max(Collection.posted_at).label("last"))
        .where(Collection.recycling_point_id.in_(street_points),
               Collection.collected_on == today, Collection.voided.is_(False))
        .group_by(Collection.recycling_point_id, Collection.category).subquery())
    rows = db.session.execute(
        select(RecyclingPoint.id, RecyclingPoint.name, Community.name, today_sums.c.category,
               today_sums.c.weight_kg, today_sums.c.records, today_sums.c.last)
        .outerjoin(Community, RecyclingPoint.community_id == Community.id)
        .outerjoin(today_sums, today_sums.c.point_id == RecyclingPoint.id)
        .where(RecyclingPoint.township_id == township_id, RecyclingPoint.active))
    points: dict[int, dict] = {}
    for point_id, name, community, category, weight_kg, records, posted_at in rows:
        point = points.setdefault(point_id, {
            "id": point_id, "name": name, "community_name": community, "records": 0,
            "by_category_kg": dict.fromkeys((c.value for c in WasteCategory), 0),
            "total_kg": 0, "last_posted_at": None})
        if category is None:
            continue
        point["by_category_kg"][WasteCategory(category).value] = int(weight_kg)
        point["total_kg"] += int(weight_kg)
        point["records"] += int(records)
        if point["last_posted_at"] is None or posted_at > point["last_posted_at"]:
            point["last_posted_at"] = posted_at
    for point in points.values():
        point["posted"] = point["records"] > 0
    return sorted(points.values(), key=lambda p: (p["name"], p["id"]))


def last_postings(point_ids: list[int]) -> dict[int, dict]:
    """{point id: {"collected_on", "posted_at"}} of each point's last posting that is not
    void: the newest day it posted for, and the latest time of that day's postings (points
    that never posted are missing). Each point reads its index entries (recycling_point_id,
    collected_on) from the newest backwards to the first that is not void, then that one
    day's rows: a handful of rows, not the point's year."""
    if not point_ids:
        return {}
    inner = db.aliased(Collection)
    newest_day = (select(inner.collected_on)
                  .where(inner.recycling_point_id == RecyclingPoint.id, inner.voided.is_(False))
                  .order_by(inner.collected_on.desc()).limit(1)
                  .correlate(RecyclingPoint).scalar_subquery())
    latest_time = (select(func.max(Collection.posted_at))
                   .where(Collection.recycling_point_id == RecyclingPoint.id,
                          Collection.collected_on == newest_day, Collection.voided.is_(False))
                   .correlate(RecyclingPoint).scalar_subquery())
    rows = db.session.execute(
        select(RecyclingPoint.id, newest_day, latest_time)
        .where(RecyclingPoint.id.in_(point_ids)))
    return {point_id: {"collected_on": _as_date(day), "posted_at": posted_at}
            for point_id, day, posted_at in rows if day is not None}


def street_coverage(township_id: int, today: dt.date) -> dict:
    """The street's households, those covered and its coverage, whether it is covered (at or
    above ``COVERAGE_FULL_PERCENT``, as in the coverage figures), and its communities below
    that mark, lowest first. A community without households has no coverage to judge and is
    not listed (as the coverage report leaves out a town or street without households).

    The household counts are the coverage figures' own (:mod:`wastesort.metrics.coverage`,
    from the monthly tallies); the bins and points that ``township_coverage`` also counts
    are not needed here, and counting the city's bins to keep one street's took 12 ms of
    every page."""
    full = current_app.config["COVERAGE_FULL_PERCENT"]
    counts = _household_counts(Community.id, today, [Township.id == township_id])
    # the street's counts are its communities' added up, as the district and city rows of
    # the coverage figures add up their towns and streets: one count of the tallies, not two
    households = sum(n for n, _c in counts.values())
    covered = sum(c for _n, c in counts.values())
    street = {"households": households, "households_covered": covered,
              "coverage_percent": coverage_percent(households, covered)}
    street["covered"] = street["coverage_percent"] is not None \
        and street["coverage_percent"] >= full
    names = dict(db.session.execute(select(Community.id, Community.name)
                                    .where(Community.id.in_(list(counts)))).all())
    below = []
    for community_id, (n, c) in counts.items():
        percent_covered = coverage_percent(n, c)
        if percent_covered is not None and percent_covered < full:
            below.append({"id": community_id, "name": names[community_id], "households": n,
                          "households_covered": c, "coverage_percent": percent_covered})
    below.sort(key=lambda c: (c["coverage_percent"], c["name"]))
    return {"township": street, "full_percent": full, "communities_below_full": below}


def street_today(township_id: int, today: dt.date) -> dict:
    """Every figure of the page, from the functions above."""
    points = point_postings_today(township_id, today)
    last = last_postings([p["id"] for p in points if not p["posted"]])
    for point in points:
        if not point["posted"]:
            point["last_posting"] = last.get(point["id"])
    return {"today": today, "tonnage": street_tonnage(township_id, today),
            "trend": street_trend(township_id, today),
            "points_posted": [p for p in points if p["posted"]],
            "points_not_posted": [p for p in points if not p["posted"]],
            "coverage": street_coverage(township_id, today)}


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)
