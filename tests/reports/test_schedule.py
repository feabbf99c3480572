"""The scheduler: cron in the city's time zone, fixed job ids, month ends and a leap day,
two schedulers at once, and catching up after downtime."""

import datetime as dt
import threading
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler

from wastesort.extensions import db
from wastesort.reports import tasks
from wastesort.reports.models import Delivery, DeliveryStatus, Report, ReportKind, ReportPeriod
from wastesort.reports.schedule import ScheduleError, schedule_entries
from wastesort.reports.scheduler import build_scheduler, start_scheduler

from .conftest import CITY, city_time

D = dt.date



def start_and_catch_up(app, timeout: float = 30) -> BackgroundScheduler:
    """start_scheduler with a BackgroundScheduler, returning once its catch-up job has run."""
    done = threading.Event()
    scheduler = BackgroundScheduler()
    scheduler.add_listener(lambda event: event.job_id == "catch-up" and done.set(),
                           EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    start_scheduler(app, scheduler)
    assert done.wait(timeout), "the catch-up job did not run"
    return scheduler


def outbox(app) -> list[Path]:
    return sorted(Path(app.instance_path, "outbox").glob("*.eml"))


def reports() -> set[tuple]:
    db.session.expire_all()
    return {(r.kind.value, r.period.value, r.period_start, r.scope)
            for r in db.session.scalars(db.select(Report))}


def test_jobs_have_fixed_ids_and_fire_in_the_city_time_zone(app, time_machine):
    # 22:30 UTC on 28 November is 06:30 on 29 November in Chongqing
    time_machine.move_to(dt.datetime(2026, 11, 28, 22, 30, tzinfo=dt.UTC), tick=False)
    scheduler = build_scheduler(app, BackgroundScheduler())
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"report:capacity:day", "report:coverage:week", "report:capacity:month",
                         "report:coverage:month", "report:ranking:month", "deliveries",
                         "capacity-alerts", "forecast"}
    assert jobs["report:capacity:day"].func_ref == "wastesort.reports.tasks:run_schedule_entry"
    assert jobs["report:capacity:day"].args == ("capacity:day",)
    now = dt.datetime.now(CITY)

    def next_fire(job_id):
        return jobs[job_id].trigger.get_next_fire_time(None, now)

    assert next_fire("report:capacity:day") == city_time(2026, 11, 29, 7)
    assert next_fire("report:capacity:day") == dt.datetime(2026, 11, 28, 23, tzinfo=dt.UTC)
    assert next_fire("report:coverage:week") == city_time(2026, 11, 30, 8)  # Monday
    # the 1st at 07:00 in Chongqing is still the 30th in UTC
    assert next_fire("report:capacity:month") == dt.datetime(2026, 11, 30, 23, tzinfo=dt.UTC)
    # adding the jobs again replaces them (fixed ids, replace_existing)
    build_scheduler(app, scheduler)
    scheduler.start(paused=True)
    try:
        assert sorted(job.id for job in scheduler.get_jobs()) == sorted(jobs)
    finally:
        scheduler.shutdown(wait=False)


@pytest.mark.config(REPORT_CATCHUP_DAYS=1)
def test_the_daily_run_at_07_00_city_time_reports_yesterday(bound, city, time_machine,
                                                            subscribe):
    time_machine.move_to(city_time(2026, 11, 28, 12), tick=False)
    subscribe("boss@example.org", "capacity", "day")
    time_machine.move_to(city_time(2026, 11, 29, 6, 59), tick=False)
    tasks.run_schedule_entry("capacity:day")
    # 07:00 has not come yet in Chongqing (it is 22:59 UTC): only the days before, within the
    # look-back (a daily entry looks back at least two days, whatever REPORT_CATCHUP_DAYS),
    # and not sent to a subscription made after their time
    assert reports() == {("capacity", "day", D(2026, 11, 26), "city"),
                         ("capacity", "day", D(2026, 11, 27), "city")}
    assert outbox(bound) == []
    time_machine.move_to(city_time(2026, 11, 29, 7, 0, 2), tick=False)
    tasks.run_schedule_entry("capacity:day")
    assert reports() == {("capacity", "day", D(2026, 11, 26), "city"),
                         ("capacity", "day", D(2026, 11, 27), "city"),
                         ("capacity", "day", D(2026, 11, 28), "city")}
    assert set(db.session.scalars(db.select(Report.made_by))) == {"scheduler"}
    assert len(outbox(bound)) == 1


@pytest.mark.config(REPORT_CATCHUP_DAYS=1)
def test_month_end_and_leap_day(bound, city, time_machine):
    time_machine.move_to(city_time(2028, 3, 1, 7, 0, 30), tick=False)
    for key in ("capacity:day", "capacity:month"):
        tasks.run_schedule_entry(key)
    made = {r.period: r for r in db.session.scalars(db.select(Report))}
    assert (made[ReportPeriod.DAY].period_start, made[ReportPeriod.DAY].period_end) == (
        D(2028, 2, 29), D(2028, 2, 29))
    assert (made[ReportPeriod.MONTH].period_start, made[ReportPeriod.MONTH].period_end) == (
        D(2028, 2, 1), D(2028, 2, 29))
    assert len(made[ReportPeriod.MONTH].figures["daily"]) == 29
    assert made[ReportPeriod.MONTH].figures["daily"][-1]["day"] == "2028-02-29"
    # December's report on 1 January, across the year end
    time_machine.move_to(city_time(2027, 1, 1, 8, 0, 30), tick=False)
    tasks.run_schedule_entry("coverage:month")
    assert ("coverage", "month", D(2026, 12, 1), "city") in reports()


@pytest.mark.config(REPORT_CATCHUP_DAYS=1)
def test_two_schedulers_at_once_make_and_send_one_report(bound, city, time_machine, subscribe):
    time_machine.move_to(city_time(2026, 11, 28, 12), tick=False)
    subscribe("boss@example.org", "capacity", "day")
    time_machine.move_to(city_time(2026, 11, 29, 7, 0, 1), tick=False)
    start = threading.Barrier(2)
    errors = []

    def scheduler_process():
        try:
            start.wait(timeout=10)
            tasks.run_schedule_entry("capacity:day")
            tasks.deliver_due()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # 11-27's time (11-28 07:00) is within the look-back but before the subscription
    assert reports() == {("capacity", "day", D(2026, 11, 27), "city"),
                         ("capacity", "day", D(2026, 11, 28), "city")}
    assert [(d.status, d.attempts) for d in db.session.scalars(db.select(Delivery))] == [
        (DeliveryStatus.SENT, 1)]
    assert len(outbox(bound)) == 1


def test_a_scheduler_down_over_scheduled_times_catches_up_on_start(bound, city, time_machine,
                                                                   subscribe):
    time_machine.move_to(city_time(2026, 11, 20, 12), tick=False)
    subscribe("daily@example.org", "capacity", "day")
    subscribe("weekly@example.org", "coverage", "week")
    subscribe("yuzhong@example.org", "coverage", "month", district_id=city.districts["a"].id)
    # up until Sunday evening: everything due so far is made and sent
    time_machine.move_to(city_time(2026, 11, 29, 20), tick=False)
    with bound.app_context():
        from wastesort.reports.delivery import send_due
        from wastesort.reports.schedule import catch_up
        catch_up()
        send_due()
    before = reports()
    sent_before = len(outbox(bound))
    # down from Sunday evening until Tuesday 09:00, over a week end and a month end
    time_machine.move_to(city_time(2026, 12, 1, 8, 59), tick=False)
    subscribe("late@example.org", "capacity", "day")  # subscribed after the missed times
    time_machine.move_to(city_time(2026, 12, 1, 9, 0), tick=False)
    scheduler = start_and_catch_up(bound)
    try:
        assert scheduler.running
        assert reports() - before == {
            ("capacity", "day", D(2026, 11, 29), "city"),
            ("capacity", "day", D(2026, 11, 30), "city"),
            ("coverage", "week", D(2026, 11, 23), "city"),
            ("capacity", "month", D(2026, 11, 1), "city"),
            ("coverage", "month", D(2026, 11, 1), "city"),
            ("coverage", "month", D(2026, 11, 1), f"district:{city.districts['a'].id}"),
            ("ranking", "month", D(2026, 11, 1), "city"),
        }
    finally:
        scheduler.shutdown(wait=False)
    made_by = {r.made_by for r in db.session.scalars(db.select(Report).where(
        Report.period_start >= D(2026, 11, 23)))}
    assert made_by == {"catch-up"}
    # daily: two missed days; weekly: one; the district's monthly: one. Nobody else, and
    # nothing for the address subscribed after the missed times.
    new = db.session.scalars(db.select(Delivery).where(Delivery.id > 0)
                             .order_by(Delivery.id)).all()[-4:]
    assert sorted(d.email for d in new) == ["daily@example.org", "daily@example.org",
                                            "weekly@example.org", "yuzhong@example.org"]
    assert {d.status for d in new} == {DeliveryStatus.SENT}
    assert len(outbox(bound)) == sent_before + 4
    assert not db.session.scalar(db.select(Delivery).where(Delivery.email == "late@example.org"))
    # a second start (a restart, or another scheduler) makes and sends nothing more
    scheduler = start_and_catch_up(bound)
    scheduler.shutdown(wait=False)
    assert len(outbox(bound)) == sent_before + 4


def test_nothing_before_the_look_back(bound, city, time_machine):
    # REPORT_CATCHUP_DAYS, but each entry at least one period of its cadence and a day
    bound.config["REPORT_CATCHUP_DAYS"] = 3
    time_machine.move_to(city_time(2026, 12, 10, 9), tick=False)
    with bound.app_context():
        from wastesort.reports.schedule import catch_up
        catch_up()
    days = {r[2] for r in reports() if r[:2] == ("capacity", "day")}
    assert days == {D(2026, 12, 7), D(2026, 12, 8), D(2026, 12, 9)}  # 3 days
    # weekly: 8 days back reaches Monday 7 December 08:00, not 30 November
    assert {r[2] for r in reports() if r[:2] == ("coverage", "week")} == {D(2026, 11, 30)}
    # monthly: 32 days back reaches 1 December 07:00 and 08:00 (9 days ago), not 1 November
    assert {r[:3] for r in reports() if r[1] == "month"} == {
        ("capacity", "month", D(2026, 11, 1)), ("coverage", "month", D(2026, 11, 1)),
        ("ranking", "month", D(2026, 11, 1))}


@pytest.mark.parametrize("schedule", [{"capacity:year": "0 7 * * *"},
                                      {"capacity:day": "0 25 * * *"},
                                      {"weather:day": "0 7 * * *"}])
def test_a_wrong_schedule_is_one_line(app, schedule):
    app.config["REPORT_SCHEDULE"] = schedule
    with pytest.raises(ScheduleError, match=r"^REPORT_SCHEDULE\["):
        schedule_entries()
    result = app.test_cli_runner().invoke(args=["scheduler"])
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and "REPORT_SCHEDULE[" in result.output
    assert "Traceback" not in result.output


def test_kinds_of_the_default_schedule(app):
    keys = {(e.kind, e.period) for e in schedule_entries()}
    assert keys == {(ReportKind.CAPACITY, ReportPeriod.DAY),
                    (ReportKind.COVERAGE, ReportPeriod.WEEK),
                    (ReportKind.CAPACITY, ReportPeriod.MONTH),
                    (ReportKind.COVERAGE, ReportPeriod.MONTH),
                    (ReportKind.RANKING, ReportPeriod.MONTH)}
