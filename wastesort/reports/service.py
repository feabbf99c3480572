"""Making coverage and capacity reports, exactly once per (kind, period, period start, scope).

Every figure comes from :mod:`wastesort.metrics`; this module only picks, orders and compares
them. A report's figures are frozen as JSON when it is made. Only complete periods are
reported (the period ends before today in the city), so a stored report is never a partial one
that would block the scheduled, complete one.
"""

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..areas.models import District, Township
from ..enums import STREAM_FACILITY, WasteCategory
from ..errors_domain import NotFound, RuleViolation
from ..extensions import db
from ..metrics.bintasks import report_section as bin_task_section
from ..metrics.capacity import daily_capacity
from ..metrics.coverage import coverage_levels
from ..metrics.facilities import (
    collected_against_received,
    facility_days,
    facility_summary,
    stream_gap_summary,
    township_mixed,
    treatment_rates,
)
from ..metrics.formulas import headroom_t, percent, utilisation_percent
from ..rules import get_by_id
from ..timeutil import local_today
from .inspection_section import inspection_section
from .models import Report, ReportKind, ReportPeriod, scope_key
from .periods import period_bounds, previous_period

EARLIEST_DAY = dt.date(2000, 1, 1)  # long before any data; keeps date arithmetic in range
CHART_DAYS = 30  # a day report's chart: the day and the days before it, as on the dashboard


def parse_kind(value) -> ReportKind:
    try:
        return ReportKind(value)
    except ValueError:
        raise RuleViolation({"kind": [_l("Choose one of: %(values)s.",
                                                 values=", ".join(ReportKind))]}) from None


def parse_period(value) -> ReportPeriod:
    try:
        return ReportPeriod(value)
    except ValueError:
        raise RuleViolation({"period": [_l("Choose one of: %(values)s.",
                                                   values=", ".join(ReportPeriod))]}) from None


def parse_date(value, field: str = "as_of") -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise RuleViolation({field: [_l("Enter a date as YYYY-MM-DD, not %(value)s.",
                                               value=repr(value))]}) from None


def check_district(district_id: int | None) -> None:
    if district_id is not None and get_by_id(District, district_id) is None:
        raise RuleViolation({"district_id": [_l("No district with id %(id)s.",
                                                      id=district_id)]})


def find_report(kind: ReportKind, period: ReportPeriod, start: dt.date, scope: str
                ) -> Report | None:
    return db.session.scalar(select(Report).where(
        Report.kind == kind, Report.period == period, Report.period_start == start,
        Report.scope == scope))


def get_report(report_id: int) -> Report:
    report = get_by_id(Report, report_id)
    if report is None:
        raise NotFound(_l("No such report."))
    return report


def make_report(kind: ReportKind, period: ReportPeriod, as_of: dt.date, *,
                district_id: int | None = None, made_by: str = "cli") -> tuple[Report, bool]:
    """The report of the ``period`` containing ``as_of``; returns (report, made_now).

    When it exists already (made by another scheduler, a restart or a manual run) the stored
    one is returned; a race between two makers is settled by the unique constraint.
    """
    if as_of < EARLIEST_DAY:
        raise RuleViolation({"as_of": [_l(
            "Reports start on %(day)s at the earliest.", day=EARLIEST_DAY.isoformat())]})
    start, end = period_bounds(period, as_of)
    today = local_today()
    if end >= today:
        raise RuleViolation({"as_of": [_l(
            "The period of %(day)s is not over yet (today is %(today)s in the city); only "
            "complete periods are reported.", day=as_of.isoformat(), today=today.isoformat())]})
    if kind is ReportKind.CAPACITY and district_id is not None:
        raise RuleViolation({"district_id": [_l(
            "Capacity reports are for the whole city: the facilities serve every district.")]})
    if kind is ReportKind.RANKING and district_id is not None:
        raise RuleViolation({"district_id": [_l(
            "Ranking reports are for the whole city: towns and streets are ranked together.")]})
    if kind is ReportKind.RANKING and period is ReportPeriod.DAY:
        raise RuleViolation({"period": [_l("Rankings are made for a week or a month.")]})
    check_district(district_id)
    scope = scope_key(district_id)
    if (found := find_report(kind, period, start, scope)) is not None:
        return found, False
    if kind is ReportKind.RANKING:
        from .ranking import ranking_figures

        figures = ranking_figures(period, start, end, previous_period(period, start),
                                  _previous_figures(kind, period, start, scope))
    else:
        builder = coverage_figures if kind is ReportKind.COVERAGE else capacity_figures
        figures = builder(period, start, end, district_id)
    if kind is ReportKind.CAPACITY and period is ReportPeriod.MONTH:
        from .forecast_section import forecast_section

        figures["forecast"] = forecast_section(today)
    report = Report(kind=kind, period=period, period_start=start, period_end=end, scope=scope,
                    district_id=district_id, made_by=made_by[:40], figures=figures)
    db.session.add(report)
    try:
        db.session.commit()
    except IntegrityError:  # another process made it between our look and our insert
        db.session.rollback()
        found = find_report(kind, period, start, scope)
        if found is None:
            raise
        return found, False
    return report, True


def list_reports(*, kind: ReportKind | None = None, limit: int = 50, offset: int = 0):
    stmt = select(Report)
    if kind is not None:
        stmt = stmt.where(Report.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Report.period_start.desc(), Report.id.desc())
                              .limit(limit).offset(offset)).all()
    return rows, total


def _previous_figures(kind: ReportKind, period: ReportPeriod, start: dt.date, scope: str):
    """The previous report's figures when it was made, else None (then they are computed)."""
    prev_start, _ = previous_period(period, start)
    found = find_report(kind, period, prev_start, scope)
    return (found.figures, found.id) if found is not None else (None, None)


def _points(now, before):
    """Change in percentage points (None when either side has no figure)."""
    if now is None or before is None:
        return None
    return round(now - before, 2)


# ---------------------------------------------------------------- coverage

def _coverage_snapshot(as_of: dt.date, district_id: int | None) -> dict:
    total_row, districts, townships = coverage_levels(as_of, district_id=district_id)
    keep = ("households", "households_covered", "coverage_percent", "townships",
            "townships_covered", "recycling_points", "bins_per_1000_households")
    return {
        "total": {k: total_row.get(k) for k in keep},
        "districts": [{k: d[k] for k in ("id", "name", "name_en", *keep)} for d in districts],
        "townships": [{k: t[k] for k in ("id", "name", "kind", "district_id", "district_name",
                                         "households", "households_covered", "coverage_percent",
                                         "covered")} for t in townships],
    }


def _coverage_change(now: dict, before: dict) -> dict:
    return {
        "households": now["households"] - before["households"],
        "households_covered": now["households_covered"] - before["households_covered"],
        "coverage_points": _points(now["coverage_percent"], before["coverage_percent"]),
    }


def coverage_figures(period: ReportPeriod, start: dt.date, end: dt.date,
                     district_id: int | None) -> dict:
    """Households, covered, coverage % for the scope, each district and each town and street,
    the change since the previous report, the towns and streets below full coverage, and the
    section on sorting inspections (:mod:`.inspection_section`)."""
    snapshot = _coverage_snapshot(end, district_id)
    prev_start, prev_end = previous_period(period, start)
    stored, stored_id = _previous_figures(ReportKind.COVERAGE, period, start,
                                          scope_key(district_id))
    before = stored if stored is not None else _coverage_snapshot(prev_end, district_id)
    before_districts = {d["id"]: d for d in before["districts"]}
    before_townships = {t["id"]: t for t in before["townships"]}
    snapshot["total"]["change"] = _coverage_change(snapshot["total"], before["total"])
    for rows, previous in ((snapshot["districts"], before_districts),
                           (snapshot["townships"], before_townships)):
        for row in rows:
            row["change"] = (_coverage_change(row, previous[row["id"]])
                             if row["id"] in previous else None)
    full = current_app.config["COVERAGE_FULL_PERCENT"]
    below = [t for t in snapshot["townships"]
             if t["coverage_percent"] is not None and t["coverage_percent"] < full]
    below.sort(key=lambda t: (t["coverage_percent"], t["district_name"], t["name"]))
    return {
        "kind": "coverage", "period": period.value, "as_of": end.isoformat(),
        "period_start": start.isoformat(), "period_end": end.isoformat(),
        "scope": scope_key(district_id), "full_coverage_percent": full,
        **snapshot,
        "below_full": [t["id"] for t in below],
        "inspections": inspection_section(period, start, end, district_id, stored),
        "previous": {"period_start": prev_start.isoformat(), "as_of": prev_end.isoformat(),
                     "report_id": stored_id,
                     "source": "report" if stored is not None else "computed"},
        "bin_tasks": bin_task_section(start, end, district_id),
    }


# ---------------------------------------------------------------- capacity

def _average_capacity(rows: list[dict]) -> int | float:
    """The capacity of a run of days, each day's in force: a whole number when it did not
    change, else the average (a week closed for maintenance lowers a month's)."""
    total = sum(r["capacity_t"] for r in rows)
    return total // len(rows) if total % len(rows) == 0 else round(total / len(rows), 1)


def _capacity_summary(days: list[dict]) -> dict:
    """Totals, averages, peak and warning/over days of a run of ``daily_capacity`` rows, each
    day measured against the capacity in force that day."""
    capacity_t = _average_capacity(days)
    collected_t = round(sum(d["collected_t"] for d in days), 3)
    average_t = round(collected_t / len(days), 3)
    peak = max(days, key=lambda d: d["collected_t"])  # the first such day on ties
    return {
        "days": len(days),
        "capacity_t_per_day": capacity_t,
        "collected_t": collected_t,
        "by_category_t": {c.value: round(sum(d["by_category_t"][c.value] for d in days), 3)
                          for c in WasteCategory},
        "average_t_per_day": average_t,
        "average_utilisation_percent": utilisation_percent(
            collected_t, sum(d["capacity_t"] for d in days)),
        "average_headroom_t": headroom_t(average_t, capacity_t),
        "peak_day": {"day": peak["day"].isoformat(), "collected_t": peak["collected_t"],
                     "utilisation_percent": peak["utilisation_percent"],
                     "headroom_t": peak["headroom_t"], "status": peak["status"]},
        "warning_days": [d["day"].isoformat() for d in days if d["status"] == "warning"],
        "over_days": [d["day"].isoformat() for d in days if d["status"] == "over"],
    }


def _stream_summary(days: list[dict]) -> list[dict]:
    """Each waste stream over the period against the facilities that treat it."""
    streams = []
    for index, (category, facility_type) in enumerate(STREAM_FACILITY.items()):
        rows = [d["streams"][index] for d in days]
        capacity_t = _average_capacity(rows)
        collected_t = round(sum(r["collected_t"] for r in rows), 3)
        average_t = round(collected_t / len(rows), 3)
        peak = max(rows, key=lambda r: r["collected_t"])
        streams.append({
            "category": category.value, "facility_type": facility_type.value,
            "capacity_t_per_day": capacity_t, "collected_t": collected_t,
            "average_t_per_day": average_t,
            "average_utilisation_percent": utilisation_percent(
                collected_t, sum(r["capacity_t"] for r in rows)),
            "peak_utilisation_percent": peak["utilisation_percent"],
            "warning_days": sum(1 for r in rows if r["status"] == "warning"),
            "over_days": sum(1 for r in rows if r["status"] == "over"),
        })
    return streams


def capacity_figures(period: ReportPeriod, start: dt.date, end: dt.date,
                     district_id: int | None = None) -> dict:
    """Tonnage per day in all and by category against the capacity, utilisation, headroom,
    the peak day, warning and over days, the streams, and the change from the previous period."""
    days = daily_capacity(start, end)
    summary = _capacity_summary(days)
    prev_start, prev_end = previous_period(period, start)
    stored, stored_id = _previous_figures(ReportKind.CAPACITY, period, start, "city")
    before = (stored["total"] if stored is not None
              else _capacity_summary(daily_capacity(prev_start, prev_end)))
    delta_t = round(summary["collected_t"] - before["collected_t"], 3)
    summary["change"] = {
        "collected_t": delta_t,
        "collected_percent": percent(delta_t, before["collected_t"]),
        "average_t_per_day": round(summary["average_t_per_day"] - before["average_t_per_day"], 3),
        "average_utilisation_points": _points(summary["average_utilisation_percent"],
                                              before["average_utilisation_percent"]),
    }
    figures = {
        "kind": "capacity", "period": period.value,
        "period_start": start.isoformat(), "period_end": end.isoformat(), "scope": "city",
        "warning_percent": current_app.config["CAPACITY_WARNING_PERCENT"],
        "total": summary,
        "daily": _daily_rows(days),
        "streams": _stream_summary(days),
        "previous": {"period_start": prev_start.isoformat(), "period_end": prev_end.isoformat(),
                     "report_id": stored_id,
                     "source": "report" if stored is not None else "computed"},
    }
    figures["facilities"] = facility_section(start, end)
    figures["bin_tasks"] = bin_task_section(start, end)
    if period is ReportPeriod.DAY:  # its chart shows the day among the days before it
        figures["recent_days"] = recent_days(end)
    return figures


MIXED_TOWNSHIPS_SHOWN = 20


def facility_section(start: dt.date, end: dt.date) -> dict:
    """The chain to treatment over the period: each facility against its own capacity (peak
    and average utilisation, days over, closed), collected against received per stream (and
    per day, with mixed transport), the towns and streets where sorted waste arrived as
    residual waste, and the treatment rates (docs/metrics.md, "The chain to treatment")."""
    days = collected_against_received(start, end)
    townships: dict[int, dict] = {}
    for township, _day, _streams, mixed_t in township_mixed(start, end):
        found = townships.setdefault(township, {"id": township, "days": 0, "mixed_t": 0.0})
        found["days"] += 1
        found["mixed_t"] = round(found["mixed_t"] + mixed_t, 3)
    names = dict(db.session.execute(select(Township.id, Township.name)
                                    .where(Township.id.in_(list(townships)))).all()) \
        if townships else {}
    mixed = sorted(townships.values(), key=lambda t: (-t["mixed_t"], t["id"]))
    rates = treatment_rates(start, end)
    return {
        "tickets": bool(rates["received_by_type_t"] and any(rates["received_by_type_t"].values())),
        "facilities": [facility_summary(row) for row in facility_days(start, end)],
        "streams": stream_gap_summary(days),
        "daily": [{"day": d["day"].isoformat(),
                   "received_t": {s["stream"]: s["received_t"] for s in d["streams"]},
                   "mixed_t": d["mixed_t"]} for d in days],
        "mixed_townships": [{**t, "name": names.get(t["id"], "")}
                            for t in mixed[:MIXED_TOWNSHIPS_SHOWN]],
        "mixed_township_count": len(mixed),
        "rates": {k: v for k, v in rates.items() if k != "coefficients"},
        "tolerances": dict(current_app.config["INTAKE_GAP_TOLERANCE_PERCENT"]),
    }


def recent_days(end: dt.date) -> list[dict]:
    """The CHART_DAYS days up to ``end``, as a day report's chart shows them."""
    return _daily_rows(daily_capacity(end - dt.timedelta(days=CHART_DAYS - 1), end))


def _daily_rows(days: list[dict]) -> list[dict]:
    return [{"day": d["day"].isoformat(), "collected_t": d["collected_t"],
             "by_category_t": d["by_category_t"], "capacity_t": d["capacity_t"],
             "utilisation_percent": d["utilisation_percent"],
             "headroom_t": d["headroom_t"], "status": d["status"]} for d in days]
