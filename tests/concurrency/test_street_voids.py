"""A street administrator and the point's staff correct the same posting at the same moment (the
administrator from their street's list, the staff from the phone): whoever's conditional UPDATE
changes the row voids it, its weight leaves the daily tonnage exactly once, and the other is
told it is void already. Threads of one process and of two forked processes, on the suite's
database (SQLite by default, PostgreSQL with WASTESORT_TEST_DATABASE_URL)."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from tests import factories
from wastesort.collections.models import Collection
from wastesort.collections.tonnage import DailyTonnage
from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.timeutil import local_today

from .conftest import MODES, ROUNDS, api_call, assert_no_drift, race


def _tonnage(township_id: int) -> tuple[int, int]:
    db.session.remove()
    kg, records = db.session.execute(
        select(func.coalesce(func.sum(DailyTonnage.weight_kg), 0),
               func.coalesce(func.sum(DailyTonnage.records), 0))
        .where(DailyTonnage.township_id == township_id)).one()
    return int(kg), int(records)


@pytest.mark.parametrize("mode", MODES)
def test_street_admin_and_point_staff_void_one_posting_at_once(app, city, tokens, runner,
                                                                mode):
    point, township = city.points["a1"], city.townships["a1"].id
    street_id, staff_id = city.users["street"].id, city.users["staff"].id
    for round_ in range(ROUNDS):
        row = factories.add_collection(point, local_today(), WasteCategory.KITCHEN, 830,
                                       key=f"street-void-{round_}")
        row_id = row.id
        before = _tonnage(township)
        ops = [api_call(app, "POST", f"/api/v1/collections/{row_id}/void",
                        tokens["street" if n % 2 else "staff"],
                        {"reason": f"{'street' if n % 2 else 'staff'} correction {n}"})
               for n in range(6)]
        results = race(app, ops, mode)
        statuses = Counter(status for status, _ in results)
        assert statuses == {200: 1, 409: 5}, results
        assert _tonnage(township) == (before[0] - 830, before[1] - 1)
        winner = next(body for status, body in results if status == 200)
        stored = db.session.get(Collection, row_id)
        assert stored.voided and stored.voided_by_id == winner["voided_by_id"]
        assert stored.voided_by_id in (street_id, staff_id)
        assert stored.void_reason == winner["void_reason"]
        assert_no_drift()
    assert_no_drift(runner)
