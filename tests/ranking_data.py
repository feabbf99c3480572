"""A small city whose rankings are worked out by hand (tests/test_rankings.py checks them)
(tests/factories.py): October 2026 ranked, September the previous period.

Households: a1 20 (a1c1 10 sorting since 2020, a1c2 9 of 10 since 10 October), a2 10 (5
since 2020), b1 20 (all since 2020). Coverage at the end of October: 95, 50 and 100 %; at the
end of September 50, 50 and 100 %. October's postings (kg, on one day): a1 residual 6,200,
recyclables 1,240, kitchen 3,100; a2 residual 1,550, recyclables 620; b1 residual 12,400,
recyclables 3,100, kitchen 6,200. September: a2 residual 300 kg, nothing else. Inspections in
October: a1c1 80 of 100 households sorted, 90 of 100 bags right; b1c1 60 of 100 and 95 of 100.
One weighbridge ticket names b1: 20 t of residual waste on the day b1 collected 21.7 t.
"""

import datetime as dt

from tests.factories import add_collection, add_households, add_ticket
from wastesort.enums import WasteCategory as C
from wastesort.extensions import db
from wastesort.inspections.models import Inspection

OCT = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
SEP = (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
POSTED = dt.date(2026, 10, 10)


def build_ranked_city(city):
    add_households(city.communities["a1c1"], 10, 10)
    add_households(city.communities["a1c2"], 10, 9, since=dt.date(2026, 10, 10))
    add_households(city.communities["a2c1"], 10, 5)
    add_households(city.communities["b1c1"], 20, 20)
    for point, kg in (("a1", {C.RESIDUAL: 6200, C.RECYCLABLE: 1240, C.KITCHEN: 3100}),
                      ("a2", {C.RESIDUAL: 1550, C.RECYCLABLE: 620}),
                      ("b1", {C.RESIDUAL: 12400, C.RECYCLABLE: 3100, C.KITCHEN: 6200})):
        for category, weight_kg in kg.items():
            add_collection(city.points[point], POSTED, category, weight_kg)
    add_collection(city.points["a2"], dt.date(2026, 9, 15), C.RESIDUAL, 300)
    add_collection(city.points["a1"], POSTED, C.RESIDUAL, 9999, key="void", voided=True)
    for n, (community, sorted_, correct) in enumerate((("a1c1", 80, 90), ("b1c1", 60, 95))):
        db.session.add(Inspection(
            community_id=city.communities[community].id, inspector_id=city.users["admin"].id,
            inspected_at=dt.datetime.combine(POSTED, dt.time(2), tzinfo=dt.UTC),
            inspected_on=POSTED, households_seen=100, households_sorted=sorted_,
            items_inspected=100, items_correct=correct, idempotency_key=f"r-{n}"))
    db.session.commit()
    add_ticket(city.facilities["incineration"], POSTED, C.RESIDUAL, 20_000,
               township=city.townships["b1"])
    return city
