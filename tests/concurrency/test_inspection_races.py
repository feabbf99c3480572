"""Inspections raced from threads and from two processes, on the suite's database: copies of
one key count once, batches of several inspectors over the same days and communities all
count, and of many voids of one inspection one takes it out of the daily tally. After every
round the tally equals its recount (``wastesort check``)."""

import datetime as dt
import random
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests import factories
from wastesort.accounts.models import Role
from wastesort.accounts.tokens import issue_token
from wastesort.extensions import db
from wastesort.inspections.tally import DailyInspectionTally
from wastesort.timeutil import local_now

from .conftest import MODES, ROUNDS, api_call, assert_no_drift, race

URL = "/api/v1/inspections"


def _tally(township_communities) -> tuple[int, int]:
    """(inspections, households seen) the tally holds for these communities."""
    db.session.remove()
    inspections, seen = db.session.execute(
        select(func.coalesce(func.sum(DailyInspectionTally.inspections), 0),
               func.coalesce(func.sum(DailyInspectionTally.households_seen), 0))
        .where(DailyInspectionTally.community_id.in_(township_communities))).one()
    return int(inspections), int(seen)


def _inspectors(city, count: int) -> list[tuple[int, str]]:
    """``count`` inspectors of township a1: (user id, token)."""
    made = []
    for n in range(count):
        user = factories.make_user(f"inspector{n}", Role.INSPECTOR,
                                   township_id=city.townships["a1"].id)
        db.session.flush()
        made.append((user.id, issue_token(user, "race")[1]))
    db.session.commit()
    return made


def _body(community_id: int, when: dt.datetime, seen: int = 10, **extra) -> dict:
    return {"community_id": community_id, "inspected_at": when.isoformat(),
            "households_seen": seen, "households_sorted": seen // 2, "items_inspected": 8,
            "items_correct": 6, "contaminated_kitchen": 1, **extra}


@pytest.mark.parametrize("mode", MODES)
def test_postings_and_same_key_retries(app, city, runner, mode):
    """Single postings under distinct keys all count; copies of one key count once."""
    ((_, token),) = _inspectors(city, 1)
    communities = [city.communities["a1c1"].id, city.communities["a1c2"].id]
    for round_ in range(ROUNDS):
        when = local_now() - dt.timedelta(hours=1)
        ops = [api_call(app, "POST", URL, token, _body(communities[n % 2 if n < 6 else 0], when),
                        {"Idempotency-Key": f"r{round_}-{n if n < 6 else 'same'}"})
               for n in range(10)]
        results = race(app, ops, mode)
        assert Counter(status for status, _ in results) == {201: 7, 200: 3}, results
        same = {body["id"] for status, body in results[6:]}
        assert len(same) == 1, results
        assert _tally(communities) == (7 * (round_ + 1), 70 * (round_ + 1))
        assert_no_drift()
    assert_no_drift(runner)


@pytest.mark.parametrize("mode", MODES)
def test_batches_of_a_street_in_any_order(app, city, runner, mode):
    """Four inspectors post batches over the same days and communities at once, each its own
    subset in its own order, and one of them sends its batch twice at the same moment: every
    inspection counts once."""
    inspectors = _inspectors(city, 4)
    communities = [city.communities["a1c1"].id, city.communities["a1c2"].id]
    days = [local_now() - dt.timedelta(days=d, hours=1) for d in range(4)]
    rng = random.Random(15)
    expected = 0
    for round_ in range(ROUNDS * 2):
        ops, sizes, expected_before = [], [], expected
        for n, (_, token) in enumerate(inspectors):
            places = rng.sample([(day, c) for day in days for c in communities],
                                rng.randint(3, 8))
            records = [_body(community, day, seen=3, idempotency_key=f"r{round_}-{k}")
                       for k, (day, community) in enumerate(places)]
            copies = 2 if n == 0 else 1  # the first inspector's phone sends twice at once
            for _ in range(copies):
                ops.append(api_call(app, "POST", f"{URL}/batch", token, {"records": records}))
                sizes.append(len(records))
            expected += len(records)
        results = race(app, ops, mode)
        assert all(status == 200 for status, _ in results), results
        bodies = [body for _, body in results]
        # each inspection stored once: by one of the two copies, answered to the other
        assert sum(body["created"] for body in bodies) == expected - expected_before
        assert bodies[0]["created"] + bodies[1]["created"] == sizes[0]
        assert bodies[0]["replayed"] + bodies[1]["replayed"] == sizes[0]
        assert {r["id"] for r in bodies[0]["records"]} == {r["id"] for r in bodies[1]["records"]}
        assert _tally(communities)[0] == expected, results
        assert_no_drift()
    assert_no_drift(runner)


@pytest.mark.parametrize("mode", MODES)
def test_one_inspection_voided_at_once_by_many(app, city, tokens, runner, mode):
    ((_, token),) = _inspectors(city, 1)
    communities = [city.communities["a1c1"].id]
    for round_ in range(ROUNDS):
        client = app.test_client()
        made = client.post(URL, json=_body(communities[0], local_now(), seen=30 + round_),
                           headers={"Authorization": f"Bearer {token}"})
        assert made.status_code == 201, made.get_json()
        inspection_id = made.get_json()["id"]
        before = _tally(communities)
        ops = [api_call(app, "POST", f"{URL}/{inspection_id}/void",
                        token if n % 3 == 0 else tokens["street" if n % 3 == 1 else "admin"],
                        {"reason": f"wrong community {n}"})
               for n in range(12)]
        results = race(app, ops, mode)
        assert Counter(status for status, _ in results) == {200: 1, 409: 11}, results
        assert _tally(communities) == (before[0] - 1, before[1] - 30 - round_)
        assert_no_drift()
    assert_no_drift(runner)
