"""The monthly capacity report carries the day's forecast: when the city and each stream reach
the warning level and the capacity, on the page and in the e-mail."""

import datetime as dt
from email import message_from_bytes, policy

import pytest

from tests.test_forecast import _load_days
from wastesort.reports.delivery import queue_report, send_due
from wastesort.reports.models import ReportKind, ReportPeriod
from wastesort.reports.service import make_report

from .conftest import city_time


@pytest.fixture
def history(city, time_machine):
    time_machine.move_to(city_time(2026, 5, 16, 10, 0), tick=False)
    _load_days(city, 500, dt.date(2026, 5, 16), 71.0)  # summer peak over the warning level
    return city


def test_monthly_capacity_report_has_the_forecast(db, history, smtp, subscribe):
    subscribe("boss@example.org", "capacity", "month")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.MONTH, dt.date(2026, 4, 10))
    forecast = report.figures["forecast"]
    assert forecast["made_on"] == "2026-05-16" and forecast["days"] == 90
    residual = forecast["series"]["residual"]
    assert "2026-07-01" <= residual["warning_on"] <= "2026-08-14"
    assert residual["over_on"] is None
    queue_report(report)
    smtp.start()
    send_due()
    (envelope,) = smtp.mailbox.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    # the whole city (500 t/day) stays clear; residual waste (100 t/day) does not
    assert "Forecast, next 90 days: warning level reached not within the forecast" in text
    html = message.get_body(("html",)).get_content()
    assert "Forecast, next 90 days" in html and residual["warning_on"] in html


def test_daily_reports_and_thin_histories_have_none(db, city, time_machine):
    time_machine.move_to(city_time(2026, 5, 16, 10, 0), tick=False)
    day_report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, dt.date(2026, 5, 15))
    assert "forecast" not in day_report.figures
    month, _ = make_report(ReportKind.CAPACITY, ReportPeriod.MONTH, dt.date(2026, 4, 10))
    assert month.figures["forecast"] is None  # no history yet
