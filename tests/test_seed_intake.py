"""The demo's weighbridge tickets tell the stories they are made for: what arrives is a little
less than what was collected, one street's kitchen waste arrives as residual waste on three
days, one incinerator is closed for a week and its load goes to the others; the daily intake
equals its recount; an operator can log in."""

import datetime as dt
from collections import Counter

from sqlalchemy import func, select

from wastesort.accounts.models import Role, User
from wastesort.check import drift
from wastesort.demo.intake import MAINTENANCE_DAYS
from wastesort.demo.seed import seed_demo
from wastesort.facilities.models import FacilityCapacity
from wastesort.intake.models import WeighbridgeTicket
from wastesort.metrics.facilities import (
    collected_against_received,
    facility_days,
    facility_summary,
    township_gaps,
    treatment_rates,
)

TODAY = dt.date(2026, 11, 29)
DAYS = 30


def test_the_demos_tickets(db, runner):
    summary = seed_demo(scale="sample", days=DAYS, today=TODAY, inspection_days=0)
    first = TODAY - dt.timedelta(days=DAYS - 1)
    assert summary.tickets == db.session.scalar(
        select(func.count()).select_from(WeighbridgeTicket)) > 1_500 * DAYS
    assert drift()["daily_intake"] == []
    # small gaps: every stream of every day arrives 0.3-1.5 % short (mixed transport moves a
    # few tonnes between streams, which the city's totals hardly notice)
    for day in collected_against_received(first, TODAY):
        for stream in day["streams"]:
            assert 0 < stream["gap_percent"] < 2.5, (day["day"], stream)
        assert day["mixed_streams"] == []
    # one street, three days of mixed transport
    mixed = [(g["township_id"], g["day"]) for g in township_gaps(first, TODAY)
             if g["mixed_streams"]]
    assert len({t for t, _ in mixed}) == 1
    assert sorted(d for _, d in mixed) == [TODAY - dt.timedelta(days=n) for n in (19, 12, 5)]
    # one incinerator closed for a week, nothing weighed there meanwhile, its load moved
    (closure,) = db.session.scalars(select(FacilityCapacity)
                                    .where(FacilityCapacity.capacity_t_per_day == 0))
    (row,) = facility_days(first, TODAY, closure.treatment_facility_id)
    assert facility_summary(row)["closed_days"] == MAINTENANCE_DAYS
    assert all(d["intake_t"] == 0 for d in row["days"] if d["closed"])
    assert collected_against_received(closure.effective_from, closure.effective_from)[0][
        "streams"][3]["gap_percent"] < 2.5  # residual still arrives, elsewhere
    # zero landfill, nearly every tonne treated harmlessly
    rates = treatment_rates(first, TODAY)
    assert rates["landfill_share_percent"] == 0.0
    assert 98 < rates["harmless_rate_percent"] < 100
    # every ticket posted by its facility's operator; a few void
    operators = dict(db.session.execute(select(User.id, User.treatment_facility_id)
                                        .where(User.role == Role.FACILITY_OPERATOR)).all())
    posted = Counter(operators[u] == f for u, f in db.session.execute(
        select(WeighbridgeTicket.posted_by_id, WeighbridgeTicket.treatment_facility_id)))
    assert posted == {True: summary.tickets}
    result = runner.invoke(args=["demo-logins", "--password", "demo-pass-1"])
    assert result.exit_code == 0 and "operator (at " in result.output
    operator = db.session.scalar(select(User).where(User.username == "operator"))
    assert operator.role is Role.FACILITY_OPERATOR and operator.treatment_facility_id
