"""The figures, against numbers worked out by hand (docs/metrics.md)."""

import datetime as dt

import pytest

from wastesort.enums import WasteCategory
from wastesort.metrics.capacity import city_capacity_t_per_day, daily_capacity
from wastesort.metrics.coverage import coverage
from wastesort.metrics.formulas import capacity_status

from .factories import add_collection, add_households

DAY = dt.date(2026, 11, 20)


def test_capacity_status_thresholds():
    assert capacity_status(84.99, 100, 85).value == "ok"
    assert capacity_status(85, 100, 85).value == "warning"
    assert capacity_status(100, 100, 85).value == "warning"  # at capacity is not over
    assert capacity_status(100.001, 100, 85).value == "over"
    assert capacity_status(0, 0, 85).value == "ok"
    assert capacity_status(1, 0, 85).value == "over"


def test_daily_capacity_by_day_category_and_stream(db, city):
    # small_city: 5 facility types × 100 t/day = 500 t/day
    assert city_capacity_t_per_day() == 500
    a1, b1 = city.points["a1"], city.points["b1"]
    add_collection(a1, DAY, WasteCategory.RESIDUAL, 300_000)
    add_collection(b1, DAY, WasteCategory.RESIDUAL, 120_500)
    add_collection(a1, DAY, WasteCategory.KITCHEN, 5_000)
    add_collection(a1, DAY, WasteCategory.KITCHEN, 99_000, voided=True)  # not counted
    add_collection(a1, DAY + dt.timedelta(days=1), WasteCategory.HAZARDOUS, 2_000)
    first, second, third = daily_capacity(DAY, DAY + dt.timedelta(days=2))
    assert first["collected_t"] == 425.5
    assert first["by_category_t"] == {"recyclable": 0, "hazardous": 0, "kitchen": 5.0,
                                      "residual": 420.5}
    assert first["utilisation_percent"] == 85.1
    assert first["headroom_t"] == 74.5
    assert first["status"] == "warning"
    residual = next(s for s in first["streams"] if s["category"] == "residual")
    assert residual == {"category": "residual", "facility_type": "incineration",
                        "collected_t": 420.5, "capacity_t": 100,
                        "utilisation_percent": 420.5, "headroom_t": -320.5, "status": "over"}
    assert second["collected_t"] == 2.0 and second["status"] == "ok"
    assert third["collected_t"] == 0 and third["utilisation_percent"] == 0


def test_daily_capacity_range_is_bounded(app):
    with pytest.raises(ValueError):
        daily_capacity(DAY, DAY + dt.timedelta(days=366))
    with pytest.raises(ValueError):
        daily_capacity(DAY, DAY - dt.timedelta(days=1))


def test_coverage_levels(db, city):
    add_households(city.communities["a1c1"], 20, covered=19)  # 95% → covered
    add_households(city.communities["a2c1"], 10, covered=9)  # 90% → not covered
    add_households(city.communities["b1c2"], 10, covered=10, since=DAY + dt.timedelta(days=1))
    cities = coverage("city", DAY)
    assert cities[0]["households"] == 40
    assert cities[0]["households_covered"] == 28  # b1's households joined after DAY
    assert cities[0]["coverage_percent"] == 70.0
    assert cities[0]["townships"] == 3
    assert cities[0]["townships_covered"] == 1
    later = coverage("city", DAY + dt.timedelta(days=1))[0]  # same month: counted by day
    assert later["households_covered"] == 38 and later["townships_covered"] == 2
    next_month = coverage("city", dt.date(2026, 12, 1))[0]  # from the monthly tallies
    assert next_month["households_covered"] == 38
    assert coverage("city", dt.date(2026, 10, 31))[0]["households_covered"] == 28
    townships = {t["name"]: t for t in coverage("township", DAY)}
    a1 = townships["解放碑街道"]
    assert a1["covered"] is True and a1["coverage_percent"] == 95.0
    # a1 has 2 communities × 4 bins; per 1,000 of its 20 households: 2 bins → 100.0
    assert a1["bins"]["kitchen"] == 2 and a1["bins_per_1000_households"]["kitchen"] == 100.0
    assert a1["recycling_points"] == 1
    districts = coverage("district", DAY)
    assert [d["households"] for d in districts] == [30, 10]
    assert coverage("district", DAY, district_id=city.districts["b"].id)[0]["households"] == 10
    communities = coverage("community", DAY, township_id=city.townships["a1"].id)
    assert {c["name"]: c["households"] for c in communities} == {"a1社区1": 20, "a1社区2": 0}
    assert next(c for c in communities if c["households"] == 0)["coverage_percent"] is None
