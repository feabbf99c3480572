"""Build the demo city: deterministic (fixed random seed), faithful to the article's figures.

9 districts, 114 towns and streets, 59 facilities with 29,000 t/day, about 2,000 recycling
points, bins in the four categories, 3,754,000 households at city scale (1% at sample scale)
of which a small share is not yet covered, N days of collections whose daily totals sit
below, near and on some days above the capacity, and a year of inspections (demo/inspections.py).

Households and collections go in through :func:`wastesort.bulk.bulk_insert`, not one ORM
object per row, and their aggregates (household tallies, daily tonnage) are added from the
same generated rows in the same transaction.
"""

import datetime as dt
import math
import random
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from ..accounts.models import Role, User
from ..areas.models import Community, District, Township, TownshipKind
from ..bins.models import BinStatus
from ..bulk import bulk_insert, timestamp_text
from ..collections import tonnage
from ..collections.models import Collection
from ..enums import FacilityType, WasteCategory
from ..extensions import db
from ..facilities.models import FacilityCapacity, TreatmentFacility
from ..households import tally
from ..households.models import Household
from ..points.models import PointKind, RecyclingPoint
from ..timeutil import local_today
from . import inspections, intake
from .bintasks import seed_bin_tasks
from .geography import (
    CITY_HOUSEHOLDS,
    COMMUNITY_STEMS,
    COMMUNITY_SUFFIXES,
    DISTRICTS,
    FACILITY_CAPACITIES,
    FACILITY_NAMES,
)

RANDOM_SEED = 20211008  # the article's date
IN_SERVICE_SINCE = dt.date(2000, 1, 1)  # the facilities' capacity history starts here
SCALES = {"sample": 0.01, "city": 1.0}
# Share of each category in the tonnage, proportional to the capacity treating that stream.
CATEGORY_SHARE = {
    WasteCategory.RESIDUAL: 17000 / 28400,
    WasteCategory.KITCHEN: 7500 / 28400,
    WasteCategory.RECYCLABLE: 3600 / 28400,
    WasteCategory.HAZARDOUS: 300 / 28400,
}
HOUSEHOLD_COLUMNS = ("community_id", "code", "building", "unit", "room", "members",
                     "sorting_since")
SORTING_START = dt.date(2019, 6, 1)  # Chongqing's sorting programme: first households
SORTING_SPREAD_DAYS = 860  # most households joined by autumn 2021


@dataclass
class SeedSummary:
    districts: int
    townships: int
    communities: int
    households: int
    bins: int
    recycling_points: int
    facilities: int
    collections: int
    seconds: dict[str, float]  # by phase: what the benchmark reports
    inspections: int = 0
    tickets: int = 0  # weighbridge tickets, one set per day of collections (demo/intake.py)


class DatabaseNotEmpty(Exception):
    """Seeding would mix demo data into real data."""


def database_has_data() -> bool:
    for model in (District, Household, Collection, TreatmentFacility):
        if db.session.scalar(select(func.count()).select_from(model)):
            return True
    return False


def reset_database() -> None:
    """Delete every row of every table (users and tokens included), children first."""
    tables = reversed(db.metadata.sorted_tables)
    if db.session.get_bind().dialect.name == "postgresql":
        names = ", ".join(t.name for t in db.metadata.sorted_tables)
        db.session.execute(db.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def seed_demo(scale: str = "sample", days: int = 30, reset: bool = False,
              today: dt.date | None = None,
              inspection_days: int = inspections.DAYS) -> SeedSummary:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    if days < 0:
        raise ValueError("days must be zero or more")
    if database_has_data():
        if not reset:
            raise DatabaseNotEmpty("the database already holds data; "
                                   "run with --reset to delete it and seed the demo")
        reset_database()
    started = time.perf_counter()
    today = today or local_today()
    rng = random.Random(RANDOM_SEED)
    districts = _districts()
    townships = _townships(districts)
    facilities = _facilities(districts)
    communities = _communities(rng, townships)
    points = _points(rng, townships, communities)
    db.session.flush()
    staff = _point_staff(points)
    seconds = {"registry": time.perf_counter() - started}
    households_per_township = _household_targets(rng, townships, SCALES[scale])
    mark = time.perf_counter()
    households = _households(rng, townships, communities, households_per_township, today)
    seconds["households"] = time.perf_counter() - mark
    mark = time.perf_counter()
    bins = _bins(rng, communities)
    collections = _collections(rng, points, staff, days, today)
    seconds["bins_and_collections"] = time.perf_counter() - mark
    mark = time.perf_counter()
    inspected = inspections.seed_inspections(today, inspection_days) if inspection_days else 0
    db.session.commit()
    seconds["inspections"] = time.perf_counter() - mark
    mark = time.perf_counter()
    seed_bin_tasks(today)  # the last 90 days' bin problems and tasks (demo/bintasks.py)
    db.session.commit()
    seconds["bin_tasks"] = time.perf_counter() - mark
    mark = time.perf_counter()
    tickets = intake.seed_intake(today)
    db.session.commit()
    seconds["tickets"] = time.perf_counter() - mark
    if db.session.get_bind().dialect.name == "postgresql":
        mark = time.perf_counter()
        vacuum_analyze()
        seconds["analyze"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    return SeedSummary(len(districts), len(townships), sum(map(len, communities.values())),
                       households, bins, len(points), facilities, collections, seconds,
                       inspected, tickets)


def vacuum_analyze() -> None:
    """PostgreSQL: ``VACUUM (ANALYZE)`` every table just loaded (seconds at city scale).

    ANALYZE gives the planner its statistics: without them (autovacuum off, or not yet run after
    millions of COPY rows) it guesses, and a GROUP BY over the 365 days of collections took 1.8 s
    instead of 0.7 s. VACUUM sets the visibility map, without which an index-only scan still
    reads the table (the dashboard's bin and household counts). VACUUM cannot run inside a
    transaction, hence a connection of its own in autocommit."""
    names = ", ".join(t.name for t in db.metadata.sorted_tables)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(db.text(f"VACUUM (ANALYZE) {names}"))


def _districts() -> list[District]:
    rows = [District(code=code, name=name, name_en=name_en)
            for code, name, name_en, *_ in DISTRICTS]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _townships(districts: list[District]) -> list[Township]:
    rows = []
    for district, (*_, names) in zip(districts, DISTRICTS, strict=True):
        for name in names:
            kind = TownshipKind.TOWN if name.endswith("镇") else TownshipKind.STREET
            full = name if kind is TownshipKind.TOWN else f"{name}街道"
            rows.append(Township(district=district, name=full, kind=kind))
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _facilities(districts: list[District]) -> int:
    count = 0
    for facility_type, capacities in FACILITY_CAPACITIES.items():
        for n, capacity in enumerate(capacities, start=1):
            district = districts[(count * 4 + n) % len(districts)]
            facility = TreatmentFacility(
                name=f"{district.name}{FACILITY_NAMES[facility_type]}{n}号",
                district=district, facility_type=FacilityType(facility_type),
                capacity_t_per_day=capacity)
            db.session.add(facility)  # in service long before the demo's first day
            db.session.add(FacilityCapacity(facility=facility, effective_from=IN_SERVICE_SINCE,
                                            capacity_t_per_day=capacity))
            count += 1
    return count


def _communities(rng: random.Random, townships: list[Township]) -> dict[int, list[Community]]:
    by_township = {}
    for township in townships:
        stems = rng.sample(COMMUNITY_STEMS, rng.randint(6, 14))
        rows = [Community(township=township, name=f"{stem}{rng.choice(COMMUNITY_SUFFIXES)}")
                for stem in stems]
        db.session.add_all(rows)
        by_township[township.id] = rows
    db.session.flush()
    return by_township


def _points(rng, townships, communities) -> list[RecyclingPoint]:
    centre = {code: (lat, lon) for code, _, _, lat, lon, _ in DISTRICTS}
    rows = []
    for township in townships:
        lat0, lon0 = centre[township.district.code]
        for n in range(1, rng.randint(14, 22) + 1):
            community = rng.choice(communities[township.id])
            kind = PointKind.KIOSK if rng.random() < 0.3 else PointKind.STATION
            label = "智能回收柜" if kind is PointKind.KIOSK else "回收站"
            rows.append(RecyclingPoint(
                township_id=township.id, community_id=community.id,
                name=f"{township.name}{label}{n:02d}", kind=kind,
                latitude=round(lat0 + rng.uniform(-0.05, 0.05), 6),
                longitude=round(lon0 + rng.uniform(-0.05, 0.05), 6)))
    db.session.add_all(rows)
    return rows


def _point_staff(points: list[RecyclingPoint]) -> dict[int, int]:
    """One staff account per point, which posted its collections: {point id: user id}.

    A year of postings then sits in the index of keys per poster as it would in a city (each
    kiosk's keys together). The accounts have no password (``!`` matches none) until an
    administrator sets one."""
    rows = [User(username=f"staff-{p.id}", password_hash="!", role=Role.POINT_STAFF,
                 recycling_point_id=p.id) for p in points]
    db.session.add_all(rows)
    db.session.flush()
    return {u.recycling_point_id: u.id for u in rows}


def _household_targets(rng, townships, scale: float) -> dict[int, int]:
    """Households per township, summing exactly to 3,754,000 × scale."""
    weights = [rng.uniform(0.6, 1.4) for _ in townships]
    total = round(CITY_HOUSEHOLDS * scale)
    raw = [total * w / sum(weights) for w in weights]
    counts = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
            : total - sum(counts)]:
        counts[i] += 1
    return {t.id: n for t, n in zip(townships, counts, strict=True)}


def _households(rng, townships, communities, targets, today) -> int:
    """Bulk-load households. Most towns and streets are ~99% covered; one in twelve lags
    (80-94%), so the city is "basically" (not trivially) fully covered."""
    recent_start = today - dt.timedelta(days=120)
    early = [(SORTING_START + dt.timedelta(days=d)).isoformat()
             for d in range(SORTING_SPREAD_DAYS)]
    recent = [(recent_start + dt.timedelta(days=d)).isoformat() for d in range(120)]
    district_code = {d.id: d.code for d in db.session.scalars(select(District))}
    tallies: Counter = Counter()

    def rows():
        for t_index, township in enumerate(townships):
            lagging = t_index % 12 == 5
            comms = communities[township.id]
            n_total = targets[township.id]
            per = [n_total // len(comms) + (1 if i < n_total % len(comms) else 0)
                   for i in range(len(comms))]
            for c_index, (community, n) in enumerate(zip(comms, per, strict=True)):
                cover = rng.uniform(0.80, 0.94) if lagging else rng.uniform(0.985, 0.999)
                prefix = f"{district_code[township.district_id]}{t_index:03d}{c_index:02d}"
                random_ = rng.random
                for k in range(n):
                    r = random_()
                    if r >= cover:
                        since = None
                    elif r < 0.004:
                        since = recent[int(r * 30000) % 120]
                    else:
                        since = early[int(r * 1e6) % SORTING_SPREAD_DAYS]
                    tallies[community.id, since] += 1
                    yield (community.id, f"{prefix}{k:06d}", str(1 + k // 96), str(1 + k // 24 % 4),
                           f"{1 + k // 4 % 6:02d}{1 + k % 4:02d}", 1 + int(random_() * 5), since)

    count = bulk_insert("households", HOUSEHOLD_COLUMNS, rows())
    months: Counter = Counter()
    for (community_id, since), n in tallies.items():
        months[community_id, tally.joined_month(since)] += n
    tally.add_counts(db.session.connection(), months)
    return count


def _bins(rng, communities) -> int:
    """Bins per community: one recyclable, kitchen and residual bin per ~150 households
    (counted from the households just loaded) and a hazardous bin per ~600."""
    counts = dict(db.session.execute(
        select(Household.community_id, func.count()).group_by(Household.community_id)).all())
    capacity_l = {WasteCategory.RECYCLABLE: 240, WasteCategory.KITCHEN: 120,
                  WasteCategory.RESIDUAL: 660, WasteCategory.HAZARDOUS: 120}
    rows = []
    for comms in communities.values():
        for community in comms:
            households = counts.get(community.id, 0)
            n = 0
            for category in WasteCategory:
                per = 600 if category is WasteCategory.HAZARDOUS else 150
                for _ in range(max(1, round(households / per))):
                    n += 1
                    r = rng.random()
                    status = (BinStatus.REMOVED if r < 0.01 else BinStatus.DAMAGED if r < 0.03
                              else BinStatus.IN_SERVICE)
                    rows.append((community.id, f"BIN{community.id:05d}{n:05d}", category.value,
                                 capacity_l[category], status.value))
    return bulk_insert("sorting_bins", ("community_id", "serial", "category", "capacity_l",
                                        "status"), rows)


# The seasons of the city's waste (a forecast has something to learn): the fortnight before
# the Spring Festival +8 %, its holiday week -22 % (people leave the city), the week after -8 %;
# a summer peak of up to +7 % in late July; more on the weekend than midweek.
FESTIVAL_FACTORS = {(-14, -1): 1.08, (0, 6): 0.78, (7, 13): 0.92}
WEEKDAY_SHIFT = (0.00, -0.02, -0.03, -0.01, 0.01, 0.03, 0.04)  # Monday to Sunday


def seasonal_factor(day: dt.date) -> float:
    """The Spring Festival's and the summer's factor of a day's tonnage."""
    from ..metrics.forecast import festival_offset

    summer = 1 + 0.07 * max(0.0, math.cos(2 * math.pi * (day.timetuple().tm_yday - 205)
                                          / 365.25))
    offset = festival_offset(day)
    festival = next((f for (low, high), f in FESTIVAL_FACTORS.items()
                     if offset is not None and low <= offset <= high), 1.0)
    return summer * festival


def daily_utilisation_targets(rng: random.Random, days: int, first: dt.date) -> list[float]:
    """Share of the capacity collected each day from ``first``: mostly 72-84% (higher on the
    weekend), every fourth day in warning (86-97%), every ninth day over capacity (101-106%),
    each times the day's season (:func:`seasonal_factor`)."""
    targets = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        u = 0.78 + WEEKDAY_SHIFT[day.weekday()] + rng.uniform(-0.03, 0.03)
        if i % 9 == 4:
            u = rng.uniform(1.01, 1.06)
        elif i % 4 == 1:
            u = rng.uniform(0.86, 0.97)
        targets.append(u * seasonal_factor(day))
    return targets


def _collections(rng, points, staff: dict[int, int], days: int, today: dt.date) -> int:
    capacity_kg = sum(sum(v) for v in FACILITY_CAPACITIES.values()) * 1000
    point_ids = [p.id for p in points]
    weights = [rng.uniform(0.5, 1.5) for _ in point_ids]
    total_weight = sum(weights)
    shares = [w / total_weight for w in weights]
    first = today - dt.timedelta(days=days - 1)
    targets = daily_utilisation_targets(rng, days, first)
    township_of = {p.id: p.township_id for p in points}
    sums: Counter = Counter()
    records: Counter = Counter()

    def rows():
        for i in range(days):
            day = first + dt.timedelta(days=i)
            stamp = timestamp_text(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))
            day_kg = targets[i] * capacity_kg
            for point_id, share in zip(point_ids, shares, strict=True):
                for category, cat_share in CATEGORY_SHARE.items():
                    weight = max(1, round(day_kg * cat_share * share * rng.uniform(0.9, 1.1)))
                    key = (day, township_of[point_id], category.value)
                    sums[key] += weight
                    records[key] += 1
                    yield (point_id, day.isoformat(), category.value, weight, stamp,
                           staff[point_id], f"demo-{day:%Y%m%d}-{category.value[:3]}", False)

    count = bulk_insert("collections", ("recycling_point_id", "collected_on", "category",
                                        "weight_kg", "posted_at", "posted_by_id",
                                        "idempotency_key", "voided"), rows())
    tonnage.add_weights(db.session.connection(), sums, records)
    return count
