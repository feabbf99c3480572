"""The aggregate tables stay equal to what the raw rows say, whatever path wrote them."""

import datetime as dt
import threading

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, text

from wastesort.check import drift
from wastesort.collections.service import post_batch, post_collection, void_collection
from wastesort.collections.tonnage import DailyTonnage
from wastesort.errors_domain import RuleViolation
from wastesort.households.importing import apply_import, plan_import
from wastesort.households.models import Household
from wastesort.households.sheet import read_rows
from wastesort.households.tally import HouseholdTally
from wastesort.metrics.capacity import daily_capacity
from wastesort.metrics.coverage import coverage
from wastesort.points.service import update_point
from wastesort.timeutil import local_today

from .factories import add_households

NO_DRIFT = {"household_tallies": [], "daily_tonnage": [], "daily_inspection_tally": [],
            "daily_intake": []}


def record(city, weight_kg, day=None, category="kitchen"):
    return {"recycling_point_id": city.points["a1"].id, "collected_on": day or local_today(),
            "category": category, "weight_kg": weight_kg}


def test_households_added_moved_restarted_and_deleted(db, city):
    add_households(city.communities["a1c1"], 5, covered=3)
    assert drift() == NO_DRIFT
    moved = db.session.get(Household, 1) or db.session.query(Household).first()
    moved.community_id = city.communities["b1c1"].id
    moved.sorting_since = dt.date(2021, 5, 1)
    db.session.commit()
    stopped = db.session.query(Household).filter(Household.sorting_since.isnot(None)).first()
    stopped.sorting_since = None
    db.session.commit()
    db.session.delete(db.session.query(Household).order_by(Household.id.desc()).first())
    db.session.commit()
    assert drift() == NO_DRIFT
    assert coverage("city", local_today())[0]["households"] == 4


@pytest.mark.config(HOUSEHOLD_CODE_PATTERN=r"H[0-9]+-[0-9]+|NEW-[0-9]+",
                    HOUSEHOLD_CODE_EXAMPLE="NEW-1")  # the test's codes
def test_import_keeps_tallies(db, city):
    add_households(city.communities["a1c1"], 2, covered=0)
    existing = db.session.query(Household).first()
    csv = ("code,community,building,unit,room,members,sorting_since\n"
           f"{existing.code},a1社区2,1,1,0101,3,2021-01-01\n"
           "NEW-1,a1社区1,2,1,0201,2,2021-02-02\n"
           "NEW-2,a1社区2,2,1,0202,2,\n").encode()
    plan = plan_import(city.users["street"], city.townships["a1"].id, read_rows("h.csv", csv))
    assert plan.errors == []
    assert apply_import(city.users["street"], plan) == (2, 1)
    assert drift() == NO_DRIFT
    assert coverage("township", local_today(), township_id=city.townships["a1"].id)[0][
        "households_covered"] == 2


def test_postings_batches_and_voids(db, city):
    staff = city.users["staff"]
    first, _ = post_collection(staff, record(city, 1_500), "one")
    post_collection(staff, record(city, 1_500), "one")  # a retry adds nothing
    post_batch(staff, [{**record(city, 200 + i, category="residual"),
                        "idempotency_key": f"b{i}"} for i in range(10)])
    post_batch(staff, [{**record(city, 200 + i, category="residual"),
                        "idempotency_key": f"b{i}"} for i in range(10)])  # sent twice
    void_collection(staff, first.id, "weighed twice")
    assert drift() == NO_DRIFT
    today = daily_capacity(local_today(), local_today())[0]
    assert today["by_category_t"]["kitchen"] == 0
    assert today["by_category_t"]["residual"] == 2.045  # 200 + … + 209 kg


def test_concurrent_postings_leave_no_drift(app, db, city):
    staff_id = city.users["staff"].id
    point_id = city.points["a1"].id
    threads_n, per_thread = 6, 5
    barrier = threading.Barrier(threads_n)
    failures = []

    def post(n):
        with app.app_context():
            from wastesort.accounts.models import User
            from wastesort.extensions import db as tdb

            user = tdb.session.get(User, staff_id)
            barrier.wait()
            try:
                for i in range(per_thread):
                    post_collection(user, {"recycling_point_id": point_id,
                                           "collected_on": local_today(), "category": "kitchen",
                                           "weight_kg": 10}, f"t{n}-{i}")
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(repr(exc))
            finally:
                tdb.session.remove()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    db.session.remove()
    assert drift() == NO_DRIFT
    today = daily_capacity(local_today(), local_today())[0]
    assert today["by_category_t"]["kitchen"] == threads_n * per_thread * 10 / 1000


def test_check_command_reports_and_fixes_drift(runner, db, city):
    add_households(city.communities["a1c1"], 3, covered=3)
    post_collection(city.users["staff"], record(city, 700), "k")
    clean = runner.invoke(args=["check"])
    assert clean.exit_code == 0 and "household_tallies: no drift" in clean.output
    db.session.execute(delete(HouseholdTally))
    db.session.execute(text("UPDATE daily_tonnage SET weight_kg = weight_kg + 1"))
    db.session.commit()
    drifted = runner.invoke(args=["check"])
    assert drifted.exit_code != 0
    assert "rows drifted" in drifted.output and "Traceback" not in drifted.output
    fixed = runner.invoke(args=["check", "--fix"])
    assert fixed.exit_code == 0 and "Rebuilt" in fixed.output
    assert drift() == NO_DRIFT
    assert db.session.query(DailyTonnage).one().weight_kg == 700


def test_a_point_with_collections_does_not_move_township(db, city):
    admin, point = city.users["admin"], city.points["a1"]
    other = city.townships["b1"]
    post_collection(city.users["staff"], record(city, 300), "before-move")
    with pytest.raises(RuleViolation) as refused:
        update_point(admin, point.id, {"township_id": other.id, "community_id": None})
    with force_locale("en"):  # a service's message is read in the reader's language
        assert "register a new point" in str(refused.value.errors["township_id"][0])
    db.session.rollback()
    assert db.session.get(type(point), point.id).township_id == city.townships["a1"].id
    assert drift() == NO_DRIFT
    fresh = city.points["a2"]  # no collections yet: it may move
    update_point(admin, fresh.id, {"township_id": other.id, "community_id": None})
    assert db.session.get(type(fresh), fresh.id).township_id == other.id
