"""Bin problems in the reports: the daily capacity report to managers and the coverage report
carry the section (open and overdue at the period's end by district, the city's counts of the
period, the median time to resolve, the most overdue tasks), frozen when the report is made,
shown on the report page and in both e-mail bodies; a report made before the section existed
still shows."""

import datetime as dt

import pytest

from wastesort.bintasks import reporting, service
from wastesort.extensions import db
from wastesort.reports.delivery import queue_report, send_due
from wastesort.reports.mail import build_report_message
from wastesort.reports.models import ReportKind, ReportPeriod
from wastesort.reports.service import make_report

from .conftest import DAY, city_time
from .test_views import log_in


def _serial(city, community: str, category: str = "kit") -> str:
    return f"S{list(city.communities).index(community)}{category}"


@pytest.fixture
def tasks(city, time_machine):
    """On DAY: a full bin reported at 08:00 and resolved at 09:30 (90 minutes), another at
    18:00 still open at midnight (overdue since 22:00), a damaged one in district b at 20:00
    (due in 48 hours); then "now" is 10:00 nine days later."""
    street, admin = city.users["street"], city.users["admin"]

    def at(hour, minute=0):
        time_machine.move_to(city_time(DAY.year, DAY.month, DAY.day, hour, minute), tick=False)

    at(8)
    quick = reporting.report_problem(street, {"serial": _serial(city, "a1c1"), "kind": "full"})
    at(9, 30)
    service.resolve(street, quick.report.task_id)
    at(18)
    late = reporting.report_problem(street, {"serial": _serial(city, "a1c2"), "kind": "full"})
    at(20)
    reporting.report_problem(admin, {"serial": _serial(city, "b1c1"), "kind": "damaged"})
    time_machine.move_to(city_time(2026, 11, 29, 10, 0), tick=False)
    return {"late": late.report.task_id}


def test_the_daily_capacity_report_carries_the_section(app, city, tasks, smtp, subscribe):
    subscribe("boss@example.org", "capacity", "day")
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY, made_by="scheduler")
    section = report.figures["bin_tasks"]
    assert (section["open"], section["overdue"], section["opened"], section["resolved"],
            section["resolved_on_time"], section["median_hours_to_resolve"]) == (
        2, 1, 3, 1, 1, 1.5)
    assert [(d["name_en"], d["open"], d["overdue"]) for d in section["districts"]] == [
        ("Yuzhong", 1, 1), ("Dadukou", 1, 0)]
    assert [t["id"] for t in section["overdue_tasks"]] == [tasks["late"]]
    queue_report(report)
    smtp.start()
    assert send_due()["sent"] == 1
    (message,) = smtp.mailbox.messages
    text = message.get_body(("plain",)).get_content()
    assert "Bin problems:" in text
    assert "Tasks open at the end of the period (2026-11-21 00:00): 2" in text
    assert "Of those, overdue: 1" in text
    assert "Tasks resolved in the period: 1 (1 on time)" in text
    assert "Median time to resolve: 1.5 h" in text
    assert "- 渝中区: 1 overdue of 1 open" in text
    assert "bin S1kit full: due 2026-11-20 22:00, 2.0 h overdue" in text
    html = message.get_body(("html",)).get_content()
    assert 'id="bin-tasks"' in html and "S1kit" in html and "2026-11-20 22:00" in html


def test_the_report_page_shows_the_section_in_chinese(app, city, tasks):
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY)
    page = log_in(app, city.users["manager"]).get(f"/reports/{report.id}",
                                                  headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "垃圾桶问题" in html and "S1kit" in html and "逾期" in html


def test_the_coverage_report_of_a_district_counts_its_own_tasks(app, city, tasks):
    report, _ = make_report(ReportKind.COVERAGE, ReportPeriod.DAY, DAY,
                            district_id=city.districts["b"].id)
    section = report.figures["bin_tasks"]
    assert (section["open"], section["overdue"], section["opened"]) == (1, 0, 1)
    assert [d["name_en"] for d in section["districts"]] == ["Dadukou"]
    with app.test_request_context():
        message = build_report_message(report, "boss@example.org")
    assert "Of those, overdue: 0" in message.get_body(("plain",)).get_content()


def test_a_report_made_before_the_section_still_shows(app, city, tasks):
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, DAY - dt.timedelta(days=1))
    report.figures = {k: v for k, v in report.figures.items() if k != "bin_tasks"}
    db.session.commit()
    page = log_in(app, city.users["manager"]).get(f"/reports/{report.id}")
    assert page.status_code == 200 and 'id="bin-tasks"' not in page.get_data(as_text=True)
