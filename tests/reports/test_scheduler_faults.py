"""Scheduler faults (issue 11): a due time that passes while the scheduler is starting, or
while it is held up, is never lost; a missed monthly time is made at the next one; and the
scheduler's log says what an operator needs (no per-run chatter, no matplotlib noise)."""

import datetime as dt
import logging
import threading
import time

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler

from wastesort.extensions import db
from wastesort.reports import delivery, tasks
from wastesort.reports import scheduler as scheduler_module
from wastesort.reports.models import Report
from wastesort.reports.scheduler import start_scheduler

from .conftest import city_time

D = dt.date



@pytest.fixture
def restore_log_levels():
    names = ("matplotlib", "matplotlib.font_manager", "PIL", "apscheduler")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def made() -> dict[tuple, str]:
    """(kind, period, first day, scope) → made_by, of every report."""
    db.session.expire_all()
    return {(r.kind.value, r.period.value, r.period_start, r.scope): r.made_by
            for r in db.session.scalars(db.select(Report))}


def wait_for(condition, timeout: float = 10) -> bool:
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        if condition():
            return True
        time.sleep(0.05)
    return False


DUE_AT_0700 = {("capacity", "day", D(2026, 11, 30), "city"),
               ("capacity", "month", D(2026, 11, 1), "city")}


@pytest.mark.config(REPORT_CATCHUP_DAYS=1)
def test_a_due_time_passing_while_the_scheduler_starts_is_not_lost(bound, city, time_machine,
                                                                     monkeypatch,
                                                                     restore_log_levels):
    # The issue: start-up (catch-up and first sends) began at 06:59:59 and ended at 07:00:03;
    # the 07:00 jobs then moved to the next day and the next month.
    time_machine.move_to(city_time(2026, 12, 1, 6, 59, 59), tick=False)
    real_send_due, slow = delivery.send_due, []

    def slow_first_send_due(*args, **kwargs):
        if not slow:  # the start-up's sending: it takes until 07:00:03
            slow.append(True)
            time_machine.move_to(city_time(2026, 12, 1, 7, 0, 3), tick=False)
        return real_send_due(*args, **kwargs)

    monkeypatch.setattr(delivery, "send_due", slow_first_send_due)
    monkeypatch.setattr(scheduler_module, "send_due", slow_first_send_due, raising=False)
    scheduler = start_scheduler(bound, BackgroundScheduler())
    try:
        assert wait_for(lambda: made().keys() >= DUE_AT_0700), (
            f"07:00's reports were not made; jobs: {scheduler.get_jobs()}")
        assert slow == [True]
        assert {made()[key] for key in DUE_AT_0700} == {"scheduler"}  # the 07:00 jobs ran
        # and their next times are the next ones, not two in one
        nexts = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        assert nexts["report:capacity:day"] == city_time(2026, 12, 2, 7)
        assert nexts["report:capacity:month"] == city_time(2027, 1, 1, 7)
        assert nexts["report:coverage:month"] == city_time(2026, 12, 1, 8)
    finally:
        scheduler.shutdown(wait=True)


@pytest.mark.config(REPORT_CATCHUP_DAYS=1)
def test_a_run_held_up_for_hours_still_runs(bound, city, time_machine, restore_log_levels):
    # a machine suspended, or a job pool busy: the 07:00 run comes at 09:30, 2.5 h late
    # (more than the old misfire grace of an hour); it still runs, once
    time_machine.move_to(city_time(2026, 12, 1, 6, 59), tick=False)
    done = threading.Event()
    scheduler = BackgroundScheduler()
    scheduler.add_listener(lambda event: event.job_id == "catch-up" and done.set(),
                           EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler = start_scheduler(bound, scheduler)
    try:
        done.wait(10)
        time_machine.move_to(city_time(2026, 12, 1, 9, 30), tick=False)
        scheduler.wakeup()
        assert wait_for(lambda: made().keys() >= DUE_AT_0700)
        assert {made()[key] for key in DUE_AT_0700} == {"scheduler"}
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert jobs["report:capacity:day"].next_run_time == city_time(2026, 12, 2, 7)
        assert (jobs["report:capacity:day"].misfire_grace_time,
                jobs["report:capacity:day"].coalesce) == (None, True)
    finally:
        scheduler.shutdown(wait=True)


def test_a_missed_monthly_time_is_made_at_the_next_one(bound, city, time_machine):
    # The issue: the monthly report of November, due on 1 December, was missed; with a
    # look-back of 14 days, January's run never made it. Each entry now looks back at least
    # one period of its cadence and a day.
    assert bound.config["REPORT_CATCHUP_DAYS"] == 14
    time_machine.move_to(city_time(2027, 1, 1, 7, 0, 1), tick=False)
    tasks.run_schedule_entry("capacity:month")
    assert {key for key in made() if key[1] == "month"} == {
        ("capacity", "month", D(2026, 11, 1), "city"),
        ("capacity", "month", D(2026, 12, 1), "city")}


def test_the_scheduler_log_says_what_an_operator_needs(bound, city, time_machine, caplog,
                                                       subscribe, smtp, restore_log_levels):
    from tests.factories import add_collection
    from wastesort.enums import WasteCategory

    from .test_schedule import start_and_catch_up

    time_machine.move_to(city_time(2026, 11, 30, 12), tick=False)
    subscribe("boss@example.org", "capacity", "day")  # receives the report due on 1 Dec
    add_collection(city.points["a1"], D(2026, 11, 30), WasteCategory.KITCHEN, 90_000)
    bound.config["MAIL_SERVER"] = ""
    caplog.set_level(logging.INFO)  # as `wastesort scheduler` logs
    time_machine.move_to(city_time(2026, 12, 1, 9, 0), tick=False)
    scheduler = start_and_catch_up(bound)
    scheduler.shutdown(wait=True)
    with bound.app_context():  # an SMTP outage: the deliveries job says what failed
        bound.config.update(MAIL_SERVER="127.0.0.1")
        report = db.session.scalar(db.select(Report).where(
            Report.period_start == D(2026, 11, 30), Report.kind == "capacity"))
        subscribe("deputy@example.org", "capacity", "day")
        delivery.queue_report(report)
    tasks.deliver_due()

    lines = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert [line for line in lines if line[0].startswith(("apscheduler", "matplotlib", "PIL"))
            and line[1] in ("DEBUG", "INFO")] == []
    assert logging.getLogger("matplotlib.font_manager").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
    ours = [message for name, _level, message in lines if name.startswith("wastesort")]
    started, caught_up, deliveries = ours
    assert started.startswith("scheduler starting (Asia/Shanghai): report:capacity:day at "
                              "2026-12-02 07:00 +0800; report:coverage:week at 2026-12-07 "
                              "08:00 +0800;")
    # 14 days of daily reports, two weeks, and two months of each monthly entry (it looks back
    # 32 days)
    assert caught_up.startswith(
        "catch-up on start (up to 32 days back): made capacity day city 2026-11-17..2026-11-30 "
        "(14 reports), coverage week city 2026-11-16..2026-11-23 (2 reports), capacity month "
        "city 2026-10-01..2026-11-01 (2 reports), coverage month city 2026-10-01..2026-11-01 "
        "(2 reports), ranking month city 2026-10-01..2026-11-01 (2 reports); 0 already made; "
        "queued 1 delivery(ies); deliveries: sent 1, to retry 0, failed 0")
    assert deliveries == ("deliveries: sent 0, to retry 1, failed 0; errors: "
                          "ConnectionRefusedError: [Errno 111] Connection refused (x1)")
