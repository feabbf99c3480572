"""Daily tonnage against the disposal capacity of the active treatment facilities."""

import datetime as dt

from flask import current_app
from sqlalchemy import func, select

from ..collections.tonnage import DailyTonnage
from ..enums import STREAM_FACILITY, FacilityType, WasteCategory
from ..extensions import db
from ..facilities.models import TreatmentFacility
from .formulas import capacity_status, headroom_t, tonnes, utilisation_percent

MAX_RANGE_DAYS = 366


def capacity_by_type() -> dict[FacilityType, int]:
    """Tonnes per day the active facilities of each type can treat."""
    rows = db.session.execute(
        select(TreatmentFacility.facility_type, func.sum(TreatmentFacility.capacity_t_per_day))
        .where(TreatmentFacility.active)
        .group_by(TreatmentFacility.facility_type)
    )
    totals = dict.fromkeys(FacilityType, 0)
    totals.update({t: int(total) for t, total in rows})
    return totals


def city_capacity_t_per_day() -> int:
    """The city's disposal capacity: the sum over active facilities (29,000 t/day in the demo)."""
    return sum(capacity_by_type().values())


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
    """Every local day from ``first`` to ``last`` inclusive, days without postings included.

    Capacity is today's: facilities carry no history of their capacity.
    """
    if last < first:
        raise ValueError("the range ends before it starts")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise ValueError(f"at most {MAX_RANGE_DAYS} days at once")
    capacity = capacity_by_type()
    warning = current_app.config["CAPACITY_WARNING_PERCENT"]
    kg = tonnage_by_day_and_category(first, last)
    days = ((first + dt.timedelta(days=n)) for n in range((last - first).days + 1))
    return [day_figures(day, kg.get(day, {}), capacity, warning) for day in days]
