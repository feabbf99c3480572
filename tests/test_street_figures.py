"""The figures of "my street today" (wastesort.metrics.street) against numbers worked out by
hand in the small city (tests/factories.py): street a1 with its point, a second point and a
third that never posts; street b1 next door, whose postings must never count."""

import datetime as dt

import pytest

from tests.factories import add_collection, add_households
from wastesort.areas.models import Community
from wastesort.enums import WasteCategory as C
from wastesort.metrics.street import (
    last_postings,
    point_postings_today,
    street_coverage,
    street_today,
    street_tonnage,
    street_trend,
)
from wastesort.points.models import PointKind, RecyclingPoint

TODAY = dt.date(2026, 3, 31)
UTC = dt.UTC


def back(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def add_point(db, city, name: str, active: bool = True) -> RecyclingPoint:
    point = RecyclingPoint(township=city.townships["a1"], name=name, kind=PointKind.KIOSK,
                           active=active)
    db.session.add(point)
    db.session.commit()
    return point


def posted_at(row, when: dt.datetime) -> None:
    row.posted_at = when
    from wastesort.extensions import db

    db.session.commit()


@pytest.fixture
def year(db, city):
    """Street a1's kitchen waste: 1,000 kg today, 700 kg on each of the 7 days before, 400 kg
    on each of the 23 days before those, 100 kg on each of the 30 before those: its first
    posting 60 days before today. Residual waste: 350 kg two days ago at a second point.
    Not counted: a voided 500 kg today, street b1's 9,999 kg today, and 5,000 kg 400 days ago
    (before the year the average looks at)."""
    a1 = city.points["a1"]
    kiosk = add_point(db, city, "a1自助机")
    add_collection(a1, TODAY, C.KITCHEN, 1000)
    for days, weight_kg in [*((d, 700) for d in range(1, 8)), *((d, 400) for d in range(8, 31)),
                            *((d, 100) for d in range(31, 61))]:
        add_collection(a1, back(days), C.KITCHEN, weight_kg)
    add_collection(kiosk, back(2), C.RESIDUAL, 350)
    add_collection(a1, TODAY, C.RESIDUAL, 500, key="void", voided=True)
    add_collection(city.points["b1"], TODAY, C.KITCHEN, 9999)
    add_collection(a1, back(400), C.KITCHEN, 5000)
    return kiosk


def rows_by_category(figures: dict) -> dict:
    return {r["category"]: r for r in figures["rows"]}


def test_tonnage_against_the_streets_own_average_by_hand(year, city):
    figures = street_tonnage(city.townships["a1"].id, TODAY)
    assert figures["first_posting_day"] == back(60)
    assert figures["average_since"] == back(60)
    assert figures["days"] == {"today": 1, "last_7": 7, "last_30": 30, "average": 60}
    rows = rows_by_category(figures)
    # kitchen before today: 7 x 700 + 23 x 400 + 30 x 100 = 17,100 kg over 60 days = 285 kg/day
    assert rows["kitchen"] == {
        "category": "kitchen", "average_t": 0.285,
        "today_t": 1.0, "today_difference_percent": 250.88,  # (1000 - 285) / 285
        "last_7_t": 4.9, "last_7_mean_t": 0.7, "last_7_difference_percent": 145.61,
        "last_30_t": 14.1, "last_30_mean_t": 0.47, "last_30_difference_percent": 64.91}
    # residual: 350 kg in 60 days = 5.833 kg/day; 50 kg/day over 7 days, 11.667 over 30
    assert rows["residual"] == {
        "category": "residual", "average_t": 0.006,
        "today_t": 0.0, "today_difference_percent": -100.0,
        "last_7_t": 0.35, "last_7_mean_t": 0.05, "last_7_difference_percent": 757.14,
        "last_30_t": 0.35, "last_30_mean_t": 0.012, "last_30_difference_percent": 100.0}
    # nothing ever posted: no average to set anything against
    assert rows["hazardous"]["average_t"] == 0.0
    assert rows["hazardous"]["last_7_difference_percent"] is None
    # all categories: 17,450 kg in 60 days = 290.833 kg/day; 7 days 5,250 kg = 750 kg/day;
    # 30 days 14,450 kg = 481.667 kg/day
    assert rows["all"] == {
        "category": "all", "average_t": 0.291,
        "today_t": 1.0, "today_difference_percent": 243.84,
        "last_7_t": 5.25, "last_7_mean_t": 0.75, "last_7_difference_percent": 157.88,
        "last_30_t": 14.45, "last_30_mean_t": 0.482, "last_30_difference_percent": 65.62}
    assert [r["category"] for r in figures["rows"]] == \
        ["recyclable", "hazardous", "kitchen", "residual", "all"]


def test_a_street_new_to_posting_is_measured_over_its_own_days(db, city):
    """First posting three days ago: the average and both windows count those three days,
    not 365, 7 and 30 days it did not post."""
    for days, weight_kg in ((3, 200), (2, 300), (1, 400)):
        add_collection(city.points["a1"], back(days), C.KITCHEN, weight_kg)
    figures = street_tonnage(city.townships["a1"].id, TODAY)
    assert figures["days"] == {"today": 1, "last_7": 3, "last_30": 3, "average": 3}
    kitchen = rows_by_category(figures)["kitchen"]
    assert (kitchen["average_t"], kitchen["last_7_mean_t"], kitchen["last_30_mean_t"]) == \
        (0.3, 0.3, 0.3)
    assert kitchen["last_7_difference_percent"] == 0.0


def test_the_average_looks_back_365_days_at_most(db, city):
    """A posting 365 days ago is in the year; one 366 days ago is not."""
    add_collection(city.points["a1"], back(365), C.KITCHEN, 3650)
    add_collection(city.points["a1"], back(366), C.KITCHEN, 99_000)
    figures = street_tonnage(city.townships["a1"].id, TODAY)
    assert figures["days"]["average"] == 365
    assert rows_by_category(figures)["kitchen"]["average_t"] == 0.01  # 3,650 kg / 365 days


def test_a_street_without_postings_has_no_average(db, city):
    add_collection(city.points["a1"], TODAY, C.KITCHEN, 800)  # today only: no day before
    figures = street_tonnage(city.townships["a1"].id, TODAY)
    assert figures["first_posting_day"] is None and figures["average_since"] is None
    assert figures["days"] == {"today": 1, "last_7": 0, "last_30": 0, "average": 0}
    kitchen = rows_by_category(figures)["kitchen"]
    assert kitchen["today_t"] == 0.8
    assert kitchen["average_t"] is None and kitchen["last_7_mean_t"] is None
    assert kitchen["today_difference_percent"] is None


def test_the_trend_has_thirty_days_by_category(year, city):
    trend = street_trend(city.townships["a1"].id, TODAY)
    assert [d["day"] for d in trend] == [back(n) for n in range(29, -1, -1)]
    assert trend[-1] == {"day": TODAY, "collected_t": 1.0, "by_category_t": {
        "recyclable": 0.0, "hazardous": 0.0, "kitchen": 1.0, "residual": 0.0}}
    assert trend[-3]["by_category_t"] == {"recyclable": 0.0, "hazardous": 0.0,
                                          "kitchen": 0.7, "residual": 0.35}
    assert trend[-3]["collected_t"] == 1.05
    assert trend[0]["collected_t"] == 0.4  # 29 days ago
    assert sum(d["collected_t"] for d in trend) == pytest.approx(1.0 + 4.9 + 0.35 + 22 * 0.4)


def test_points_with_todays_postings_and_the_ones_not_yet_posted(year, db, city):
    a1 = city.points["a1"]
    add_collection(a1, TODAY, C.RECYCLABLE, 120)
    add_collection(a1, TODAY, C.RECYCLABLE, 80, key="second")
    never = add_point(db, city, "a1新站")
    add_point(db, city, "a1停用站", active=False)
    points = {p["name"]: p for p in point_postings_today(city.townships["a1"].id, TODAY)}
    assert set(points) == {"a1回收站", "a1自助机", "a1新站"}  # active points of a1 only
    posted = points["a1回收站"]
    assert posted["posted"] is True and posted["records"] == 3  # the voided one left out
    assert posted["by_category_kg"] == {"recyclable": 200, "hazardous": 0, "kitchen": 1000,
                                        "residual": 0}
    assert posted["total_kg"] == 1200 and posted["community_name"] == "a1社区1"
    assert posted["last_posted_at"] is not None
    assert points["a1自助机"]["posted"] is False and points["a1自助机"]["total_kg"] == 0
    assert points["a1新站"] == {**points["a1新站"], "posted": False, "records": 0,
                               "last_posted_at": None, "id": never.id}


def test_the_last_posting_is_the_latest_of_the_newest_day_not_void(db, city):
    kiosk = add_point(db, city, "a1自助机")
    morning = add_collection(kiosk, back(2), C.RESIDUAL, 350)
    evening = add_collection(kiosk, back(2), C.KITCHEN, 90)
    older = add_collection(kiosk, back(5), C.KITCHEN, 40)
    posted_at(morning, dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC))
    posted_at(evening, dt.datetime(2026, 3, 29, 10, 30, tzinfo=UTC))
    posted_at(older, dt.datetime(2026, 3, 30, 12, 0, tzinfo=UTC))  # late, for an older day
    add_collection(kiosk, back(1), C.KITCHEN, 70, key="void", voided=True)
    never = add_point(db, city, "a1新站")
    last = last_postings([kiosk.id, never.id])
    assert last == {kiosk.id: {"collected_on": back(2),
                               "posted_at": dt.datetime(2026, 3, 29, 10, 30, tzinfo=UTC)}}
    assert last_postings([]) == {}


def test_street_today_puts_the_last_posting_beside_each_point_not_posted(year, db, city):
    figures = street_today(city.townships["a1"].id, TODAY)
    assert [p["name"] for p in figures["points_posted"]] == ["a1回收站"]
    (kiosk,) = figures["points_not_posted"]
    assert kiosk["id"] == year.id
    assert kiosk["last_posting"]["collected_on"] == back(2)
    assert kiosk["last_posting"]["posted_at"].tzinfo is not None
    assert len(figures["trend"]) == 30


def test_coverage_and_the_communities_below_the_mark(db, city, app):
    add_households(city.communities["a1c1"], 10, 5)  # 50 %
    add_households(city.communities["a1c2"], 20, 19)  # 95 %: at the mark, not below
    empty = Community(township=city.townships["a1"], name="a1社区3")  # no households
    low = Community(township=city.townships["a1"], name="a1社区4")
    db.session.add_all([empty, low])
    db.session.commit()
    add_households(low, 4, 3)  # 75 %
    add_households(city.communities["b1c1"], 10, 0)  # another street
    coverage = street_coverage(city.townships["a1"].id, TODAY)
    row = coverage["township"]
    # 34 households, 27 covered: 79.41 %, below 95 %
    assert (row["households"], row["households_covered"], row["coverage_percent"],
            row["covered"]) == (34, 27, 79.41, False)
    assert coverage["full_percent"] == app.config["COVERAGE_FULL_PERCENT"] == 95
    assert [(c["name"], c["coverage_percent"]) for c in coverage["communities_below_full"]] \
        == [("a1社区1", 50.0), ("a1社区4", 75.0)]
