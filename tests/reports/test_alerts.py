"""Capacity alerts: one per day and level, raised by the posting that crosses the line."""

import datetime as dt

import pytest

from tests.factories import add_collection
from wastesort.collections.service import post_batch, post_collection
from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.reports import tasks
from wastesort.reports.delivery import send_due
from wastesort.reports.models import AlertLevel, CapacityAlert, Delivery

from .conftest import city_time

TODAY = dt.date(2026, 11, 29)
pytestmark = pytest.mark.config(COLLECTION_MAX_WEIGHT_KG=600_000,
                                CAPACITY_ALERT_POSTING_INTERVAL_SECONDS=0)


@pytest.fixture
def today(time_machine):
    time_machine.move_to(city_time(2026, 11, 29, 10), tick=False)
    return time_machine


def post(city, weight_kg, day=TODAY):
    post_collection(city.users["staff"], {
        "recycling_point_id": city.points["a1"].id, "collected_on": day,
        "category": "residual", "weight_kg": weight_kg})


def alerts():
    db.session.expire_all()
    return [(a.day, a.level) for a in db.session.scalars(
        db.select(CapacityAlert).order_by(CapacityAlert.id))]


def test_one_alert_per_day_and_level_from_postings(today, city, smtp, subscribe):
    subscribe("duty@example.org", "alert")
    subscribe("boss@example.org", "capacity", "day")  # not an alert subscriber
    post(city, 400_000)  # 400 t of 500 t/day: 80 %
    assert alerts() == []
    post(city, 30_000)  # 86 %: the warning threshold (85 %) is crossed
    assert alerts() == [(TODAY, AlertLevel.WARNING)]
    post(city, 10_000)  # still in warning: no second warning
    post(city, 80_000)  # 104 %: over capacity
    post(city, 10_000)
    post(city, 5_000, day=TODAY - dt.timedelta(days=1))  # another day, far below
    assert alerts() == [(TODAY, AlertLevel.WARNING), (TODAY, AlertLevel.OVER)]
    warning = db.session.scalar(db.select(CapacityAlert).where(
        CapacityAlert.level == AlertLevel.WARNING))
    assert (warning.collected_t, warning.capacity_t_per_day, warning.utilisation_percent) == (
        430.0, 500, 86.0)

    smtp.start()
    assert send_due()["sent"] == 2
    # (a subject folded onto its own line comes back with the fold's space in front)
    subjects = sorted(m["Subject"].strip() for m in smtp.mailbox.messages)
    assert subjects == [
        "[wastesort] Capacity warning on November 29, 2026: 86.0 % of 500 t/day",
        "[wastesort] Over capacity on November 29, 2026: 520.0 t collected, capacity 500 t/day",
    ]
    assert {e.rcpt_tos[0] for e in smtp.mailbox.envelopes} == {"duty@example.org"}
    body = smtp.mailbox.messages[0].get_body(("plain",)).get_content()
    assert "Disposal capacity: 500 t/day" in body

    post(city, 50_000)  # later postings of the day send nothing more
    assert send_due()["sent"] == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Delivery)) == 2


def test_a_batch_crossing_both_lines_raises_both_once(today, city, subscribe):
    subscribe("duty@example.org", "alert")
    records = [{"recycling_point_id": city.points["a1"].id, "collected_on": TODAY,
                "category": "kitchen", "weight_kg": 300_000, "idempotency_key": f"kiosk-{n}"}
               for n in range(2)]
    post_batch(city.users["staff"], records)
    assert alerts() == [(TODAY, AlertLevel.WARNING), (TODAY, AlertLevel.OVER)]
    post_batch(city.users["staff"], records)  # the same batch again: stored once, no alert
    assert len(alerts()) == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(Delivery)) == 2


def test_the_scheduler_check_raises_what_a_posting_missed(app, today, city):
    add_collection(city.points["a1"], TODAY, WasteCategory.RESIDUAL, 450_000)  # no hook
    assert alerts() == []
    tasks.bind(app)
    try:
        tasks.check_alerts()
        tasks.check_alerts()
    finally:
        tasks._bound.clear()
    assert alerts() == [(TODAY, AlertLevel.WARNING)]


def test_postings_check_a_day_at_most_once_per_interval(app, today, city):
    app.config["CAPACITY_ALERT_POSTING_INTERVAL_SECONDS"] = 10
    post(city, 400_000)  # checked: 80 %
    post(city, 30_000)  # 86 %, but the day was checked 0 s ago: not checked again yet
    assert alerts() == []
    today.shift(10)
    post(city, 1_000)  # the next posting after the interval sees the crossing
    assert alerts() == [(TODAY, AlertLevel.WARNING)]
