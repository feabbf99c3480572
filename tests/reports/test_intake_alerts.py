"""Facility and stream alerts: a facility's intake reaching the warning level or passing its
capacity that day, once per day and level, raised by the ticket that crosses the line; a
stream's gap beyond its tolerance on a finished day, once; e-mailed to the alert subscribers
in their language."""

import datetime as dt

import pytest

from tests.factories import add_collection
from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.intake import alerts as intake_alerts
from wastesort.intake.service import post_ticket
from wastesort.reports import tasks
from wastesort.reports.delivery import send_due
from wastesort.reports.models import IntakeAlert

from .conftest import city_time
from .test_views import log_in

TODAY = dt.date(2026, 11, 29)
pytestmark = pytest.mark.config(CAPACITY_ALERT_POSTING_INTERVAL_SECONDS=0)


@pytest.fixture
def today(time_machine):
    time_machine.move_to(city_time(2026, 11, 29, 15), tick=False)
    return time_machine


def weigh(city, number, weight_kg, day=TODAY, stream="residual"):
    post_ticket(city.users["operator"], {
        "ticket_number": number, "arrived_at": dt.datetime.combine(day, dt.time(9)),
        "stream": stream, "net_weight_kg": weight_kg})


def raised():
    db.session.expire_all()
    return [(a.day, a.subject, a.level.value) for a in db.session.scalars(
        db.select(IntakeAlert).order_by(IntakeAlert.id))]


def test_a_facility_alert_once_per_day_and_level(app, today, city, smtp, subscribe):
    subscribe("duty@example.org", "alert")
    incinerator = f"facility:{city.facilities['incineration'].id}"
    weigh(city, "T0", 40_000)
    weigh(city, "T1", 40_000)  # 80 of 100 t/day
    assert raised() == []
    weigh(city, "T2", 6_000)  # 86 %: warning
    weigh(city, "T3", 1_000)  # still warning: nothing new
    assert raised() == [(TODAY, incinerator, "warning")]
    weigh(city, "T4", 20_000)  # 107 %: over
    weigh(city, "T5", 1_000)
    assert raised() == [(TODAY, incinerator, "warning"), (TODAY, incinerator, "over")]
    over = db.session.scalar(db.select(IntakeAlert).where(IntakeAlert.level == "over"))
    assert (over.figure_t, over.reference_t, over.percent) == (107.0, 100.0, 107.0)
    smtp.start()
    assert send_due()["sent"] == 2
    subjects = sorted(m["Subject"].strip() for m in smtp.mailbox.messages)
    assert subjects == [
        "[wastesort] facility 0 near capacity on November 29, 2026: 86.0 % of 100 t/day",
        "[wastesort] facility 0 over capacity on November 29, 2026: 107.0 t received, "
        "capacity 100 t/day"]
    body = smtp.mailbox.messages[0].get_body(("plain",)).get_content()
    assert "Facility: facility 0" in body and "Capacity that day: 100 t/day" in body
    # the reports page lists the deliveries, the facility alerts among them
    page = log_in(app, city.users["manager"]).get("/reports/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "facility 0 over capacity" in page.get_data(as_text=True)


def test_a_closed_facility_receiving_anything_is_over(today, city):
    from wastesort.facilities.capacity import set_capacity

    set_capacity(city.users["admin"], city.facilities["incineration"].id,
                 {"effective_from": TODAY, "capacity_t_per_day": 0, "note": "maintenance"})
    weigh(city, "C1", 500)
    assert [level for _, _, level in raised()] == ["warning", "over"]


def test_a_streams_gap_is_alerted_once_its_day_is_over(app, today, city, smtp, subscribe):
    """Today's gap is not final (the points post through the day); yesterday's is: kitchen
    waste collected 40 t, received 30 t (25 % short, beyond 5 %)."""
    subscribe("duty@example.org", "alert")
    yesterday = TODAY - dt.timedelta(days=1)
    for day in (yesterday, TODAY):
        add_collection(city.points["a1"], day, WasteCategory.KITCHEN, 40_000)
        weigh(city, f"K-{day}", 30_000, day=day, stream="kitchen")
    tasks.bind(app)
    try:
        tasks.check_alerts()
        tasks.check_alerts()  # again: nothing new
    finally:
        tasks._bound.clear()
    assert [r for r in raised() if r[1].startswith("stream")] == [
        (yesterday, "stream:kitchen", "gap")]
    gap = db.session.scalar(db.select(IntakeAlert).where(IntakeAlert.level == "gap"))
    assert (gap.figure_t, gap.reference_t, gap.percent) == (30.0, 40.0, 25.0)
    smtp.start()
    intake_alerts.check_day(yesterday)  # raised before: no second delivery
    assert send_due()["sent"] == 1
    (message,) = smtp.mailbox.messages
    assert message["Subject"].strip() == ("[wastesort] Kitchen waste on November 28, 2026: "
                                          "30.0 t received against 40.0 t collected")
    body = message.get_body(("plain",)).get_content()
    assert "Gap: 25.00 % (tolerance 5 %)" in body


def test_the_alert_email_in_chinese(today, city, smtp, subscribe):
    city.users["manager"].locale = "zh_Hans_CN"
    db.session.commit()
    subscribe("manager@example.org", "alert")
    weigh(city, "E0", 51_000)
    weigh(city, "E1", 50_000)
    smtp.start()
    send_due()
    subjects = sorted(m["Subject"].strip() for m in smtp.mailbox.messages)
    assert subjects == [
        "[垃圾分类管理] 2026年11月29日 facility 0接近满负荷：处理能力 100 吨/日的 101.0 %",
        "[垃圾分类管理] 2026年11月29日 facility 0超负荷：接收 101.0 吨，处理能力 100 吨/日"]
    body = smtp.mailbox.messages[0].get_body(("plain",)).get_content()
    assert "处理设施：facility 0" in body
