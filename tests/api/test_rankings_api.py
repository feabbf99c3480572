"""``GET /api/v1/rankings``: the small city's ranking of tests/ranking_data.py, who may see
what, and refusals with a message per field."""

import datetime as dt

import pytest

from tests.ranking_data import build_ranked_city

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def ranked(city, time_machine):
    time_machine.move_to(NOW, tick=False)
    return build_ranked_city(city)


def test_last_complete_month_by_default(api, ranked):
    response = api.get("/api/v1/rankings")
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["from"], body["to"], body["days"]) == ("2026-10-01", "2026-10-31", 31)
    assert (body["previous_from"], body["previous_to"]) == ("2026-09-01", "2026-09-30")
    ids = {t.id: k for k, t in ranked.townships.items()}
    assert [ids[r["id"]] for r in body["rows"]] == ["b1", "a1", "a2"]
    a1 = body["rows"][1]
    assert a1["composite_score"] == 62.18 and a1["rank"]["composite"] == 2
    assert a1["movement"]["composite"] == 1
    assert body["weights"]["coverage"] == 25 and "gap" in body["figures"]
    assert [ids[i] for i in body["red"]] == ["b1", "a1"] and [ids[i] for i in body["black"]] \
        == ["a2"]


def test_by_a_figure_and_within_a_district(api, ranked):
    body = api.get(f"/api/v1/rankings?day=2026-10-05&by=residual_per_household"
                   f"&district_id={ranked.districts['a'].id}").json
    ids = {t.id: k for k, t in ranked.townships.items()}
    assert [ids[r["id"]] for r in body["rows"]] == ["a2", "a1"]  # 5 then 10 kg; b1 elsewhere
    assert body["by"] == "residual_per_household"


def test_communities_of_a_street(api, ranked):
    a1 = ranked.townships["a1"]
    body = api.get(f"/api/v1/rankings?level=community&township_id={a1.id}&day=2026-10-31").json
    assert [r["id"] for r in body["rows"]] == [ranked.communities["a1c1"].id,
                                               ranked.communities["a1c2"].id]
    assert body["rows"][1]["residual_kg_per_household_day"] is None


def test_a_street_administrator_sees_its_own_place(api, ranked):
    body = api.get("/api/v1/rankings", as_="street").json
    assert [r["id"] for r in body["rows"]] == [ranked.townships["a1"].id]
    assert body["rows"][0]["rank"]["composite"] == 2 and body["places"] == 3
    assert body["red"] == [] and body["black"] == []
    own = api.get("/api/v1/rankings?level=community", as_="street").json
    assert len(own["rows"]) == 2
    other = api.get(f"/api/v1/rankings?level=community&township_id="
                    f"{ranked.townships['b1'].id}", as_="street")
    assert other.status_code == 404


@pytest.mark.parametrize("role", ["staff", "operator"])
def test_other_roles_are_refused(api, ranked, role):
    assert api.get("/api/v1/rankings", as_=role).status_code == 403


def test_bad_input_is_refused_per_field(api, ranked):
    response = api.get("/api/v1/rankings?level=district&period=day&by=size&day=someday")
    assert response.status_code == 422
    errors = response.json["errors"]
    assert set(errors) == {"level", "period", "by", "day"}
    assert errors["period"] == ["Choose one of: month, week."]
    assert errors["day"] == ["Enter a date as YYYY-MM-DD."]
    response = api.get("/api/v1/rankings?level=community")
    assert response.status_code == 422
    assert "township_id" in str(response.json)
    response = api.get("/api/v1/rankings?period=month&day=2026-11-20")
    assert response.status_code == 200 and response.json["to"] == "2026-11-19"  # up to yesterday
    response = api.get("/api/v1/rankings?period=week&day=2026-12-01")
    assert response.status_code == 422 and "day" in str(response.json)
