"""Report periods in local dates: weeks from Monday, month ends, a leap day."""

import datetime as dt

import pytest

from wastesort.reports.models import ReportPeriod
from wastesort.reports.periods import period_bounds, previous_period, reported_period_at

from .conftest import city_time

D = dt.date


@pytest.mark.parametrize(("period", "day", "bounds"), [
    (ReportPeriod.DAY, D(2028, 2, 29), (D(2028, 2, 29), D(2028, 2, 29))),
    (ReportPeriod.WEEK, D(2026, 11, 29), (D(2026, 11, 23), D(2026, 11, 29))),  # Sunday
    (ReportPeriod.WEEK, D(2026, 12, 31), (D(2026, 12, 28), D(2027, 1, 3))),  # across a year
    (ReportPeriod.MONTH, D(2028, 2, 10), (D(2028, 2, 1), D(2028, 2, 29))),  # leap year
    (ReportPeriod.MONTH, D(2027, 2, 10), (D(2027, 2, 1), D(2027, 2, 28))),
    (ReportPeriod.MONTH, D(2026, 12, 31), (D(2026, 12, 1), D(2026, 12, 31))),
])
def test_period_bounds(period, day, bounds):
    assert period_bounds(period, day) == bounds


def test_previous_period_of_march_is_the_leap_february():
    assert previous_period(ReportPeriod.MONTH, D(2028, 3, 1)) == (D(2028, 2, 1), D(2028, 2, 29))


@pytest.mark.parametrize(("period", "fire", "bounds"), [
    # the daily run at 07:00 on 1 March 2028 reports the leap day
    (ReportPeriod.DAY, city_time(2028, 3, 1, 7), (D(2028, 2, 29), D(2028, 2, 29))),
    (ReportPeriod.MONTH, city_time(2028, 3, 1, 7), (D(2028, 2, 1), D(2028, 2, 29))),
    (ReportPeriod.MONTH, city_time(2027, 1, 1, 7), (D(2026, 12, 1), D(2026, 12, 31))),
    (ReportPeriod.WEEK, city_time(2026, 11, 30, 8), (D(2026, 11, 23), D(2026, 11, 29))),
])
def test_a_run_reports_the_last_complete_period(period, fire, bounds):
    assert reported_period_at(period, fire) == bounds
