"""The demo's weighbridge tickets, consistent with its collections, deterministic.

Every town's or street's daily tonnage of each stream (the collections already seeded) is
driven to a facility of the type that treats it (residual to incineration, kitchen waste to
kitchen-waste treatment, …; each town or street has its own facility of each type, chosen so
that every facility's share of its stream follows its capacity) in truckloads weighed at the
facility's weighbridge between 05:00 and 20:59. What arrives is a little less than what was
collected (water drains, a load goes the next morning): small gaps. Three facilities'
weighbridges do not record where a load came from; the others name the town or street.

Two stories for the figures to tell:

- **maintenance**: the second-largest incinerator is closed for a week (capacity 0, then its
  capacity again: two periods of its history), and its towns' and streets' residual waste is
  driven to the other incinerators meanwhile (the load moved);
- **mixed transport**: on three days one street's kitchen waste mostly leaves in the residual
  trucks and is weighed at the incinerator as residual waste.

A few tickets are void. Rows go in through :func:`wastesort.bulk.bulk_insert` (``COPY`` on
PostgreSQL) and the daily intake is then made from them by one ``INSERT … SELECT``
(:func:`wastesort.intake.aggregate.fill_from_tickets`): no Python pass over the aggregate.
"""

import datetime as dt
import random
from collections import defaultdict

from sqlalchemy import select

from ..accounts.models import Role, User
from ..bulk import bulk_insert
from ..collections.tonnage import DailyTonnage
from ..enums import STREAM_FACILITY, FacilityType
from ..extensions import db
from ..facilities.models import FacilityCapacity, TreatmentFacility
from ..intake import aggregate
from ..timeutil import city_zone

RANDOM_SEED = 20211008 + 16  # apart from the city's and the inspections' own
# A truck's net load, kg, by stream: transfer-station containers for residual waste, tankers
# for kitchen waste, box trucks for recyclables, a van for hazardous waste (about 2,000 tickets
# a day in the city: about 750,000 a year).
LOADS_KG = {"residual": (14_000, 26_000), "kitchen": (5_000, 10_000),
            "recyclable": (3_000, 8_000), "hazardous": (400, 2_500)}
FLEET = 12  # trucks (plates) per town or street and stream
ARRIVAL_LOSS = (0.003, 0.015)  # what does not arrive: drained water, spills
UNNAMED_FACILITIES = 3  # weighbridges that do not record the source
VOID_SHARE = 0.001
MAINTENANCE_DAYS = 7
MAINTENANCE_ENDS_DAYS_AGO = 20
MIXED_DAYS_AGO = (5, 12, 19)
MIXED_SHARE = 0.7  # of the street's kitchen waste on those days
PLATE_LETTERS = "ABCDFGHJK"
COLUMNS = ("treatment_facility_id", "ticket_number", "arrived_at", "arrived_on", "stream",
           "net_weight_kg", "township_id", "vehicle_plate", "posted_by_id", "posted_at",
           "voided", "void_reason", "voided_at", "voided_by_id")


def seed_intake(today: dt.date) -> int:
    """Tickets for every day of the seeded collections (up to ``today``), the operators who
    posted them, a week of maintenance in one incinerator's capacity history and the daily
    intake, in the session's transaction; returns how many tickets."""
    rng = random.Random(RANDOM_SEED)
    days = sorted(db.session.scalars(select(DailyTonnage.collected_on).distinct()
                                     .where(DailyTonnage.collected_on <= today)))
    if not days:
        return 0
    facilities = db.session.execute(
        select(TreatmentFacility.id, TreatmentFacility.facility_type,
               TreatmentFacility.capacity_t_per_day)
        .where(TreatmentFacility.active).order_by(TreatmentFacility.id)).all()
    operators = _operators([f.id for f in facilities])
    volumes = _township_volumes(days[0], days[-1])
    home = _home_facilities(facilities, volumes)
    unnamed = {f.id for f in facilities[-UNNAMED_FACILITIES:]}
    incinerators = sorted((f for f in facilities if f.facility_type == FacilityType.INCINERATION),
                          key=lambda f: -f.capacity_t_per_day)
    closed = incinerators[1] if len(incinerators) > 1 else None
    closure = _closure(closed, days, today)
    others = [f for f in incinerators if closed is None or f.id != closed.id]
    mixed_street = sorted(volumes)[len(volumes) // 3] if volumes else None
    mixed_days = {today - dt.timedelta(days=n) for n in MIXED_DAYS_AGO}
    stamps = _Stamps(days)

    # read whole before the load: PostgreSQL's COPY holds the connection while it runs
    tonnage = db.session.execute(
        select(DailyTonnage.collected_on, DailyTonnage.township_id, DailyTonnage.category,
               DailyTonnage.weight_kg)
        .where(DailyTonnage.collected_on.between(days[0], days[-1]), DailyTonnage.weight_kg > 0)
        .order_by(DailyTonnage.collected_on, DailyTonnage.township_id,
                  DailyTonnage.category)).all()

    def rows():
        numbers: dict[int, int] = defaultdict(int)
        random_, uniform = rng.random, rng.uniform
        fleets: dict[tuple[int, str], list[str]] = {}
        day_texts: dict[dt.date, tuple[str, str]] = {}
        for day, township, category, kg in tonnage:
            stream = str(category)
            fleet = fleets.get((township, stream))
            if fleet is None:
                fleet = fleets[township, stream] = [_plate(rng) for _ in range(FLEET)]
            texts = day_texts.get(day)
            if texts is None:
                texts = day_texts[day] = (day.isoformat(), f"{day:%y%m%d}")
            loads = [(stream, kg * (1 - uniform(*ARRIVAL_LOSS)))]
            if township == mixed_street and day in mixed_days and stream == "kitchen":
                loads = [("kitchen", kg * (1 - MIXED_SHARE)), ("residual", kg * MIXED_SHARE)]
            for declared, weight in loads:
                facility = home[township, "residual" if declared == "residual" else stream]
                if day in closure and facility == closed.id:  # the load moved
                    facility = others[township % len(others)].id
                low, high = LOADS_KG[stream]
                trucks = max(1, round(weight / ((low + high) / 2)))
                shares = [0.9 + 0.2 * random_() for _ in range(trucks)]
                scale = weight / sum(shares)  # the loads add up to what arrived
                named = None if facility in unnamed else township
                for share in shares:
                    net = max(1, round(share * scale))
                    numbers[facility] += 1
                    minute = int(random_() * 960)  # 05:00 to 20:59
                    void = random_() < VOID_SHARE
                    stamp = stamps.at(day, minute)
                    yield (facility, f"{facility:02d}{texts[1]}{numbers[facility]:05d}",
                           stamp, texts[0], declared, net, named,
                           fleet[int(random_() * FLEET)], operators[facility], stamp, void,
                           "重复过磅" if void else None, stamp if void else None,
                           operators[facility] if void else None)

    count = bulk_insert("weighbridge_tickets", COLUMNS, rows())
    aggregate.fill_from_tickets(db.session.connection())
    return count


def _operators(facility_ids: list[int]) -> dict[int, int]:
    """One operator account per facility (``operator-<facility id>``, no password until an
    administrator sets one): {facility id: user id}."""
    rows = [User(username=f"operator-{fid}", password_hash="!", role=Role.FACILITY_OPERATOR,
                 treatment_facility_id=fid) for fid in facility_ids]
    db.session.add_all(rows)
    db.session.flush()
    return {u.treatment_facility_id: u.id for u in rows}


def _township_volumes(first: dt.date, last: dt.date) -> dict[int, int]:
    """{township id: kg collected on the last day}, to share the towns among the
    facilities (a town's share of the city hardly changes from day to day)."""
    found: dict[int, int] = defaultdict(int)
    for township, kg in db.session.execute(
            select(DailyTonnage.township_id, DailyTonnage.weight_kg)
            .where(DailyTonnage.collected_on == last)):
        found[township] += int(kg)
    return dict(found)


def _home_facilities(facilities, volumes: dict[int, int]) -> dict[tuple[int, str], int]:
    """{(township id, stream): facility id}: each stream's towns and streets, the largest
    first, go to the facility of its type with the most capacity still unclaimed, so that
    every facility's share follows its capacity."""
    home = {}
    for category, facility_type in STREAM_FACILITY.items():
        of_type = [f for f in facilities if f.facility_type == facility_type]
        if not of_type:
            continue
        total_capacity = sum(f.capacity_t_per_day for f in of_type)
        total_volume = sum(volumes.values()) or 1
        room = {f.id: f.capacity_t_per_day / total_capacity for f in of_type}
        for township in sorted(volumes, key=lambda t: (-volumes[t], t)):
            chosen = max(room, key=lambda fid: (room[fid], -fid))
            home[township, category.value] = chosen
            room[chosen] -= volumes[township] / total_volume
    return home


def _closure(closed, days: list[dt.date], today: dt.date) -> set[dt.date]:
    """The week the incinerator ``closed`` is under maintenance (ending MAINTENANCE_ENDS_DAYS_AGO
    days ago, or the first week of fewer seeded days), written into its capacity history."""
    if closed is None:
        return set()
    end = today - dt.timedelta(days=MAINTENANCE_ENDS_DAYS_AGO)
    start = end - dt.timedelta(days=MAINTENANCE_DAYS - 1)
    if start < days[0]:  # fewer days seeded: their first week
        start, end = days[0], days[0] + dt.timedelta(days=MAINTENANCE_DAYS - 1)
    if end >= days[-1]:
        return set()
    db.session.add_all([
        FacilityCapacity(treatment_facility_id=closed.id, effective_from=start,
                         capacity_t_per_day=0, note="年度检修"),
        FacilityCapacity(treatment_facility_id=closed.id, effective_from=end + dt.timedelta(days=1),
                         capacity_t_per_day=closed.capacity_t_per_day, note="检修完成")])
    db.session.flush()
    return {start + dt.timedelta(days=n) for n in range((end - start).days + 1)}


def _plate(rng: random.Random) -> str:
    return f"渝{rng.choice(PLATE_LETTERS)}{rng.randrange(10_000, 99_999)}"


class _Stamps:
    """Arrival times as the bulk loader takes them (UTC text), per day and minute after 05:00,
    each made once."""

    def __init__(self, days: list[dt.date]):
        zone = city_zone()
        postgresql = db.session.get_bind().dialect.name == "postgresql"
        self.format = "%Y-%m-%d %H:%M:%S+00" if postgresql else "%Y-%m-%d %H:%M:%S.%f"
        self.starts = {d: dt.datetime.combine(d, dt.time(5), tzinfo=zone).astimezone(dt.UTC)
                       for d in days}
        self.made: dict[tuple[dt.date, int], str] = {}

    def at(self, day: dt.date, minute: int) -> str:
        key = (day, minute)
        text = self.made.get(key)
        if text is None:
            text = self.made[key] = (self.starts[day] + dt.timedelta(minutes=minute)
                                     ).strftime(self.format)
        return text
