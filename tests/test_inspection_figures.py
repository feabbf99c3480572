"""The inspection figures recomputed by hand for the small city of tests/factories.py.

November 2026 (the figures' month), by community:
    a1c1  3 Nov: 40 seen, 30 sorted; 20 checked, 15 correct (kitchen 3, residual 2 contaminated)
          20 Nov: 10 seen, 10 sorted; 10 checked, 10 correct
    a1c2  5 Nov: 50 seen, 20 sorted; 30 checked, 12 correct (recyclable 10, kitchen 8)
    a2c1 10 Nov:  0 seen;             5 checked,  5 correct
    b1c1 31 Oct: 100 seen, 100 sorted; 100 checked, 100 correct (the month before)
    b1c2 12 Nov: 60 seen, 0 sorted; 60 checked, 0 correct, then voided
    a2c2 never inspected.

Township a1: participation 60/100 = 60 %, accuracy 37/60 = 61.67 %, both communities inspected.
Township a2: nobody seen (participation none), accuracy 5/5 = 100 %, one community of two.
District a: 60/100 = 60 % and 42/65 = 64.62 % — the ratio of the sums, not the mean of its
towns' 61.67 % and 100 % (80.83 %). City: the same sums, 3 of 6 communities inspected (50 %).
"""

import datetime as dt

import pytest
from sqlalchemy import update

from tests import factories
from wastesort.accounts.models import Role
from wastesort.accounts.tokens import issue_token
from wastesort.check import drift
from wastesort.extensions import db
from wastesort.inspections.models import Inspection
from wastesort.inspections.service import void_inspection
from wastesort.inspections.tally import DailyInspectionTally
from wastesort.metrics.inspections import (
    inspection_figures,
    inspection_levels,
    period_range,
    stale_communities,
)

NOV_1, NOV_30 = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
VISITS = [  # community, day, seen, sorted, checked, correct, contaminated
    ("a1c1", dt.date(2026, 11, 3), 40, 30, 20, 15, {"kitchen": 3, "residual": 2}),
    ("a1c1", dt.date(2026, 11, 20), 10, 10, 10, 10, {}),
    ("a1c2", dt.date(2026, 11, 5), 50, 20, 30, 12, {"recyclable": 10, "kitchen": 8}),
    ("a2c1", dt.date(2026, 11, 10), 0, 0, 5, 5, {}),
    ("b1c1", dt.date(2026, 10, 31), 100, 100, 100, 100, {}),
    ("b1c2", dt.date(2026, 11, 12), 60, 0, 60, 0, {}),
]


@pytest.fixture
def inspected(city):
    admin = city.users["admin"]
    rows = []
    for n, (community, day, seen, sorted_, checked, correct, dirty) in enumerate(VISITS):
        rows.append(Inspection(
            community_id=city.communities[community].id,
            inspected_at=dt.datetime.combine(day, dt.time(9, 30), tzinfo=dt.UTC),
            inspected_on=day, inspector_id=admin.id, households_seen=seen,
            households_sorted=sorted_, items_inspected=checked, items_correct=correct,
            idempotency_key=f"visit-{n}",
            **{f"contaminated_{c}": count for c, count in dirty.items()}))
    db.session.add_all(rows)
    db.session.commit()  # the flush hook adds them to the daily tally
    void_inspection(admin, rows[-1].id, "counted at the wrong court")
    return city


def _by_id(rows):
    return {row["id"]: row for row in rows}


def test_township_figures_of_the_month(inspected):
    city = inspected
    rows = _by_id(inspection_figures("township", NOV_1, NOV_30))
    a1, a2, b1 = (rows[city.townships[k].id] for k in ("a1", "a2", "b1"))
    assert (a1["inspections"], a1["households_seen"], a1["households_sorted"]) == (3, 100, 60)
    assert (a1["items_inspected"], a1["items_correct"]) == (60, 37)
    assert a1["participation_percent"] == 60.0 and a1["accuracy_percent"] == 61.67
    assert a1["contaminated"] == {"recyclable": 10, "hazardous": 0, "kitchen": 11,
                                  "residual": 2}
    assert (a1["communities"], a1["communities_inspected"],
            a1["communities_inspected_percent"]) == (2, 2, 100.0)
    assert a2["participation_percent"] is None and a2["accuracy_percent"] == 100.0
    assert (a2["communities_inspected"], a2["communities_inspected_percent"]) == (1, 50.0)
    assert b1["inspections"] == 0 and b1["communities_inspected_percent"] == 0.0
    assert b1["participation_percent"] is None and b1["accuracy_percent"] is None


def test_districts_and_city_are_ratios_of_sums(inspected):
    city = inspected
    districts = _by_id(inspection_figures("district", NOV_1, NOV_30))
    a = districts[city.districts["a"].id]
    assert (a["households_seen"], a["households_sorted"]) == (100, 60)
    assert (a["items_inspected"], a["items_correct"]) == (65, 42)
    assert a["participation_percent"] == 60.0
    assert a["accuracy_percent"] == 64.62  # not (61.67 + 100) / 2
    assert (a["communities"], a["communities_inspected"], a["townships"]) == (4, 3, 2)
    assert a["communities_inspected_percent"] == 75.0
    b = districts[city.districts["b"].id]
    assert b["accuracy_percent"] is None and b["communities_inspected_percent"] == 0.0
    (whole,) = inspection_figures("city", NOV_1, NOV_30)
    assert (whole["inspections"], whole["accuracy_percent"]) == (4, 64.62)
    assert whole["communities_inspected_percent"] == 50.0
    total, districts_, towns = inspection_levels(NOV_1, NOV_30)
    assert total == whole and _by_id(districts_) == districts
    assert _by_id(towns) == _by_id(inspection_figures("township", NOV_1, NOV_30))


def test_weeks_days_and_communities(inspected):
    city = inspected
    assert period_range("week", dt.date(2026, 11, 3)) == (dt.date(2026, 11, 2),
                                                         dt.date(2026, 11, 8))
    assert period_range("month", dt.date(2026, 11, 3)) == (NOV_1, NOV_30)
    assert period_range("day", dt.date(2026, 11, 3)) == (dt.date(2026, 11, 3),) * 2
    a1 = city.townships["a1"].id
    (week,) = inspection_figures("township", *period_range("week", dt.date(2026, 11, 3)),
                                 township_id=a1)
    assert (week["participation_percent"], week["accuracy_percent"]) == (55.56, 54.0)
    (day,) = inspection_figures("township", *period_range("day", dt.date(2026, 11, 20)),
                                township_id=a1)
    assert (day["inspections"], day["participation_percent"]) == (1, 100.0)
    communities = _by_id(inspection_figures("community", NOV_1, NOV_30, township_id=a1))
    c1, c2 = communities[city.communities["a1c1"].id], communities[city.communities["a1c2"].id]
    assert (c1["participation_percent"], c1["accuracy_percent"]) == (80.0, 83.33)
    assert (c2["participation_percent"], c2["accuracy_percent"]) == (40.0, 40.0)
    assert set(communities) == {c1["id"], c2["id"]}
    october = _by_id(inspection_figures("township", dt.date(2026, 10, 1),
                                        dt.date(2026, 10, 31)))
    assert october[city.townships["b1"].id]["accuracy_percent"] == 100.0


def test_scope_of_a_district(inspected):
    city = inspected
    rows = inspection_figures("township", NOV_1, NOV_30, district_id=city.districts["b"].id)
    assert [r["id"] for r in rows] == [city.townships["b1"].id]


def test_communities_not_inspected_lately(inspected):
    city = inspected
    names = {c.id: key for key, c in city.communities.items()}

    def listed(as_of, **kwargs):
        return [(names[r["id"]], r["days_since"])
                for r in stale_communities(as_of, **kwargs)]

    # default INSPECTION_STALE_DAYS = 14: never inspected first (b1c2's one was voided)
    assert listed(NOV_30) == [("a2c2", None), ("b1c2", None), ("b1c1", 30), ("a1c2", 25),
                              ("a2c1", 20)]
    assert listed(NOV_30, days=20) == [("a2c2", None), ("b1c2", None), ("b1c1", 30),
                                       ("a1c2", 25)]  # 20 days is not more than 20
    # as of 4 November, a1c2's inspection of the 5th is still to come
    assert ("a1c2", None) in listed(dt.date(2026, 11, 4), days=0)
    assert ("a1c1", 1) in listed(dt.date(2026, 11, 4), days=0)
    assert listed(NOV_30, township_id=city.townships["a1"].id) == [("a1c2", 25)]
    row = stale_communities(NOV_30, township_id=city.townships["a1"].id)[0]
    assert row["last_inspected_on"] == dt.date(2026, 11, 5)
    assert row["township_name"] == city.townships["a1"].name


@pytest.mark.config(INSPECTION_STALE_DAYS=26)
def test_stale_days_is_a_setting(inspected):
    assert [r["days_since"] for r in stale_communities(NOV_30)] == [None, None, 30]


def test_check_finds_and_mends_drift_of_the_tally(inspected, runner):
    assert drift()["daily_inspection_tally"] == []
    db.session.execute(update(DailyInspectionTally).where(
        DailyInspectionTally.inspected_on == dt.date(2026, 11, 3))
        .values(households_seen=DailyInspectionTally.households_seen + 1))
    db.session.commit()
    found = runner.invoke(args=["check"])
    assert found.exit_code != 0 and "daily_inspection_tally: 1 rows drifted" in found.output
    assert runner.invoke(args=["check", "--fix"]).exit_code == 0
    assert drift()["daily_inspection_tally"] == []
    (a1,) = inspection_figures("township", NOV_1, NOV_30,
                               township_id=inspected.townships["a1"].id)
    assert a1["households_seen"] == 100


# --- the API --------------------------------------------------------------------------------

URL = "/api/v1/metrics/inspections"


@pytest.fixture
def api_get(inspected, client):
    city = inspected
    user = factories.make_user("inspector", Role.INSPECTOR, township_id=city.townships["a1"].id)
    db.session.commit()
    tokens = {role: issue_token(u, "t")[1] for role, u in {**city.users, "inspector": user}.items()}

    def get(url, as_="admin"):
        return client.get(url, headers={"Authorization": f"Bearer {tokens[as_]}",
                                        "Accept-Language": "en"})

    return get


def test_api_gives_the_same_figures(api_get, inspected):
    city = inspected
    response = api_get(f"{URL}?level=district&period=month&day=2026-11-17")
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert (answer["from"], answer["to"], answer["period"]) == ("2026-11-01", "2026-11-30",
                                                                "month")
    a = next(r for r in answer["rows"] if r["id"] == city.districts["a"].id)
    assert (a["participation_percent"], a["accuracy_percent"]) == (60.0, 64.62)
    week = api_get(f"{URL}?level=township&period=week&day=2026-11-03").get_json()
    assert week["from"] == "2026-11-02"
    stale = api_get(f"{URL}/stale?as_of=2026-11-30&days=20").get_json()
    assert stale["days"] == 20 and len(stale["communities"]) == 4
    assert stale["communities"][0]["last_inspected_on"] is None


@pytest.mark.parametrize(("role", "status", "townships"), [
    ("admin", 200, 3), ("manager", 200, 3), ("street", 200, 1), ("inspector", 200, 1),
    ("staff", 403, None)])
def test_api_scope(api_get, inspected, role, status, townships):
    city = inspected
    response = api_get(f"{URL}?level=township&day=2026-11-17", as_=role)
    assert response.status_code == status
    if townships is not None:
        rows = response.get_json()["rows"]
        assert len(rows) == townships
        if townships == 1:
            assert rows[0]["id"] == city.townships["a1"].id
            other = city.townships["b1"].id
            assert api_get(f"{URL}?township_id={other}", as_=role).status_code == 404
            assert api_get(f"{URL}/stale?district_id={city.districts['b'].id}",
                           as_=role).status_code == 404
            stale = api_get(f"{URL}/stale?as_of=2026-11-30", as_=role).get_json()
            assert {c["township_id"] for c in stale["communities"]} == {rows[0]["id"]}
    assert api_get(f"{URL}/stale", as_=role).status_code == status


@pytest.mark.parametrize("query", ["level=street", "period=year", "day=9999-12-31",
                                   "day=1999-12-31", "day=someday", "township_id=0"])
def test_api_refuses_bad_questions(api_get, query):
    response = api_get(f"{URL}?{query}")
    assert response.status_code == 422
    assert response.get_json()["errors"]
    assert api_get(f"{URL}/stale?days=-1").status_code == 422
    assert api_get(f"{URL}/stale?as_of=0001-01-01").status_code == 422
