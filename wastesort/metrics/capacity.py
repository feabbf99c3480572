"""Daily tonnage against the disposal capacity in force each day.

A facility's capacity has a history (``facility_capacities``: a new line, maintenance, a
closure, a planned change entered ahead), so a past day is measured against the capacity it
had then. The periods are few (a handful per facility), so a range of days reads the periods
once and steps through the days; the tonnage is summed in SQL.
"""

import datetime as dt

from flask import current_app
from sqlalchemy import func, select

from ..collections.tonnage import DailyTonnage
from ..enums import STREAM_FACILITY, FacilityType, WasteCategory
from ..extensions import db
from ..facilities.models import FacilityCapacity, TreatmentFacility
from ..timeutil import local_today
from .formulas import capacity_status, headroom_t, tonnes, utilisation_percent

MAX_RANGE_DAYS = 366


def facility_capacities(first: dt.date, last: dt.date) -> dict[int, list[int]]:
    """{facility id: [t/day in force on each day from ``first`` to ``last``]}: each day takes
    the facility's period that started last on or before it (0 before its first period)."""
    count = (last - first).days + 1
    by_facility: dict[int, list[int]] = {}
    periods = db.session.execute(
        select(FacilityCapacity.treatment_facility_id, FacilityCapacity.effective_from,
               FacilityCapacity.capacity_t_per_day)
        .where(FacilityCapacity.effective_from <= last)
        .order_by(FacilityCapacity.treatment_facility_id, FacilityCapacity.effective_from))
    for facility_id, start, capacity in periods:
        days = by_facility.setdefault(facility_id, [0] * count)
        offset = max((start - first).days, 0)
        days[offset:] = [capacity] * (count - offset)  # until a later period replaces it
    return by_facility


def facility_types() -> dict[int, FacilityType]:
    return {i: FacilityType(t) for i, t in db.session.execute(
        select(TreatmentFacility.id, TreatmentFacility.facility_type))}


def capacity_by_type_days(first: dt.date, last: dt.date) -> list[dict[FacilityType, int]]:
    """Tonnes per day the facilities of each type can treat, on each day of the range."""
    types = facility_types()
    totals = [dict.fromkeys(FacilityType, 0) for _ in range((last - first).days + 1)]
    for facility_id, days in facility_capacities(first, last).items():
        facility_type = types[facility_id]
        for index, capacity in enumerate(days):
            totals[index][facility_type] += capacity
    return totals


def capacity_by_type(day: dt.date | None = None) -> dict[FacilityType, int]:
    """Tonnes per day the facilities of each type can treat on ``day`` (today by default)."""
    day = day or local_today()
    return capacity_by_type_days(day, day)[0]


def city_capacity_t_per_day(day: dt.date | None = None) -> int:
    """The city's disposal capacity on ``day`` (today by default): the sum over the
    facilities of the capacity in force (29,000 t/day in the demo)."""
    return sum(capacity_by_type(day).values())


def tonnage_by_day_and_category(first: dt.date, last: dt.date) -> dict[dt.date, dict]:
    """kg collected per local day and category, voided records excluded, summed in SQL from
    the daily tonnage kept beside the collections (wastesort/collections/tonnage.py)."""
    rows = db.session.execute(
        select(DailyTonnage.collected_on, DailyTonnage.category, func.sum(DailyTonnage.weight_kg))
        .where(DailyTonnage.collected_on.between(first, last))
        .group_by(DailyTonnage.collected_on, DailyTonnage.category)
    )
    by_day: dict[dt.date, dict] = {}
    for day, category, weight_kg in rows:
        by_day.setdefault(day, {})[WasteCategory(category)] = int(weight_kg)
    return by_day


def day_figures(day: dt.date, kg_by_category: dict, capacity: dict[FacilityType, int],
                warning_percent: float) -> dict:
    """One day's figures in all and per waste stream, from kg per category."""
    capacity_t = sum(capacity.values())
    by_category_t = {c.value: tonnes(kg_by_category.get(c, 0)) for c in WasteCategory}
    collected_t = tonnes(sum(kg_by_category.values()))
    streams = []
    for category, facility_type in STREAM_FACILITY.items():
        stream_t, stream_cap = by_category_t[category.value], capacity[facility_type]
        streams.append({
            "category": category.value,
            "facility_type": facility_type.value,
            "collected_t": stream_t,
            "capacity_t": stream_cap,
            "utilisation_percent": utilisation_percent(stream_t, stream_cap),
            "headroom_t": headroom_t(stream_t, stream_cap),
            "status": capacity_status(stream_t, stream_cap, warning_percent).value,
        })
    return {
        "day": day,
        "collected_t": collected_t,
        "by_category_t": by_category_t,
        "capacity_t": capacity_t,
        "utilisation_percent": utilisation_percent(collected_t, capacity_t),
        "headroom_t": headroom_t(collected_t, capacity_t),
        "status": capacity_status(collected_t, capacity_t, warning_percent).value,
        "streams": streams,
    }


def daily_capacity(first: dt.date, last: dt.date) -> list[dict]:
    """Every local day from ``first`` to ``last`` inclusive, days without postings included,
    each against the capacity in force that day."""
    if last < first:
        raise ValueError("the range ends before it starts")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise ValueError(f"at most {MAX_RANGE_DAYS} days at once")
    capacities = capacity_by_type_days(first, last)
    warning = current_app.config["CAPACITY_WARNING_PERCENT"]
    kg = tonnage_by_day_and_category(first, last)
    return [day_figures(first + dt.timedelta(days=n), kg.get(first + dt.timedelta(days=n), {}),
                        capacity, warning) for n, capacity in enumerate(capacities)]
