"""Making coverage and capacity reports: their figures (from wastesort.metrics), the change
since the previous report, and exactly once per (kind, period, period start, scope)."""

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.factories import add_collection, add_households
from wastesort.enums import WasteCategory
from wastesort.errors_domain import RuleViolation
from wastesort.households.models import Household
from wastesort.reports.models import Report, ReportKind, ReportPeriod
from wastesort.reports.service import make_report

from .conftest import city_time

KITCHEN, RESIDUAL = WasteCategory.KITCHEN, WasteCategory.RESIDUAL
WEEK = dt.date(2026, 11, 16)  # a Monday; the week ends on Sunday 2026-11-22


@pytest.fixture
def today(time_machine):
    time_machine.move_to(city_time(2026, 11, 29, 10, 0), tick=False)


@pytest.fixture
def households(city):
    c = city.communities
    add_households(c["a1c1"], 10, 10)
    add_households(c["a1c2"], 10, 10)
    add_households(c["a2c1"], 10, 5)
    add_households(c["a2c2"], 10, 2, since=dt.date(2026, 11, 20))  # joined during the week
    add_households(c["b1c1"], 10, 9)
    add_households(c["b1c2"], 10, 9)
    return city


@pytest.fixture
def tonnage(city):
    point = city.points["a1"]
    add_collection(point, dt.date(2026, 11, 10), RESIDUAL, 100_000)  # the week before
    add_collection(point, dt.date(2026, 11, 16), KITCHEN, 200_000)
    add_collection(point, dt.date(2026, 11, 16), RESIDUAL, 100_000)
    add_collection(point, dt.date(2026, 11, 16), RESIDUAL, 999_000, voided=True)
    add_collection(point, dt.date(2026, 11, 18), RESIDUAL, 450_000)  # 90 %: warning
    add_collection(point, dt.date(2026, 11, 20), RESIDUAL, 520_000)  # 104 %: over
    return city


def test_coverage_report_city(today, households):
    report, made = make_report(ReportKind.COVERAGE, ReportPeriod.WEEK, dt.date(2026, 11, 19))
    assert made
    assert (report.period_start, report.period_end, report.scope) == (
        WEEK, dt.date(2026, 11, 22), "city")
    f = report.figures
    assert f["as_of"] == "2026-11-22"
    total = f["total"]
    assert (total["households"], total["households_covered"], total["coverage_percent"]) == (
        60, 45, 75.0)
    assert (total["townships"], total["townships_covered"]) == (3, 1)
    # the week before (as of 2026-11-15) the two households of a2c2 had not joined
    assert total["change"] == {"households": 0, "households_covered": 2,
                               "coverage_points": round(75.0 - 71.67, 2)}
    assert f["previous"]["source"] == "computed"
    by_name = {t["name"]: t for t in f["townships"]}
    assert by_name["八桥镇"]["coverage_percent"] == 35.0
    assert by_name["八桥镇"]["change"]["coverage_points"] == 10.0
    # below 95 %, worst first: 八桥镇 (35 %), then 新山村街道 (90 %)
    assert f["below_full"] == [by_name["八桥镇"]["id"], by_name["新山村街道"]["id"]]
    assert [d["coverage_percent"] for d in f["districts"]] == [67.5, 90.0]


def test_coverage_report_for_one_district(today, households):
    district = households.districts["a"]
    report, _ = make_report(ReportKind.COVERAGE, ReportPeriod.MONTH, dt.date(2026, 10, 3),
                            district_id=district.id)
    assert report.scope == f"district:{district.id}"
    assert (report.period_start, report.period_end) == (dt.date(2026, 10, 1),
                                                         dt.date(2026, 10, 31))
    assert report.figures["total"]["households"] == 40
    assert report.figures["total"]["households_covered"] == 25  # a2c2 joined in November
    assert {t["district_id"] for t in report.figures["townships"]} == {district.id}


def test_coverage_change_is_against_the_previous_report_when_there_is_one(today, households, db):
    before, _ = make_report(ReportKind.COVERAGE, ReportPeriod.WEEK, dt.date(2026, 11, 9))
    # a street administrator records late that one household joined back in 2020
    late = db.session.scalar(select(Household).where(Household.sorting_since.is_(None))
                             .order_by(Household.id))
    late.sorting_since = dt.date(2020, 1, 1)
    db.session.commit()
    report, _ = make_report(ReportKind.COVERAGE, ReportPeriod.WEEK, WEEK)
    assert report.figures["previous"] == {"period_start": "2026-11-09", "as_of": "2026-11-15",
                                          "report_id": before.id, "source": "report"}
    # 46 covered now against the 43 the previous report said (recomputed it would be 44)
    assert report.figures["total"]["households_covered"] == 46
    assert report.figures["total"]["change"]["households_covered"] == 3


def test_capacity_report_week(today, tonnage):
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.WEEK, dt.date(2026, 11, 22))
    f = report.figures
    t = f["total"]
    assert t["capacity_t_per_day"] == 500  # five facilities of 100 t/day
    assert t["days"] == 7
    assert t["collected_t"] == 1270.0  # the voided 999 t are not counted
    assert t["by_category_t"] == {"recyclable": 0.0, "hazardous": 0.0, "kitchen": 200.0,
                                  "residual": 1070.0}
    assert t["average_t_per_day"] == 181.429
    assert t["average_utilisation_percent"] == 36.29
    assert t["average_headroom_t"] == 318.571
    assert t["peak_day"] == {"day": "2026-11-20", "collected_t": 520.0,
                             "utilisation_percent": 104.0, "headroom_t": -20.0, "status": "over"}
    assert t["warning_days"] == ["2026-11-18"]
    assert t["over_days"] == ["2026-11-20"]
    assert t["change"] == {"collected_t": 1170.0, "collected_percent": 1170.0,
                           "average_t_per_day": round(181.429 - 14.286, 3),
                           "average_utilisation_points": round(36.29 - 2.86, 2)}
    assert [d["day"] for d in f["daily"]] == [f"2026-11-{n}" for n in range(16, 23)]
    streams = {s["category"]: s for s in f["streams"]}
    assert streams["residual"]["facility_type"] == "incineration"
    assert streams["residual"]["collected_t"] == 1070.0
    assert (streams["residual"]["warning_days"], streams["residual"]["over_days"]) == (1, 2)
    assert streams["kitchen"]["peak_utilisation_percent"] == 200.0
    assert streams["kitchen"]["over_days"] == 1


def test_capacity_change_uses_the_previous_report_as_it_was_sent(today, tonnage):
    make_report(ReportKind.CAPACITY, ReportPeriod.DAY, dt.date(2026, 11, 17))
    add_collection(tonnage.points["a1"], dt.date(2026, 11, 17), RESIDUAL, 40_000)  # late posting
    report, _ = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, dt.date(2026, 11, 18))
    assert report.figures["previous"]["source"] == "report"
    assert report.figures["total"]["change"]["collected_t"] == 450.0  # against 0 t as reported


def test_made_once_then_found(today, tonnage):
    first, made = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, dt.date(2026, 11, 20))
    add_collection(tonnage.points["a1"], dt.date(2026, 11, 20), KITCHEN, 10_000)
    again, made_again = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, dt.date(2026, 11, 20))
    assert made and not made_again
    assert again.id == first.id
    assert again.figures["total"]["collected_t"] == 520.0  # frozen as made
    assert Report.query.count() == 1


@pytest.mark.parametrize(("period", "as_of"), [
    (ReportPeriod.DAY, dt.date(2026, 11, 29)),  # today
    (ReportPeriod.WEEK, dt.date(2026, 11, 23)),  # this week ends today
    (ReportPeriod.MONTH, dt.date(2026, 11, 1)),
    (ReportPeriod.DAY, dt.date(2027, 1, 1)),
])
def test_only_complete_periods(today, city, period, as_of):
    with pytest.raises(RuleViolation, match="not valid") as caught:
        make_report(ReportKind.CAPACITY, period, as_of)
    with force_locale("en"):
        assert "not over yet" in caught.value.one_line()


def test_capacity_is_for_the_city_only(today, city):
    with pytest.raises(RuleViolation) as caught:
        make_report(ReportKind.CAPACITY, ReportPeriod.DAY, dt.date(2026, 11, 20),
                    district_id=city.districts["a"].id)
    with force_locale("en"):
        assert "whole city" in caught.value.one_line()
    with pytest.raises(RuleViolation, match="not valid"):
        make_report(ReportKind.COVERAGE, ReportPeriod.DAY, dt.date(2026, 11, 20),
                    district_id=987654)
