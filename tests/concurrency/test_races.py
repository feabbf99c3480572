"""Every write path that an aggregate follows, raced from threads and from two processes, on
the suite's database (SQLite by default, PostgreSQL in CI): after each round the aggregates
equal their recount (``wastesort check``), and the answers say what happened exactly once."""

import datetime as dt
import random
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests import factories
from wastesort.accounts.models import Role
from wastesort.accounts.tokens import issue_token
from wastesort.bins.models import BinStatus, SortingBin
from wastesort.collections.models import Collection
from wastesort.collections.tonnage import DailyTonnage
from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.households.importing import apply_import, plan_import
from wastesort.households.models import Household
from wastesort.households.tally import HouseholdTally
from wastesort.points.models import PointKind, RecyclingPoint
from wastesort.timeutil import local_today

from .conftest import MODES, ROUNDS, api_call, assert_no_drift, race

CATEGORIES = [c.value for c in WasteCategory]


def _tonnage(township_id: int) -> tuple[int, int]:
    db.session.remove()
    kg, records = db.session.execute(
        select(func.coalesce(func.sum(DailyTonnage.weight_kg), 0),
               func.coalesce(func.sum(DailyTonnage.records), 0))
        .where(DailyTonnage.township_id == township_id)).one()
    return int(kg), int(records)


def _kiosks(city, count: int) -> list[tuple[int, str]]:
    """``count`` more points in township a1, each with its own staff: (point id, token)."""
    kiosks = []
    for n in range(count):
        point = RecyclingPoint(township_id=city.townships["a1"].id, name=f"kiosk {n}",
                               kind=PointKind.KIOSK)
        db.session.add(point)
        db.session.flush()
        user = factories.make_user(f"kiosk{n}", Role.POINT_STAFF, recycling_point_id=point.id)
        db.session.flush()
        kiosks.append((point.id, issue_token(user, "race")[1]))
    db.session.commit()
    return kiosks


@pytest.mark.parametrize("mode", MODES)
def test_postings_and_same_key_retries(app, city, tokens, runner, mode):
    """Single postings under distinct keys all count; copies of one key count once."""
    point = city.points["a1"].id
    township = city.townships["a1"].id
    for round_ in range(ROUNDS):
        ops = [api_call(app, "POST", "/api/v1/collections", tokens["staff"],
                        {"recycling_point_id": point, "collected_on": str(local_today()),
                         "category": "kitchen", "weight_kg": 10},
                        {"Idempotency-Key": f"r{round_}-{n if n < 6 else 'same'}"})
                for n in range(10)]
        results = race(app, ops, mode)
        statuses = Counter(status for status, _ in results)
        assert statuses == {201: 7, 200: 3}, results
        assert _tonnage(township) == (70 * (round_ + 1), 7 * (round_ + 1))
        assert_no_drift()
    assert_no_drift(runner)


@pytest.mark.parametrize("mode", MODES)
def test_batches_of_a_street_in_any_order(app, city, runner, mode):
    """Six kiosks of one street post batches over overlapping days and categories, each its
    own subset in its own order (what deadlocked the daily tonnage on PostgreSQL)."""
    kiosks = _kiosks(city, 6)
    township = city.townships["a1"].id
    days = [str(local_today() - dt.timedelta(days=d)) for d in range(6)]
    rng = random.Random(11)
    expected = 0
    for round_ in range(ROUNDS * 3):
        ops, sizes = [], []
        for point, token in kiosks:
            keys = rng.sample([(day, c) for day in days for c in CATEGORIES], rng.randint(6, 20))
            records = [{"recycling_point_id": point, "collected_on": day, "category": category,
                        "weight_kg": 5, "idempotency_key": f"r{round_}-{day}-{category}"}
                       for day, category in keys]
            ops.append(api_call(app, "POST", "/api/v1/collections/batch", token,
                                {"records": records}))
            expected += 5 * len(records)
            sizes.append(len(records))
        results = race(app, ops, mode)
        assert all(status == 200 for status, _ in results), results
        assert [body["created"] for _, body in results] == sizes, results
        assert _tonnage(township)[0] == expected
        assert_no_drift()
    assert_no_drift(runner)


@pytest.mark.parametrize("mode", MODES)
def test_one_record_voided_at_once_by_many(app, city, tokens, runner, mode):
    point = city.points["a1"]
    township = city.townships["a1"].id
    for round_ in range(ROUNDS):
        row = factories.add_collection(point, local_today(), WasteCategory.RESIDUAL, 700,
                                       key=f"void-{round_}")
        row_id = row.id
        before = _tonnage(township)
        ops = [api_call(app, "POST", f"/api/v1/collections/{row_id}/void",
                        tokens["staff" if n % 2 else "admin"], {"reason": f"wrong scale {n}"})
               for n in range(12)]
        results = race(app, ops, mode)
        statuses = Counter(status for status, _ in results)
        assert statuses == {200: 1, 409: 11}, results
        assert _tonnage(township) == (before[0] - 700, before[1] - 1)
        assert_no_drift()
    assert_no_drift(runner)


@pytest.mark.parametrize("mode", MODES)
def test_one_household_edited_and_moved_at_once(app, city, tokens, runner, mode):
    """Ten PATCHes of one household at once, each with another start date or community."""
    factories.add_households(city.communities["a1c1"], 3, covered=1)
    household = db.session.scalar(select(Household.id).order_by(Household.id).limit(1))
    communities = [city.communities["a1c1"].id, city.communities["a1c2"].id]
    for round_ in range(ROUNDS):
        ops = []
        for n in range(10):
            change = {"sorting_since": str(dt.date(2019 + n % 5, 1 + n, 1 + round_))
                      if n % 3 else None}
            if n % 2:
                change["community_id"] = communities[(n + round_) % 2]
            ops.append(api_call(app, "PATCH", f"/api/v1/households/{household}",
                                tokens["street"], change))
        results = race(app, ops, mode)
        assert all(status == 200 for status, _ in results), results
        assert_no_drift()
        db.session.remove()
        assert db.session.scalar(select(func.min(HouseholdTally.households))) >= 0
        assert db.session.scalar(select(func.sum(HouseholdTally.households))) == 3
    assert_no_drift(runner)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.config(HOUSEHOLD_CODE_PATTERN=r"H[0-9]+-[0-9]+", HOUSEHOLD_CODE_EXAMPLE="H1-0")
def test_household_imports_beside_edits(app, city, tokens, runner, mode):
    """Two imports moving the same households to other communities and start dates, raced
    with PATCHes of the same households (the import confirms through the same services)."""
    factories.add_households(city.communities["a1c1"], 6, covered=3)
    ids = list(db.session.scalars(select(Household.id).order_by(Household.id)))
    codes = list(db.session.scalars(select(Household.code).order_by(Household.id)))
    township = city.townships["a1"].id
    names = [city.communities["a1c1"].name, city.communities["a1c2"].name]
    street_id = city.users["street"].id

    def importer(variant):
        def op():
            from wastesort.accounts.models import User

            user = db.session.get(User, street_id)
            rows = [(n + 2, {"code": code, "community": names[(n + variant) % 2],
                             "building": "1", "unit": "1", "room": f"{n:04d}", "members": "2",
                             "sorting_since": f"2021-0{1 + variant}-0{1 + n % 7}"
                             if (n + variant) % 3 else ""})
                    for n, code in enumerate(codes)]
            plan = plan_import(user, township, rows)
            assert not plan.errors, plan.errors
            created, updated = apply_import(user, plan)
            return created, updated + plan.unchanged  # a row as stored is not written
        return op

    for round_ in range(ROUNDS):
        ops = [importer(round_ % 2), importer(1 + round_ % 2)]
        ops += [api_call(app, "PATCH", f"/api/v1/households/{hid}", tokens["street"],
                         {"sorting_since": str(dt.date(2022, 1 + n, 1)), "community_id":
                          city.communities[("a1c1", "a1c2")[n % 2]].id})
                for n, hid in enumerate(ids[:4])]
        results = race(app, ops, mode)
        assert results[:2] == [(0, 6), (0, 6)], results
        assert all(status == 200 for status, _ in results[2:]), results
        assert_no_drift()
    assert_no_drift(runner)


@pytest.mark.parametrize("mode", MODES)
def test_point_moved_while_its_first_postings_arrive(app, city, tokens, runner, mode):
    """A point with no postings moves to another town or street while its staff post: either
    the move waits and is refused (the point has postings), or it goes first and the postings
    count for the new town or street. Never both a move and postings in the old one."""
    a1, a2 = city.townships["a1"].id, city.townships["a2"].id
    for round_ in range(ROUNDS * 3):
        point = RecyclingPoint(township_id=a1, name=f"new point {round_}", kind=PointKind.KIOSK)
        db.session.add(point)
        db.session.flush()
        user = factories.make_user(f"new{round_}", Role.POINT_STAFF, recycling_point_id=point.id)
        db.session.commit()
        point_id, token = point.id, issue_token(user, "race")[1]
        posts = [api_call(app, "POST", "/api/v1/collections", token,
                          {"recycling_point_id": point_id, "collected_on": str(local_today()),
                           "category": "recyclable", "weight_kg": 3},
                          {"Idempotency-Key": f"first-{round_}-{n}"}) for n in range(4)]
        move = api_call(app, "PATCH", f"/api/v1/recycling-points/{point_id}", tokens["admin"],
                        {"township_id": a2, "community_id": None})
        ops = posts[:2] + [move] + posts[2:]
        results = race(app, ops, mode)
        move_status = results[2][0]
        assert move_status in (200, 422), results
        assert all(status == 201 for status, _ in results[:2] + results[3:]), results
        db.session.remove()
        township = db.session.scalar(select(RecyclingPoint.township_id)
                                     .where(RecyclingPoint.id == point_id))
        assert township == (a2 if move_status == 200 else a1)
        assert_no_drift()
    assert_no_drift(runner)


def test_a_point_with_postings_does_not_move(app, city, tokens):
    point = city.points["a1"]
    factories.add_collection(point, local_today(), WasteCategory.KITCHEN, 5)
    response = app.test_client().patch(f"/api/v1/recycling-points/{point.id}", json={
        "township_id": city.townships["a2"].id, "community_id": None},
        headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert response.status_code == 422
    assert "township_id" in response.get_json()["errors"]


@pytest.mark.parametrize("mode", MODES)
def test_bin_status_changed_at_once(app, city, tokens, runner, mode):
    """Concurrent status changes of one bin: each is applied in turn, the last one stays, and
    the figures that count bins in service read a consistent table."""
    bin_id = db.session.scalar(select(SortingBin.id).order_by(SortingBin.id).limit(1))
    statuses = [s.value for s in BinStatus]
    for _round in range(ROUNDS):
        ops = [api_call(app, "PATCH", f"/api/v1/bins/{bin_id}", tokens["street"],
                        {"status": statuses[n % len(statuses)]}) for n in range(8)]
        results = race(app, ops, mode)
        assert all(status == 200 for status, _ in results), results
        db.session.remove()
        assert db.session.scalar(select(SortingBin.status).where(SortingBin.id == bin_id)) \
            .value in statuses
        assert_no_drift()
    assert_no_drift(runner)


def test_a_void_through_the_orm_is_refused(app, city):
    """Voids go through the conditional UPDATE only: a void made on the ORM object would move
    the tonnage without the database deciding, so the flush refuses it."""
    from wastesort.collections.tonnage import UntrackedVoid

    row = factories.add_collection(city.points["a1"], local_today(), WasteCategory.KITCHEN, 5)
    row.voided, row.void_reason = True, "by hand"
    with pytest.raises(UntrackedVoid):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(Collection.voided).where(Collection.id == row.id)) is False
