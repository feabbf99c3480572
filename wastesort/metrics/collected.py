"""Collection totals: kilograms and records of the collections a filter selects, by category and
in all (docs/metrics.md, "Collection totals"). The collections page and
``GET /api/v1/collections/totals`` both call :func:`collection_totals`.

A filter the daily tonnage can answer (no point, no poster, void records excluded: days,
category and the caller's town or street) is summed from it, a few hundred rows a year per
town or street; any other is one aggregating query over the filtered collections, through the
indexes on (point, day) and (poster, key). Both give the same figures: ``wastesort check``
proves the daily tonnage equals the recount of the collections.
"""

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import ARRAY, Date, any_, bindparam, func, select

from ..accounts.models import Role, User
from ..accounts.scope import township_scope
from ..collections.models import Collection
from ..collections.service import collections_query
from ..collections.tonnage import DailyTonnage
from ..enums import WasteCategory
from ..extensions import db
from ..timeutil import local_today


@dataclass(frozen=True)
class Total:
    weight_kg: int = 0
    records: int = 0


@dataclass(frozen=True)
class CollectionTotals:
    """Every category present (zero when nothing matched), and their sum."""

    by_category: dict[WasteCategory, Total] = field(default_factory=dict)

    @property
    def weight_kg(self) -> int:
        return sum(t.weight_kg for t in self.by_category.values())

    @property
    def records(self) -> int:
        return sum(t.records for t in self.by_category.values())


def _day_range(first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """``first`` to ``last``, an open end closed at the first or last day stored (two seeks
    of the key)."""
    if first is None:
        first = db.session.scalar(select(func.min(DailyTonnage.collected_on))) or local_today()
    if last is None:
        last = db.session.scalar(select(func.max(DailyTonnage.collected_on))) or first
    return first, max(first, last)


def _on_days(first: dt.date, last: dt.date):
    """``collected_on`` is one of the days ``first`` to ``last``: one seek of the key (day,
    town or street, category) a day, where ``township_id = ?`` alone read every row of the
    range (a town's or street's year: 1,460 rows sought instead of 166,000 read, 36 ms on
    both databases). PostgreSQL takes the days as one array parameter."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    if db.session.get_bind().dialect.name == "postgresql":
        return DailyTonnage.collected_on == any_(bindparam("days", days, type_=ARRAY(Date)))
    return DailyTonnage.collected_on.in_(days)


def from_daily_tonnage(user: User, *, recycling_point_id=None, posted_by_id=None,
                       voided=None, **_filters) -> bool:
    """Whether the daily tonnage answers this filter: it holds the records that are not void,
    per day, town or street and category; point staff read one point (a point filter)."""
    return (recycling_point_id is None and posted_by_id is None and voided is False
            and user.role is not Role.POINT_STAFF)


def collection_totals(user: User, *, recycling_point_id: int | None = None,
                      category: str | None = None, date_from: dt.date | None = None,
                      date_to: dt.date | None = None, voided: bool | None = None,
                      posted_by_id: int | None = None) -> CollectionTotals:
    """kg and records by category of the collections ``user`` may read that the filters select
    (those of :func:`wastesort.collections.service.collections_query`, the list's)."""
    filters = {"recycling_point_id": recycling_point_id, "category": category,
               "date_from": date_from, "date_to": date_to, "voided": voided,
               "posted_by_id": posted_by_id}
    if from_daily_tonnage(user, **filters):
        stmt = select(DailyTonnage.category, func.sum(DailyTonnage.weight_kg),
                      func.sum(DailyTonnage.records)).group_by(DailyTonnage.category)
        scope = township_scope(user)
        if category is not None:
            stmt = stmt.where(DailyTonnage.category == WasteCategory(category))
        if scope is not None:
            stmt = stmt.where(DailyTonnage.township_id == scope,
                              _on_days(*_day_range(date_from, date_to)))
        else:
            if date_from is not None:
                stmt = stmt.where(DailyTonnage.collected_on >= date_from)
            if date_to is not None:
                stmt = stmt.where(DailyTonnage.collected_on <= date_to)
    else:
        stmt = (collections_query(user, **filters).order_by(None)
                .with_only_columns(Collection.category, func.sum(Collection.weight_kg),
                                   func.count(), maintain_column_froms=True)
                .group_by(Collection.category))
    found = {WasteCategory(c): Total(int(kg or 0), int(n or 0))
             for c, kg, n in db.session.execute(stmt)}
    return CollectionTotals({c: found.get(c, Total()) for c in WasteCategory})
