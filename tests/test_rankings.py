"""The rankings' figures (wastesort.metrics.rankings) against numbers worked out by hand in
the small city: tests/ranking_data.py says what it holds."""

import datetime as dt

import pytest

from tests.ranking_data import OCT, SEP, build_ranked_city
from wastesort.extensions import db
from wastesort.households.models import Household
from wastesort.metrics import rankings as R


@pytest.fixture
def ranked_city(city):
    return build_ranked_city(city)


def _by_key(city, rows):
    ids = {t.id: k for k, t in city.townships.items()}
    return {ids[r["id"]]: r for r in rows}


def test_township_figures_by_hand(ranked_city):
    result = R.rankings("township", *OCT, SEP)
    rows = _by_key(ranked_city, result["rows"])
    a1, a2, b1 = rows["a1"], rows["a2"], rows["b1"]
    assert [a1["coverage_percent"], a2["coverage_percent"], b1["coverage_percent"]] == \
        [95.0, 50.0, 100.0]
    # 6,200 kg ÷ 20 households ÷ 31 days; the voided 9,999 kg left out
    assert a1["residual_kg_per_household_day"] == 10.0
    assert a1["recyclable_kg_per_household_day"] == 2.0
    assert a2["residual_kg_per_household_day"] == 5.0
    assert b1["residual_kg_per_household_day"] == 20.0
    assert b1["recyclable_kg_per_household_day"] == 5.0
    # (1,240 + 3,100) ÷ 10,540
    assert a1["sorted_share_percent"] == 41.18
    assert a2["sorted_share_percent"] == 28.57 and b1["sorted_share_percent"] == 42.86
    assert (a1["participation_percent"], a1["accuracy_percent"]) == (80.0, 90.0)
    assert (b1["participation_percent"], b1["accuracy_percent"]) == (60.0, 95.0)
    assert a2["participation_percent"] is None
    # b1: 21.7 t collected that day, 20 t received
    assert (b1["gap_percent"], b1["gap_abs_percent"]) == (7.83, 7.83)
    assert a1["gap_percent"] is None
    assert result["figures"] == list(R.FIGURES)
    assert result["days"] == 31


def test_scores_and_composite_by_hand(ranked_city):
    rows = _by_key(ranked_city, R.rankings("township", *OCT, SEP)["rows"])
    a1, a2, b1 = rows["a1"], rows["a2"], rows["b1"]
    # coverage 95 between 50 (worst) and 100 (best); residual 10 between 20 (worst) and 5
    assert a1["scores"] == {"coverage": 90.0, "residual_per_household": 66.67,
                            "recyclable_per_household": 0.0, "sorted_share": 88.24,
                            "participation": 100.0, "accuracy": 0.0, "gap": None}
    # (25 × 90 + 20 × 66.67 + 15 × 0 + 15 × 88.24 + 10 × 100 + 10 × 0) ÷ 95
    assert a1["composite_score"] == 62.18
    # a2 has four figures: (20 × 100) ÷ (25 + 20 + 15 + 15)
    assert a2["composite_score"] == 26.67
    # b1: (25 × 100 + 15 × 100 + 15 × 100 + 10 × 100 + 5 × 100) ÷ 100
    assert b1["composite_score"] == 70.0


def test_ranks_ties_and_movement(ranked_city):
    rows = _by_key(ranked_city, R.rankings("township", *OCT, SEP)["rows"])
    a1, a2, b1 = rows["a1"], rows["a2"], rows["b1"]
    assert [b1["rank"]["composite"], a1["rank"]["composite"], a2["rank"]["composite"]] == \
        [1, 2, 3]
    # a1 and a2 both collected 2 kg of recyclables per household and day: the higher
    # composite score (a1) goes first
    assert [b1["rank"]["recyclable_per_household"], a1["rank"]["recyclable_per_household"],
            a2["rank"]["recyclable_per_household"]] == [1, 2, 3]
    assert a2["rank"]["participation"] is None
    # September: coverage 50, 50 and 100 %, only a2 posted (composite (20 × 100) ÷ 45 = 44.44
    # against a1's 0): a2 second, a1 third on coverage and the composite; both move
    assert a1["previous_rank"]["composite"] == 3 and a1["movement"]["composite"] == 1
    assert a2["previous_rank"]["composite"] == 2 and a2["movement"]["composite"] == -1
    assert a1["movement"]["coverage"] == 1 and a2["movement"]["coverage"] == -1
    assert b1["movement"]["composite"] == 0
    # a1 posted nothing in September: no place there, no movement
    assert a1["previous_rank"]["residual_per_household"] is None
    assert a1["movement"]["residual_per_household"] is None


def test_red_and_black_lists(ranked_city):
    rows = R.rankings("township", *OCT, SEP)["rows"]
    names = {t.id: k for k, t in ranked_city.townships.items()}
    red, black = R.red_and_black(rows, "composite", 1)
    assert [names[r["id"]] for r in red] == ["b1"] and [names[r["id"]] for r in black] == ["a2"]
    # three places and lists of five: the better half (rounded up) is red, the rest black
    red, black = R.red_and_black(rows, "composite", 5)
    assert [names[r["id"]] for r in red] == ["b1", "a1"]
    assert [names[r["id"]] for r in black] == ["a2"]
    red, black = R.red_and_black(rows, "residual_per_household", 1)
    assert [names[r["id"]] for r in red] == ["a2"] and [names[r["id"]] for r in black] == ["b1"]


@pytest.mark.config(RANKING_WEIGHTS={"coverage": 1, "residual_per_household": 0,
                                     "recyclable_per_household": 0, "sorted_share": 0,
                                     "participation": 0, "accuracy": 0, "gap": 0})
def test_composite_follows_the_weights_setting(ranked_city):
    rows = _by_key(ranked_city, R.rankings("township", *OCT, SEP)["rows"])
    assert [rows[k]["composite_score"] for k in ("a1", "a2", "b1")] == [90.0, 0.0, 100.0]


def test_without_inspection_figures(ranked_city, monkeypatch):
    """The rankings work where the inspection figures are not there: the rates are left out
    and the composite weighs what remains."""
    monkeypatch.setattr(R, "_inspection_rates", lambda *args: {})
    result = R.rankings("township", *OCT, SEP)
    assert "participation" not in result["figures"] and "accuracy" not in result["figures"]
    a1 = _by_key(ranked_city, result["rows"])["a1"]
    # (25 × 90 + 20 × 66.67 + 15 × 0 + 15 × 88.24) ÷ 75
    assert a1["composite_score"] == 65.43  # 4,907 ÷ 75


def test_communities_within_a_street(ranked_city):
    """a1's point belongs to a1c1, so a1c1 has a1's tonnage; a1c2 has no point of its own and
    is ranked on coverage only."""
    city = ranked_city
    result = R.rankings("community", *OCT, SEP, township_id=city.townships["a1"].id)
    rows = {r["id"]: r for r in result["rows"]}
    c1, c2 = rows[city.communities["a1c1"].id], rows[city.communities["a1c2"].id]
    assert len(rows) == 2 and "gap" not in result["figures"]
    assert (c1["coverage_percent"], c2["coverage_percent"]) == (100.0, 90.0)
    assert c1["residual_kg_per_household_day"] == 20.0  # 6,200 ÷ 10 ÷ 31
    assert c1["participation_percent"] == 80.0
    assert c2["residual_kg_per_household_day"] is None and c2["collected_t"] is None
    assert (c1["composite_score"], c2["composite_score"]) == (100.0, 0.0)
    assert (c1["rank"]["composite"], c2["rank"]["composite"]) == (1, 2)


def test_district_rows_add_up_their_towns(ranked_city):
    rows = R.rankings("township", *OCT, SEP)["rows"]
    districts = {d["id"]: d for d in R.district_rows(rows, 31)}
    a = districts[ranked_city.districts["a"].id]
    assert (a["households"], a["households_covered"], a["coverage_percent"]) == (30, 24, 80.0)
    # (6,200 + 1,550) kg ÷ 30 households ÷ 31 days
    assert a["residual_kg_per_household_day"] == 8.333
    assert a["townships"] == 2


def test_formulas():
    assert R.kg_per_household_day(310, 10, 31) == 1.0
    assert R.kg_per_household_day(310, 0, 31) is None
    assert R.figure_score(7, 7, 7) == 100.0
    assert R.figure_score(5, best=0, worst=10) == 50.0
    assert R.composite_score({"a": 100, "b": None}, {"a": 1, "b": 3}) == 100.0
    assert R.composite_score({"a": None}, {"a": 1}) is None


def test_the_households_count_as_of_the_last_day(ranked_city):
    """Coverage is taken on the period's last day: a1c2's households started on 10 October."""
    rows = _by_key(ranked_city, R.rankings("township", dt.date(2026, 10, 1),
                                           dt.date(2026, 10, 9), SEP)["rows"])
    assert rows["a1"]["coverage_percent"] == 50.0
    assert db.session.query(Household).count() == 50


@pytest.mark.parametrize("weights", [
    {"coverage": 1},  # figures missing
    {**dict.fromkeys(R.FIGURES, 1), "coverage": -1},
    dict.fromkeys(R.FIGURES, 0),
    {**dict.fromkeys(R.FIGURES, 1), "gap": True},
])
def test_weights_are_checked_at_start(tmp_path, weights):
    from wastesort import create_app
    from wastesort.config import ConfigError

    with pytest.raises(ConfigError, match="RANKING_WEIGHTS"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                    "RANKING_WEIGHTS": weights})
