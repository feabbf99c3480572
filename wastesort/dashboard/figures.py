"""What each level of the dashboard shows, gathered from :mod:`wastesort.metrics` — the city,
a district, a town or street, a community — and what is kept once a day so that a page view
never pays for it: the city's complete months (a year of every town's days), the last
complete month's ranking (its red and black lists and the districts side by side), and the
forecast.
"""

import datetime as dt

from ..metrics.daily_cache import once_a_day
from ..metrics.rankings import district_rows, rankings, red_and_black
from ..metrics.trends import (
    Scope,
    coverage_by_month,
    monthly_tonnage,
    months_back,
    rates_by_month,
)
from ..reports.models import ReportPeriod
from ..reports.periods import period_bounds, previous_period

LIST_SIZE = 5  # the dashboard's red and black lists (the ranking page has them all)


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _month_rows_json(rows: list[dict]) -> list[dict]:
    return [{**r, "month": r["month"].isoformat()} for r in rows]


def _month_rows(rows: list[dict]) -> list[dict]:
    return [{**r, "month": dt.date.fromisoformat(r["month"])} for r in rows]


def _city_months(today: dt.date) -> dict:
    """The city's 11 complete months: tonnage by stream (a year of every town's and street's
    days) and coverage at their ends (every community's tallies), made once a day."""
    months = months_back(today)[:-1]
    done = once_a_day("city_months", "city", today, lambda: {
        "months": _month_rows_json(monthly_tonnage(months, today, Scope())),
        "coverage": _month_rows_json(coverage_by_month(months, today, Scope())),
        "rates": _month_rows_json(rates_by_month(months, today, Scope()) or [])},
        keys=("months", "coverage", "rates"))
    return {k: _month_rows(v) for k, v in done.figures.items()}


def _rates(today: dt.date, scope: Scope) -> list[dict] | None:
    """The inspection rates by month; the city's complete months kept for the day (a year of
    every community's days of the inspection tally)."""
    months = months_back(today)
    if scope.key != "city":
        return rates_by_month(months, today, scope)
    before = _city_months(today)["rates"]
    now = rates_by_month(months[-1:], today, scope)
    if not before and not now:
        return None
    empty = {"participation_percent": None, "accuracy_percent": None, "inspections": 0}
    before = before or [{"month": m, **empty} for m in months[:-1]]
    return before + (now or [{"month": months[-1], **empty}])


def tonnage_months(today: dt.date, scope: Scope) -> list[dict]:
    """The 12 months by stream up to today's. The city's complete months are made once a day;
    the running month, and any smaller area, is summed on each view."""
    months = months_back(today)
    if scope.key != "city":
        return monthly_tonnage(months, today, scope)
    return _city_months(today)["months"] + monthly_tonnage(months[-1:], today, scope)


def trends(today: dt.date, scope: Scope, current: dict | None = None) -> dict:
    """A level's trends: 12 months of tonnage by stream, coverage at each month's end (today's
    from ``current``, a coverage row the page has counted already), and the inspection rates
    where there are any."""
    months = months_back(today)
    now = (current["households"], current["households_covered"]) if current else None
    if scope.key == "city" and now is not None:
        coverage = _city_months(today)["coverage"] + coverage_by_month(months[-1:], today,
                                                                       scope, now)
    else:
        coverage = coverage_by_month(months, today, scope, now)
    return {"months": tonnage_months(today, scope),
            "coverage": coverage,
            "rates": _rates(today, scope)}


def _compact(row: dict) -> dict:
    keep = ("id", "name", "district_name", "coverage_percent", "composite_score",
            "residual_kg_per_household_day", "recyclable_kg_per_household_day")
    return {**{k: row.get(k) for k in keep}, "rank": row["rank"]["composite"],
            "movement": row["movement"]["composite"]}


def last_month_ranking(today: dt.date) -> dict:
    """The last complete month's red and black lists and the districts side by side (kg per
    household and day by stream), made once a day."""
    def make() -> dict:
        first, last = period_bounds(ReportPeriod.MONTH, today.replace(day=1) - dt.timedelta(1))
        result = rankings("township", first, last, previous_period(ReportPeriod.MONTH, first))
        red, black = red_and_black(result["rows"], "composite", LIST_SIZE)
        districts = district_rows(result["rows"], result["days"])
        return {"first": first.isoformat(), "last": last.isoformat(),
                "red": [_compact(r) for r in red], "black": [_compact(r) for r in black],
                "districts": [{k: _iso(v) for k, v in d.items()} for d in districts]}

    figures = once_a_day("ranking", "city", today, make).figures
    return {**figures, "first": dt.date.fromisoformat(figures["first"]),
            "last": dt.date.fromisoformat(figures["last"])}
