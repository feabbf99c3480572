"""``/capacity/daily`` and ``/coverage`` against figures worked out by hand.

The small city has five facilities of 100 t/day each (incineration, kitchen waste, hazardous
waste, recyclables sorting, other): the city's capacity is 500 t/day and each stream's is 100.
"""

import datetime as dt

from tests import factories
from wastesort.enums import WasteCategory as C
from wastesort.metrics.capacity import daily_capacity


def test_capacity_daily_by_hand(api, city):
    day = dt.date(2026, 3, 10)
    a1, b1 = city.points["a1"], city.points["b1"]
    factories.add_collection(a1, day, C.KITCHEN, 90_000)
    factories.add_collection(a1, day, C.RESIDUAL, 150_000)
    factories.add_collection(b1, day, C.RESIDUAL, 200_000)
    factories.add_collection(b1, day, C.HAZARDOUS, 500)
    factories.add_collection(b1, day, C.RESIDUAL, 100_000, key="void", voided=True)
    factories.add_collection(a1, day + dt.timedelta(days=1), C.RESIDUAL, 20_000)
    response = api.get("/api/v1/capacity/daily?from=2026-03-09&to=2026-03-11", as_="manager")
    assert response.status_code == 200
    report = response.get_json()
    assert (report["from"], report["to"], report["warning_percent"]) == \
        ("2026-03-09", "2026-03-11", 85)
    quiet, busy, light = report["days"]
    assert quiet == {**quiet, "day": "2026-03-09", "collected_t": 0.0, "capacity_t": 500,
                     "utilisation_percent": 0.0, "headroom_t": 500.0, "status": "ok"}
    # 90 + 150 + 200 + 0.5 = 440.5 t of 500: 88.1 %, at or above 85 % → warning
    assert busy["collected_t"] == 440.5
    assert busy["by_category_t"] == {"recyclable": 0.0, "hazardous": 0.5, "kitchen": 90.0,
                                     "residual": 350.0}
    assert (busy["utilisation_percent"], busy["headroom_t"], busy["status"]) == \
        (88.1, 59.5, "warning")
    streams = {s["category"]: s for s in busy["streams"]}
    assert streams["residual"] == {"category": "residual", "facility_type": "incineration",
                                   "collected_t": 350.0, "capacity_t": 100,
                                   "utilisation_percent": 350.0, "headroom_t": -250.0,
                                   "status": "over"}
    assert (streams["kitchen"]["utilisation_percent"], streams["kitchen"]["status"]) == \
        (90.0, "warning")
    assert (streams["hazardous"]["utilisation_percent"], streams["hazardous"]["status"]) == \
        (0.5, "ok")
    assert streams["recyclable"]["facility_type"] == "recyclables_sorting"
    assert (light["collected_t"], light["utilisation_percent"], light["status"]) == \
        (20.0, 4.0, "ok")
    # the API is a view over the one definition of the figures
    assert report["days"][1]["headroom_t"] == daily_capacity(day, day)[0]["headroom_t"]


def test_capacity_range_rules(api, city):
    assert api.get("/api/v1/capacity/daily?from=2026-01-01&to=2026-12-31").status_code == 200
    too_long = api.get("/api/v1/capacity/daily?from=2025-01-01&to=2026-12-31")
    assert too_long.status_code == 422 and "to" in too_long.get_json()["errors"]
    assert api.get("/api/v1/capacity/daily?from=2026-02-01&to=2026-01-01").status_code == 422
    assert "from" in api.get("/api/v1/capacity/daily?from=2001-01-01").get_json()["errors"]
    assert len(api.get("/api/v1/capacity/daily?to=0001-01-05").get_json()["days"]) == 5
    default = api.get("/api/v1/capacity/daily").get_json()
    assert len(default["days"]) == 30


def test_coverage_by_hand(api, city):
    c = city.communities
    factories.add_households(c["a1c1"], 10, 9)
    factories.add_households(c["a1c2"], 10, 10)
    factories.add_households(c["a2c1"], 10, 5)
    get = api.get
    city_row, = get("/api/v1/coverage?level=city&as_of=2026-01-01").get_json()["rows"]
    # 24 of 30 households; a1 has 19 of 20 = 95 % (covered), a2 50 %, b1 has no households
    assert city_row["households"] == 30 and city_row["households_covered"] == 24
    assert city_row["coverage_percent"] == 80.0
    assert (city_row["townships"], city_row["townships_covered"]) == (3, 1)
    assert city_row["bins"] == {"recyclable": 6, "hazardous": 6, "kitchen": 6, "residual": 6}
    assert city_row["bins_per_1000_households"]["kitchen"] == 200.0  # 6 / 30 × 1000
    assert city_row["recycling_points"] == 3
    districts = get("/api/v1/coverage?level=district&as_of=2026-01-01").get_json()["rows"]
    yuzhong = next(r for r in districts if r["name_en"] == "Yuzhong")
    assert (yuzhong["households"], yuzhong["townships_covered"]) == (30, 1)
    assert yuzhong["bins_per_1000_households"]["residual"] == 133.33  # 4 / 30 × 1000
    townships = {r["id"]: r for r in get(
        "/api/v1/coverage?level=township&as_of=2026-01-01").get_json()["rows"]}
    a1, b1 = townships[city.townships["a1"].id], townships[city.townships["b1"].id]
    assert (a1["coverage_percent"], a1["covered"], a1["kind"]) == (95.0, True, "street")
    assert (b1["coverage_percent"], b1["covered"]) == (None, False)
    assert b1["bins_per_1000_households"]["kitchen"] is None
    before = get("/api/v1/coverage?as_of=2019-12-31").get_json()["rows"][0]
    assert before["households_covered"] == 0
    communities = get(f"/api/v1/coverage?level=community&township_id={city.townships['a1'].id}"
                      "&as_of=2026-01-01").get_json()["rows"]
    assert [(r["households"], r["households_covered"]) for r in communities] == [(10, 9),
                                                                                 (10, 10)]
    assert get("/api/v1/coverage?level=galaxy").status_code == 422
