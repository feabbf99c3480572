"""Report periods: calendar days, Monday-to-Sunday weeks and calendar months, in local dates."""

import calendar
import datetime as dt

from .models import ReportPeriod


def period_bounds(period: ReportPeriod, day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day (inclusive) of the ``period`` that contains ``day``."""
    if period is ReportPeriod.DAY:
        return day, day
    if period is ReportPeriod.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def previous_period(period: ReportPeriod, start: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before the one starting on ``start``."""
    return period_bounds(period, start - dt.timedelta(days=1))


def reported_period_at(period: ReportPeriod, fire_local: dt.datetime) -> tuple[dt.date, dt.date]:
    """The period a run scheduled at ``fire_local`` (city time) reports on: the last complete
    one, i.e. the period containing the day before the run (07:00 on the 1st → last month)."""
    return period_bounds(period, fire_local.date() - dt.timedelta(days=1))
