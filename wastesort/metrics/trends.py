"""Trends of an area — the city, a district, a town or street, or a community — month by month:
tonnage by stream, coverage and the inspection rates (docs/metrics.md, "Trends").

Tonnage is summed in SQL per day and category from ``daily_tonnage`` (a community: from the
collections of the recycling points attached to it), and the days are folded into months here
(at most 366 × 4 rows). Coverage at each month's end comes from the household tallies (per
community and month of sorting start: a running sum over a hundred months, not the
households), the running month's from :mod:`wastesort.metrics.coverage`. The rates are
:mod:`wastesort.metrics.inspections`' figures, month by month, where that module is there.
"""

import datetime as dt

from sqlalchemy import func, select

from ..areas.models import Community, Township
from ..collections.models import Collection
from ..collections.tonnage import DailyTonnage
from ..enums import WasteCategory
from ..extensions import db
from ..households.tally import NOT_COVERED, HouseholdTally
from ..points.models import RecyclingPoint
from .coverage import _household_counts
from .formulas import coverage_percent, tonnes
from .street import _on_days

MONTHS = 12


def months_back(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the ``count`` months up to ``today``'s, oldest first."""
    months, month = [], today.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months[::-1]


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


class Scope:
    """An area: the city (nothing given), a district, a town or street, or a community."""

    def __init__(self, *, district_id: int | None = None, township_id: int | None = None,
                 community_id: int | None = None):
        self.district_id, self.township_id, self.community_id = \
            district_id, township_id, community_id

    @property
    def key(self) -> str:
        for name in ("community", "township", "district"):
            value = getattr(self, f"{name}_id")
            if value is not None:
                return f"{name}:{value}"
        return "city"

    def township_filter(self) -> list:
        where = []
        if self.district_id is not None:
            where.append(Township.district_id == self.district_id)
        if self.township_id is not None:
            where.append(Township.id == self.township_id)
        return where


def kg_by_day(first: dt.date, last: dt.date, scope: Scope) -> dict[dt.date, dict[str, int]]:
    """{day: {category: kg}} collected (not void) in the area, summed in SQL per day."""
    if scope.community_id is not None:
        points = select(RecyclingPoint.id).where(RecyclingPoint.community_id
                                                 == scope.community_id)
        stmt = (select(Collection.collected_on, Collection.category,
                       func.sum(Collection.weight_kg))
                .where(Collection.recycling_point_id.in_(points),
                       Collection.collected_on.between(first, last),
                       Collection.voided.is_(False))
                .group_by(Collection.collected_on, Collection.category))
    else:
        stmt = (select(DailyTonnage.collected_on, DailyTonnage.category,
                       func.sum(DailyTonnage.weight_kg))
                .where(DailyTonnage.collected_on.between(first, last))
                .group_by(DailyTonnage.collected_on, DailyTonnage.category))
        where = scope.township_filter()
        if where:  # each (day, town) a seek of the key, not every town's rows of the year
            townships = db.session.scalars(select(Township.id).where(*where)).all()
            stmt = (select(DailyTonnage.collected_on, DailyTonnage.category,
                           func.sum(DailyTonnage.weight_kg))
                    .where(_on_days(first, last), DailyTonnage.township_id.in_(townships))
                    .group_by(DailyTonnage.collected_on, DailyTonnage.category))
    found: dict[dt.date, dict[str, int]] = {}
    for day, category, kg in db.session.execute(stmt):
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        found.setdefault(day, {})[WasteCategory(category).value] = int(kg or 0)
    return found


def monthly_tonnage(months: list[dt.date], today: dt.date, scope: Scope) -> list[dict]:
    """Each month's tonnes by stream and in all, and its tonnes per day (the running month:
    over its days up to today, today so far)."""
    if not months:
        return []
    last = min(month_end(months[-1]), today)
    kg = kg_by_day(months[0], last, scope)
    rows = []
    for month in months:
        end = min(month_end(month), today)
        days = (end - month).days + 1
        sums = dict.fromkeys((c.value for c in WasteCategory), 0)
        for n in range(days):
            for category, weight in kg.get(month + dt.timedelta(days=n), {}).items():
                sums[category] += weight
        total = sum(sums.values())
        rows.append({"month": month, "days": days,
                     "by_category_t": {c: tonnes(v) for c, v in sums.items()},
                     "collected_t": tonnes(total),
                     "t_per_day": round(total / days / 1000, 3),
                     "by_category_t_per_day": {c: round(v / days / 1000, 3)
                                               for c, v in sums.items()}})
    return rows


def coverage_by_month(months: list[dt.date], today: dt.date, scope: Scope,
                      current: tuple[int, int] | None = None) -> list[dict]:
    """Households and coverage at each month's end (the running month: today), from the
    tallies per month of sorting start; ``current`` is today's (households, covered) when the
    caller has counted them already (the same count as :mod:`wastesort.metrics.coverage`)."""
    if current is not None and all(month_end(m) >= today for m in months):
        n, covered = current  # only the running month, counted by the caller already
        return [{"month": m, "households": n, "households_covered": covered,
                 "coverage_percent": coverage_percent(n, covered)} for m in months]
    stmt = (select(HouseholdTally.joined_month, func.sum(HouseholdTally.households))
            .join(Community, HouseholdTally.community_id == Community.id)
            .group_by(HouseholdTally.joined_month))
    if scope.community_id is not None:
        stmt = stmt.where(Community.id == scope.community_id)
    elif scope.township_filter():
        stmt = stmt.join(Township, Community.township_id == Township.id).where(
            *scope.township_filter())
    by_month = sorted((m if isinstance(m, dt.date) else dt.date.fromisoformat(m), int(n or 0))
                      for m, n in db.session.execute(stmt))
    households = sum(n for _m, n in by_month)
    rows = []
    for month in months:
        if month_end(month) >= today and current is not None:
            n, covered = current
        elif month_end(month) >= today:  # the running month, as the coverage figures count it
            unit = Community.id if scope.community_id is not None else Community.township_id
            where = [Community.id == scope.community_id] if scope.community_id is not None \
                else scope.township_filter()
            counts = _household_counts(unit, today, where).values()
            n, covered = sum(c[0] for c in counts), sum(c[1] for c in counts)
        else:
            n = households
            covered = sum(c for m, c in by_month if m <= month and m != NOT_COVERED)
        rows.append({"month": month, "households": n, "households_covered": covered,
                     "coverage_percent": coverage_percent(n, covered)})
    return rows


def rates_by_month(months: list[dt.date], today: dt.date, scope: Scope) -> list[dict] | None:
    """Participation and accuracy month by month — the inspection figures' ratios
    (``formulas.participation_percent`` and ``accuracy_percent``) of the month's sums of the
    daily inspection tally, one ``GROUP BY`` day over the year — or None where inspections are
    not part of this installation or nothing was inspected in those months."""
    try:
        from ..inspections.tally import DailyInspectionTally as Tally
        from .formulas import accuracy_percent, participation_percent
    except ImportError:
        return None
    stmt = (select(Tally.inspected_on, func.sum(Tally.inspections),
                   func.sum(Tally.households_seen), func.sum(Tally.households_sorted),
                   func.sum(Tally.items_inspected), func.sum(Tally.items_correct))
            .where(Tally.inspected_on.between(months[0], today))
            .group_by(Tally.inspected_on))
    if scope.community_id is not None:
        stmt = stmt.where(Tally.community_id == scope.community_id)
    elif scope.township_filter():
        stmt = stmt.where(Tally.community_id.in_(
            select(Community.id).join(Township).where(*scope.township_filter())))
    sums = {m: [0] * 5 for m in months}
    for day, *values in db.session.execute(stmt):
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        month = sums.get(day.replace(day=1))
        if month is not None:
            for i, v in enumerate(values):
                month[i] += int(v or 0)
    if not any(v[0] for v in sums.values()):
        return None
    return [{"month": m, "inspections": v[0],
             "participation_percent": participation_percent(v[1], v[2]),
             "accuracy_percent": accuracy_percent(v[3], v[4])} for m, v in sums.items()]


def _township_of(community_id: int) -> int | None:
    return db.session.scalar(select(Community.township_id).where(Community.id == community_id))
