"""The weighbridge tickets' write paths raced from threads and from two processes, on the
suite's database (SQLite by default, PostgreSQL with WASTESORT_TEST_DATABASE_URL): the same
ticket number posted at once counts once, overlapping batches of two operators of one facility
count each ticket once, concurrent voids subtract once; after every round the daily intake
equals its recount (``wastesort check``)."""

import datetime as dt
import random
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests import factories
from wastesort.accounts.models import Role
from wastesort.accounts.tokens import issue_token
from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.intake.aggregate import DailyIntake, UntrackedVoid
from wastesort.intake.models import WeighbridgeTicket
from wastesort.timeutil import local_now

from .conftest import MODES, ROUNDS, api_call, assert_no_drift, race


def _intake(facility_id: int) -> tuple[int, int]:
    db.session.remove()
    kg, tickets = db.session.execute(
        select(func.coalesce(func.sum(DailyIntake.weight_kg), 0),
               func.coalesce(func.sum(DailyIntake.tickets), 0))
        .where(DailyIntake.treatment_facility_id == facility_id)).one()
    return int(kg), int(tickets)


def _ticket(number: str, weight_kg: int = 10_000, minutes: int = 30, stream="residual",
            now: dt.datetime | None = None) -> dict:
    """A ticket weighed ``minutes`` before ``now``: a resent one must repeat its arrival."""
    arrived = ((now or local_now()) - dt.timedelta(minutes=minutes)).replace(microsecond=0)
    return {"ticket_number": number, "arrived_at": arrived.isoformat(), "stream": stream,
            "net_weight_kg": weight_kg}


@pytest.mark.parametrize("mode", MODES)
def test_one_ticket_number_posted_at_once_counts_once(app, city, tokens, runner, mode):
    """Ten requests: six distinct numbers, and four copies of one number (a weighbridge's
    retries): seven tickets, the copies answered 201 once and 200 three times."""
    facility = city.facilities["incineration"].id
    for round_ in range(ROUNDS):
        body = _ticket(f"R{round_}-same")
        ops = [api_call(app, "POST", "/api/v1/tickets", tokens["operator"],
                        body if n >= 6 else _ticket(f"R{round_}-{n}"))
               for n in range(10)]
        results = race(app, ops, mode)
        statuses = Counter(status for status, _ in results)
        assert statuses == {201: 7, 200: 3}, results
        same = {answer["id"] for status, answer in results[6:]}
        assert len(same) == 1, results
        assert _intake(facility) == (70_000 * (round_ + 1), 7 * (round_ + 1))
        assert_no_drift()
    assert_no_drift(runner)


@pytest.mark.parametrize("mode", MODES)
def test_overlapping_batches_of_one_facility(app, city, tokens, runner, mode):
    """Two operators of one facility each send the day's export, overlapping, in their own
    order, at once, several times: every ticket counts once."""
    facility = city.facilities["incineration"].id
    second = factories.make_user("operator2", Role.FACILITY_OPERATOR,
                                 treatment_facility_id=facility)
    db.session.commit()
    operator_tokens = [tokens["operator"], issue_token(second, "race")[1]]
    weights = {f"B-{n:03d}": 1_000 + n for n in range(60)}
    now = local_now()  # each round resends the same tickets
    streams = ["residual", "kitchen", "recyclable", "hazardous"]
    for round_ in range(ROUNDS):
        numbers = list(weights)
        ops = []
        for k in range(6):
            chosen = numbers[k * 8:k * 8 + 20]  # overlapping windows of the export
            random.Random(round_ * 10 + k).shuffle(chosen)
            records = [_ticket(n, weights[n], minutes=int(n[2:]) + 1,
                               stream=streams[int(n[2:]) % 4], now=now) for n in chosen]
            ops.append(api_call(app, "POST", "/api/v1/tickets/batch",
                                operator_tokens[k % 2], {"records": records}))
        results = race(app, ops, mode)
        assert all(status == 200 for status, _ in results), results
        created = sum(answer["created"] for _, answer in results)
        sent = sorted({n for k in range(6) for n in numbers[k * 8:k * 8 + 20]})
        assert created == (len(sent) if round_ == 0 else 0), results
        assert _intake(facility) == (sum(weights[n] for n in sent), len(sent))
        assert_no_drift()
    assert_no_drift(runner)


@pytest.mark.parametrize("mode", MODES)
def test_one_ticket_voided_at_once_by_many(app, city, tokens, runner, mode):
    """Twelve voids of one ticket (operators and an administrator): one 200, eleven 409, and
    its weight leaves the daily intake once."""
    facility = city.facilities["incineration"].id
    for round_ in range(ROUNDS):
        made = app.test_client().post("/api/v1/tickets", json=_ticket(f"V-{round_}", 5_000),
                                      headers={"Authorization": f"Bearer {tokens['operator']}"})
        assert made.status_code == 201
        ticket_id = made.get_json()["id"]
        before = _intake(facility)
        ops = [api_call(app, "POST", f"/api/v1/tickets/{ticket_id}/void",
                        tokens["operator" if n % 3 else "admin"], {"reason": f"race {n}"})
               for n in range(12)]
        results = race(app, ops, mode)
        assert Counter(status for status, _ in results) == {200: 1, 409: 11}, results
        assert _intake(facility) == (before[0] - 5_000, before[1] - 1)
        assert_no_drift()
    assert_no_drift(runner)


def test_a_void_through_the_orm_is_refused(app, city):
    """The one way to void is the conditional UPDATE: a void made on the ORM object would move
    no aggregate, so the flush refuses it."""
    row = factories.add_ticket(city.facilities["incineration"], local_now().date(),
                               WasteCategory.RESIDUAL, 700)
    row.voided, row.void_reason = True, "by hand"
    with pytest.raises(UntrackedVoid):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(WeighbridgeTicket.voided)
                             .where(WeighbridgeTicket.id == row.id)) is False
