"""Daily tonnage per town or street and category, kept beside the collections.

A year of collections is about three million rows; the capacity figures need only the sum per
local day and category (and, for a scoped dashboard, per town or street). ``daily_tonnage``
holds those sums for the records that are not void.

It is kept in the same transaction as the collections: postings add through
:mod:`wastesort.collections.store` (the town or street read inside the writing transaction),
a void subtracts what its conditional UPDATE returned (so only the request that voided the
record does), the demo seed adds its sums with :func:`add_weights`, and an ORM flush hook adds
collections inserted through the session (tests, scripts). The upsert adds to the stored sum,
so concurrent postings cannot lose each other's weight. ``wastesort check`` recomputes it from
the collections.
"""

import datetime as dt
from collections import Counter

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..database import driver_cursor
from ..enums import WasteCategory, enum_column_type
from ..extensions import db
from ..points.models import RecyclingPoint
from .models import Collection


class DailyTonnage(db.Model):
    __tablename__ = "daily_tonnage"

    collected_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"), primary_key=True)
    category: Mapped[WasteCategory] = mapped_column(
        enum_column_type(WasteCategory, "tonnage_category"), primary_key=True)
    weight_kg: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    records: Mapped[int]


def add_weights(connection, sums: Counter, records: Counter) -> None:
    """Add {(day, township_id, category): kg} and record counts (negative to subtract), the
    rows in key order (concurrent writers lock them in one order: no deadlock)."""
    sqlite = connection.dialect.name == "sqlite"
    rows = sorted((_day_value(day, sqlite), t, str(c), kg, records[day, t, c])
                  for (day, t, c), kg in sums.items() if kg or records[day, t, c])
    if rows:
        with driver_cursor(connection) as cursor:
            cursor.executemany(_UPSERT_SQLITE if sqlite else _UPSERT, rows)


# The additive upsert, plain SQL for both databases, run on the driver's cursor: every posting
# pays for it, and SQLAlchemy's statement handling cost more than SQLite's own work.
_UPSERT = """
    INSERT INTO daily_tonnage (collected_on, township_id, category, weight_kg, records)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (collected_on, township_id, category) DO UPDATE
    SET weight_kg = daily_tonnage.weight_kg + excluded.weight_kg,
        records = daily_tonnage.records + excluded.records"""
_UPSERT_SQLITE = _UPSERT.replace("%s", "?")  # the same statement in sqlite3's placeholders


def _day_value(day, sqlite: bool):
    """A day as each driver takes it: ISO text for SQLite (as SQLAlchemy stores a Date)."""
    day = _as_date(day)
    return day.isoformat() if sqlite else day


def add_point_postings(cursor, postings) -> None:
    """SQLite, inside the posting's write transaction: add ``postings`` of (collected_on,
    recycling_point_id, category, weight_kg), each point's town or street read by the upsert
    itself (``cursor`` is the driver's)."""
    sums: Counter = Counter()
    records: Counter = Counter()
    for day, point_id, category, weight_kg in postings:
        key = (day.isoformat(), point_id, str(category))
        sums[key] += weight_kg
        records[key] += 1
    if sums:
        cursor.executemany(_UPSERT_BY_POINT_SQLITE, sorted(
            (day, category, kg, records[day, point, category], point)
            for (day, point, category), kg in sums.items()))


# The same upsert, the town or street taken from the point (SQLite; its INSERT … SELECT needs
# the WHERE for the parser to read ON CONFLICT as the upsert).
_UPSERT_BY_POINT_SQLITE = """
    INSERT INTO daily_tonnage (collected_on, township_id, category, weight_kg, records)
    SELECT ?, township_id, ?, ?, ? FROM recycling_points WHERE id = ?
    ON CONFLICT (collected_on, township_id, category) DO UPDATE
    SET weight_kg = daily_tonnage.weight_kg + excluded.weight_kg,
        records = daily_tonnage.records + excluded.records"""


def subtract_voided(connection, day, point_id: int, category, weight_kg: int) -> None:
    """Take a voided record out of its day's tonnage (a point with collections never moves,
    so its town or street now is the one the record was added to)."""
    township_id = point_townships(connection, [point_id])[point_id]
    add_weights(connection, Counter({(day, township_id, str(category)): -weight_kg}),
                Counter({(day, township_id, str(category)): -1}))


def point_townships(connection, point_ids) -> dict[int, int]:
    return dict(connection.execute(select(RecyclingPoint.id, RecyclingPoint.township_id)
                                   .where(RecyclingPoint.id.in_(list(point_ids)))).all())


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


class UntrackedVoid(RuntimeError):
    """A collection voided through the ORM: void with ``collections.service.void_collection``,
    whose conditional UPDATE decides which request voided it."""


@event.listens_for(Session, "after_flush")
def _track_collections(session: Session, _context) -> None:
    new = [obj for obj in session.new if isinstance(obj, Collection) and not obj.voided]
    for obj in session.dirty:
        if isinstance(obj, Collection) and db.inspect(obj).attrs.voided.history.has_changes():
            raise UntrackedVoid(f"collection {obj.id}: void it with void_collection()")
    if not new:
        return
    connection = session.connection()
    townships = point_townships(connection, {c.recycling_point_id for c in new})
    sums: Counter = Counter()
    records: Counter = Counter()
    for row in new:
        key = (row.collected_on, townships[row.recycling_point_id], str(row.category))
        sums[key] += row.weight_kg
        records[key] += 1
    add_weights(connection, sums, records)


def recount() -> Counter:
    """{(day, township_id, category): (kg, records)} from the collections themselves."""
    rows = db.session.execute(
        select(Collection.collected_on, RecyclingPoint.township_id, Collection.category,
               func.sum(Collection.weight_kg), func.count())
        .join(RecyclingPoint, Collection.recycling_point_id == RecyclingPoint.id)
        .where(Collection.voided.is_(False))
        .group_by(Collection.collected_on, RecyclingPoint.township_id, Collection.category))
    return Counter({(d, t, str(c)): (int(kg), int(n)) for d, t, c, kg, n in rows})


def stored() -> Counter:
    rows = db.session.execute(select(DailyTonnage.collected_on, DailyTonnage.township_id,
                                     DailyTonnage.category, DailyTonnage.weight_kg,
                                     DailyTonnage.records)
                              .where((DailyTonnage.weight_kg != 0) | (DailyTonnage.records != 0)))
    return Counter({(d, t, str(c)): (int(kg), int(n)) for d, t, c, kg, n in rows})
