"""The chain to treatment: each facility against its own capacity, what was collected against
what arrived, and the treatment rates (docs/metrics.md, "The chain to treatment").

Intake is summed from the daily intake kept beside the weighbridge tickets
(wastesort/intake/aggregate.py), collection from the daily tonnage; the per-town figures read
the tickets that name a town or street (one covering index); capacity is the one in force each
day (metrics/capacity.py). Formulas: metrics/formulas.py.
"""

import datetime as dt

from flask import current_app
from sqlalchemy import Date, bindparam, func, select, text

from ..collections.tonnage import DailyTonnage
from ..enums import HARMLESS_TREATMENT, FacilityType, WasteCategory
from ..extensions import db
from ..facilities.models import TreatmentFacility
from ..intake.aggregate import DailyIntake
from ..intake.models import NAMED_TICKETS
from .capacity import facility_capacities
from .formulas import (
    CapacityStatus,
    beyond_tolerance,
    capacity_status,
    gap_percent,
    gap_t,
    harmless_rate_percent,
    headroom_t,
    landfill_share_percent,
    mixed_transport_t,
    percent,
    recycling_rate_percent,
    resource_utilisation_percent,
    tonnes,
    utilisation_percent,
)

STREAMS = [c.value for c in WasteCategory]
SORTED_STREAMS = ("kitchen", "recyclable", "hazardous")  # sorted at source; residual is not


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


# --------------------------------------------------------------------------- each facility

def intake_kg(first: dt.date, last: dt.date, facility_id: int | None = None) -> dict:
    """{(facility id, day): {stream: kg}} of the tickets that count."""
    stmt = (select(DailyIntake.treatment_facility_id, DailyIntake.arrived_on, DailyIntake.stream,
                   DailyIntake.weight_kg)
            .where(DailyIntake.arrived_on.between(first, last)))
    if facility_id is not None:
        stmt = stmt.where(DailyIntake.treatment_facility_id == facility_id)
    found: dict = {}
    for facility, day, stream, kg in db.session.execute(stmt):
        if kg:
            found.setdefault((facility, day), {})[str(stream)] = int(kg)
    return found


def facility_days(first: dt.date, last: dt.date, facility_id: int | None = None) -> list[dict]:
    """Every facility (or one) with its figures on each day of the range: intake in tonnes
    (in all and by declared stream), the capacity in force, utilisation, headroom, status, and
    whether it was closed (capacity 0)."""
    warning = current_app.config["CAPACITY_WARNING_PERCENT"]
    stmt = select(TreatmentFacility).order_by(TreatmentFacility.facility_type,
                                              TreatmentFacility.name)
    if facility_id is not None:
        stmt = stmt.where(TreatmentFacility.id == facility_id)
    facilities = db.session.scalars(stmt).all()
    capacities = facility_capacities(first, last)
    kg = intake_kg(first, last, facility_id)
    days = _days(first, last)
    rows = []
    for facility in facilities:
        capacity = capacities.get(facility.id, [0] * len(days))
        figures = []
        for index, day in enumerate(days):
            streams = kg.get((facility.id, day), {})
            intake_t = tonnes(sum(streams.values()))
            capacity_t = capacity[index]
            figures.append({
                "day": day, "intake_t": intake_t,
                "by_stream_t": {s: tonnes(streams.get(s, 0)) for s in STREAMS},
                "capacity_t": capacity_t,
                "utilisation_percent": utilisation_percent(intake_t, capacity_t),
                "headroom_t": headroom_t(intake_t, capacity_t),
                "status": capacity_status(intake_t, capacity_t, warning).value,
                "closed": capacity_t == 0})
        rows.append({"id": facility.id, "name": facility.name,
                     "facility_type": facility.facility_type.value, "days": figures})
    return rows


def facility_summary(row: dict) -> dict:
    """A facility over a run of days: tonnes received, average and peak utilisation, the days
    over capacity, in warning and closed. The average is the intake over the capacity of the
    days it was open (a week closed for maintenance does not dilute it)."""
    days = row["days"]
    open_days = [d for d in days if not d["closed"]]
    intake_t = round(sum(d["intake_t"] for d in days), 3)
    open_intake = sum(d["intake_t"] for d in open_days)
    capacity_days = sum(d["capacity_t"] for d in open_days)
    peak = max(open_days, key=lambda d: d["utilisation_percent"] or 0, default=None)
    return {
        "id": row["id"], "name": row["name"], "facility_type": row["facility_type"],
        "capacity_t_per_day": days[-1]["capacity_t"],
        "intake_t": intake_t,
        "average_t_per_day": round(intake_t / len(days), 3),
        "average_utilisation_percent": percent(open_intake, capacity_days),
        "peak_utilisation_percent": peak["utilisation_percent"] if peak else None,
        "peak_day": peak["day"].isoformat() if peak else None,
        "over_days": sum(1 for d in days if d["status"] == CapacityStatus.OVER),
        "warning_days": sum(1 for d in days if d["status"] == CapacityStatus.WARNING),
        "closed_days": len(days) - len(open_days),
    }


def facilities_on(day: dt.date) -> dict:
    """The facilities on ``day``: each one's figures, and those over or near capacity with
    the same-type facilities that have room to take the excess (a suggestion in tonnes, not
    routing)."""
    warning = current_app.config["CAPACITY_WARNING_PERCENT"]
    rows = [{**{k: r[k] for k in ("id", "name", "facility_type")}, **r["days"][0]}
            for r in facility_days(day, day)]
    strained = [r for r in rows if r["status"] != CapacityStatus.OK]
    room = {r["id"]: round(r["capacity_t"] * warning / 100 - r["intake_t"], 3)
            for r in rows if r["status"] == CapacityStatus.OK and not r["closed"]}
    strained.sort(key=lambda r: r["headroom_t"])  # the most over first
    for row in strained:
        limit = row["capacity_t"] * (1 if row["status"] == CapacityStatus.OVER else
                                     warning / 100)
        row["excess_t"] = round(max(row["intake_t"] - limit, 0), 3)
        row["suggestions"], left = _share_out(row, rows, room)
        row["unplaced_t"] = left
    return {"day": day, "facilities": rows, "strained": strained}


def _share_out(row: dict, rows: list[dict], room: dict) -> tuple[list[dict], float]:
    """Give ``row``'s excess to same-type facilities with room below their own warning
    level, the roomiest first; the room given is taken (each tonne is offered once)."""
    left = row["excess_t"]
    suggestions = []
    candidates = sorted((r for r in rows if r["facility_type"] == row["facility_type"]
                         and room.get(r["id"], 0) > 0), key=lambda r: -room[r["id"]])
    for candidate in candidates:
        if left <= 0:
            break
        given = round(min(left, room[candidate["id"]]), 3)
        room[candidate["id"]] = round(room[candidate["id"]] - given, 3)
        left = round(left - given, 3)
        suggestions.append({"id": candidate["id"], "name": candidate["name"],
                            "tonnes": given})
    return suggestions, left


# --------------------------------------------------------------------------- collected and received

def tolerances() -> dict[str, float]:
    return current_app.config["INTAKE_GAP_TOLERANCE_PERCENT"]


def received_kg(first: dt.date, last: dt.date) -> dict[dt.date, dict[str, int]]:
    """{day: {stream: kg received at every facility}}."""
    found: dict = {}
    for day, stream, kg in db.session.execute(
            select(DailyIntake.arrived_on, DailyIntake.stream, func.sum(DailyIntake.weight_kg))
            .where(DailyIntake.arrived_on.between(first, last))
            .group_by(DailyIntake.arrived_on, DailyIntake.stream)):
        found.setdefault(day, {})[str(stream)] = int(kg)
    return found


def collected_kg(first: dt.date, last: dt.date, township_ids=None) -> dict:
    """{day: {stream: kg}}, or with ``township_ids`` {(township id, day): {stream: kg}}."""
    found: dict = {}
    if township_ids is None:
        for day, category, kg in db.session.execute(
                select(DailyTonnage.collected_on, DailyTonnage.category,
                       func.sum(DailyTonnage.weight_kg))
                .where(DailyTonnage.collected_on.between(first, last))
                .group_by(DailyTonnage.collected_on, DailyTonnage.category)):
            found.setdefault(day, {})[str(category)] = int(kg)
        return found
    for township, day, category, kg in db.session.execute(
            select(DailyTonnage.township_id, DailyTonnage.collected_on, DailyTonnage.category,
                   DailyTonnage.weight_kg)
            .where(DailyTonnage.collected_on.between(first, last),
                   DailyTonnage.township_id.in_(sorted(township_ids)))):
        found.setdefault((township, day), {})[str(category)] = int(kg)
    return found


def compare(collected: dict[str, int], received: dict[str, int]) -> dict:
    """One day's (or one town's day's) streams, collected against received, and mixed
    transport: ``{"streams": [...], "mixed_streams": [...], "mixed_t": t}``."""
    limits = tolerances()
    streams = []
    pairs = {}
    for stream in STREAMS:
        c, r = tonnes(collected.get(stream, 0)), tonnes(received.get(stream, 0))
        pairs[stream] = (c, r)
        streams.append({"stream": stream, "collected_t": c, "received_t": r,
                        "gap_t": gap_t(c, r), "gap_percent": gap_percent(c, r),
                        "beyond_tolerance": beyond_tolerance(c, r, limits[stream])})
    mixed, mixed_t = mixed_transport_t({s: pairs[s] for s in SORTED_STREAMS},
                                       pairs["residual"], limits)
    return {"streams": streams, "mixed_streams": mixed, "mixed_t": mixed_t}


def collected_against_received(first: dt.date, last: dt.date) -> list[dict]:
    """Each day of the range, the city's streams collected against received."""
    collected, received = collected_kg(first, last), received_kg(first, last)
    return [{"day": day, **compare(collected.get(day, {}), received.get(day, {}))}
            for day in _days(first, last)]


# The per-town sums as plain SQL with typed dates in and raw values out: a month of the city is
# ~3,500 town-days and ~14,000 stream rows, whose per-value type processing (dates, enums) cost
# more than the queries themselves.
_NAMED = f"""
    SELECT township_id, arrived_on, stream, sum(net_weight_kg) FROM weighbridge_tickets
    WHERE {NAMED_TICKETS} AND arrived_on BETWEEN :first AND :last {{one}}
    GROUP BY arrived_on, township_id, stream"""
_TOWNSHIP_TONNAGE = """
    SELECT township_id, collected_on, category, weight_kg FROM daily_tonnage
    WHERE collected_on BETWEEN :first AND :last {one}"""


def _per_township(sql: str, first: dt.date, last: dt.date, township_id: int | None) -> dict:
    """{(township id, day): {stream: kg}} from ``sql``'s rows (dates as ISO text on SQLite)."""
    stmt = text(sql.format(one="AND township_id = :township" if township_id else ""))
    stmt = stmt.bindparams(bindparam("first", type_=Date), bindparam("last", type_=Date))
    params = {"first": first, "last": last}
    if township_id:
        params["township"] = township_id
    days: dict = {}
    found: dict = {}
    for township, day, stream, kg in db.session.execute(stmt, params):
        if kg:
            key = days.get(day)
            if key is None:
                key = days[day] = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
            found.setdefault((township, key), {})[stream] = int(kg)
    return found


def township_received_kg(first: dt.date, last: dt.date, township_id: int | None = None) -> dict:
    """{(township id, day): {stream: kg}} of the tickets that name a town or street, read from
    the partial index ``ix_weighbridge_tickets_named_township`` alone (the query repeats the
    index's condition word for word: SQLite's planner matches it as written)."""
    return _per_township(_NAMED, first, last, township_id)


def township_gaps(first: dt.date, last: dt.date, township_id: int | None = None) -> list[dict]:
    """Each town's or street's days on which tickets name it: its streams collected against
    received, and mixed transport. Only those days: a town that tickets never name has no
    received tonnage to compare with."""
    received = township_received_kg(first, last, township_id)
    collected = _per_township(_TOWNSHIP_TONNAGE, first, last, township_id) if received else {}
    return [{"township_id": township, "day": day,
             **compare(collected.get((township, day), {}), streams)}
            for (township, day), streams in sorted(received.items())]


def township_mixed(first: dt.date, last: dt.date) -> list[tuple[int, dt.date, list, float]]:
    """(township id, day, the short sorted streams, tonnes mixed) of every town-day with mixed
    transport: :func:`township_gaps` reduced to what the report lists, without the per-stream
    figures of the thousands of town-days that have none."""
    received = township_received_kg(first, last)
    if not received:
        return []
    collected = _per_township(_TOWNSHIP_TONNAGE, first, last, None)
    limits = tolerances()
    surplus_share = 1 + limits["residual"] / 100
    found = []
    for (township, day), streams in sorted(received.items()):
        got = collected.get((township, day), {})
        if streams.get("residual", 0) <= got.get("residual", 0) * surplus_share:
            continue  # no residual surplus beyond its tolerance: no mixed transport
        pairs = {s: (tonnes(got.get(s, 0)), tonnes(streams.get(s, 0))) for s in STREAMS}
        short, mixed_t = mixed_transport_t({s: pairs[s] for s in SORTED_STREAMS},
                                           pairs["residual"], limits)
        if short:
            found.append((township, day, short, mixed_t))
    return found


def stream_gap_summary(days: list[dict]) -> list[dict]:
    """Each stream over a run of :func:`collected_against_received` days: tonnes collected and
    received, the gap, and the days beyond tolerance and with mixed transport."""
    rows = []
    for index, stream in enumerate(STREAMS):
        c = round(sum(d["streams"][index]["collected_t"] for d in days), 3)
        r = round(sum(d["streams"][index]["received_t"] for d in days), 3)
        rows.append({"stream": stream, "collected_t": c, "received_t": r, "gap_t": gap_t(c, r),
                     "gap_percent": gap_percent(c, r),
                     "beyond_tolerance_days": sum(1 for d in days
                                                  if d["streams"][index]["beyond_tolerance"]),
                     "mixed_days": sum(1 for d in days if stream in d["mixed_streams"])})
    return rows


# --------------------------------------------------------------------------- rates

def treatment_rates(first: dt.date, last: dt.date) -> dict:
    """The harmless-treatment rate, landfill share, recycling rate and resource-utilisation
    rate over the range, with the tonnes they are made of."""
    received: dict[str, dict[str, float]] = {t.value: dict.fromkeys(STREAMS, 0.0)
                                             for t in FacilityType}
    for facility_type, stream, kg in db.session.execute(
            select(TreatmentFacility.facility_type, DailyIntake.stream,
                   func.sum(DailyIntake.weight_kg))
            .join(TreatmentFacility, TreatmentFacility.id == DailyIntake.treatment_facility_id)
            .where(DailyIntake.arrived_on.between(first, last))
            .group_by(TreatmentFacility.facility_type, DailyIntake.stream)):
        received[str(facility_type)][str(stream)] = tonnes(int(kg))
    by_type = {t: round(sum(s.values()), 3) for t, s in received.items()}
    collected = dict.fromkeys(STREAMS, 0.0)
    for category, kg in db.session.execute(
            select(DailyTonnage.category, func.sum(DailyTonnage.weight_kg))
            .where(DailyTonnage.collected_on.between(first, last))
            .group_by(DailyTonnage.category)):
        collected[str(category)] = tonnes(int(kg))
    collected_t = round(sum(collected.values()), 3)
    for_treatment_t = round(collected_t - collected["recyclable"], 3)
    harmless_t = round(sum(by_type[t.value] for t in HARMLESS_TREATMENT), 3)
    landfill_t = by_type[FacilityType.LANDFILL.value]
    recyclables_t = by_type[FacilityType.RECYCLABLES_SORTING.value]
    kitchen_recovered_t = received[FacilityType.KITCHEN_WASTE.value]["kitchen"]
    coefficients = current_app.config["RESOURCE_UTILISATION_COEFFICIENTS"]
    treated = {t: v for t, v in by_type.items() if t != FacilityType.RECYCLABLES_SORTING.value}
    return {
        "collected_t": collected_t, "collected_for_treatment_t": for_treatment_t,
        "received_by_type_t": by_type, "harmless_t": harmless_t, "landfill_t": landfill_t,
        "recyclables_t": recyclables_t, "kitchen_recovered_t": kitchen_recovered_t,
        "harmless_rate_percent": harmless_rate_percent(harmless_t, for_treatment_t),
        "landfill_share_percent": landfill_share_percent(landfill_t, harmless_t),
        "recycling_rate_percent": recycling_rate_percent(recyclables_t, kitchen_recovered_t,
                                                         collected_t),
        "resource_utilisation_percent": resource_utilisation_percent(
            recyclables_t, treated, coefficients, for_treatment_t),
        "coefficients": dict(coefficients),
    }
