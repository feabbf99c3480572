"""``wastesort scheduler``: APScheduler 3 in a process of its own (never in web workers).

Jobs live in an in-memory job store with fixed ids and ``replace_existing=True``; what has been
made and sent lives in the database (reports, deliveries), so a restart loses nothing: on start
the scheduler catches up every scheduled time within ``REPORT_CATCHUP_DAYS``.
"""

import logging

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from ..extensions import db
from . import tasks
from .delivery import send_due
from .schedule import catch_up, schedule_entries

log = logging.getLogger(__name__)


def build_scheduler(app: Flask, scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """Add the jobs to ``scheduler`` (a new BlockingScheduler by default), in the city's zone."""
    zone = app.config["TZ"]
    scheduler = scheduler or BlockingScheduler()
    scheduler.configure(timezone=zone, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    for entry in schedule_entries(app.config):
        scheduler.add_job("wastesort.reports.tasks:run_schedule_entry", entry.trigger(zone),
                          args=[entry.key], id=f"report:{entry.key}", name=f"report {entry.key}",
                          replace_existing=True)
    scheduler.add_job("wastesort.reports.tasks:deliver_due",
                      IntervalTrigger(seconds=app.config["DELIVERY_POLL_SECONDS"], timezone=zone),
                      id="deliveries", name="send due deliveries", replace_existing=True)
    scheduler.add_job("wastesort.reports.tasks:check_alerts",
                      IntervalTrigger(minutes=app.config["CAPACITY_ALERT_CHECK_MINUTES"],
                                      timezone=zone),
                      id="capacity-alerts", name="check capacity alerts", replace_existing=True)
    return scheduler


def start_scheduler(app: Flask, scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """Catch up what was missed while down, send what is due, then start the jobs
    (a BlockingScheduler blocks here until stopped)."""
    tasks.bind(app)
    scheduler = build_scheduler(app, scheduler)
    with app.app_context():
        try:
            reports = catch_up()
            outcome = send_due()
            log.info("caught up: %d report(s) in the last %s days; deliveries %s", len(reports),
                     app.config["REPORT_CATCHUP_DAYS"], outcome)
        finally:
            db.session.remove()
    scheduler.start()
    return scheduler
