"""``wastesort scheduler``: APScheduler 3 in a process of its own (never in web workers).

Jobs live in an in-memory job store with fixed ids and ``replace_existing=True``; what has been
made and sent lives in the database (reports, deliveries), so a restart loses nothing.

No scheduled time is ever lost, however long start-up or a run takes:

- the schedule starts first, its first times counted from the moment the process began to
  start; the catch-up of what was missed while down runs as a job of its own ("catch-up");
- a report job that runs late still runs (``misfire_grace_time=None``), once for any number
  of missed times (``coalesce``), and every run is itself a catch-up whose look-back reaches
  past its entry's previous time (``schedule.look_back``).
"""

import datetime as dt
import logging

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from . import tasks
from .schedule import schedule_entries

log = logging.getLogger(__name__)

# Loggers kept at WARNING in the scheduler process: matplotlib's font manager and PIL write a
# line for every font and chunk they look at; APScheduler one for every job it adds and runs.
# The jobs log one line each instead (tasks.py); APScheduler still logs missed runs and jobs
# that raised, at WARNING and ERROR.
QUIET_LOGGERS = ("matplotlib", "matplotlib.font_manager", "PIL", "apscheduler")


def quiet_logs() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def build_scheduler(app: Flask, scheduler: BaseScheduler | None = None, *,
                    since: dt.datetime | None = None) -> BaseScheduler:
    """Add the jobs to ``scheduler`` (a new BlockingScheduler by default), in the city's zone.
    With ``since``, each report job's first run is its first time after ``since`` (even if
    that has passed by the time the scheduler starts: it then runs at once)."""
    zone = app.config["TZ"]
    scheduler = scheduler or BlockingScheduler()
    scheduler.configure(timezone=zone, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    for entry in schedule_entries(app.config):
        trigger = entry.trigger(zone)
        first = {} if since is None else {
            "next_run_time": trigger.get_next_fire_time(None, since)}
        scheduler.add_job("wastesort.reports.tasks:run_schedule_entry", trigger,
                          args=[entry.key], id=f"report:{entry.key}", name=f"report {entry.key}",
                          replace_existing=True, **first)
    scheduler.add_job("wastesort.reports.tasks:deliver_due",
                      IntervalTrigger(seconds=app.config["DELIVERY_POLL_SECONDS"], timezone=zone),
                      id="deliveries", name="send due deliveries", replace_existing=True)
    scheduler.add_job("wastesort.reports.tasks:check_alerts",
                      IntervalTrigger(minutes=app.config["CAPACITY_ALERT_CHECK_MINUTES"],
                                      timezone=zone),
                      id="capacity-alerts", name="check capacity alerts", replace_existing=True)
    scheduler.add_job("wastesort.reports.tasks:make_forecast",
                      CronTrigger.from_crontab(app.config["FORECAST_CRON"], timezone=zone),
                      id="forecast", name="make the day's forecast", replace_existing=True)
    return scheduler


def start_scheduler(app: Flask, scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """Start the schedule, with the catch-up of what was missed while down as its first job
    (a BlockingScheduler blocks here until stopped)."""
    zone = app.config["TZ"]
    started = dt.datetime.now(zone)
    quiet_logs()
    scheduler = build_scheduler(app, scheduler, since=started)
    tasks.bind(app, scheduler)
    scheduler.add_job("wastesort.reports.tasks:catch_up_on_start", DateTrigger(started),
                      id="catch-up", name="catch up on start", replace_existing=True)
    reports = sorted((job.next_run_time, job.id) for job in scheduler.get_jobs()
                     if job.id.startswith("report:") and job.next_run_time is not None)
    nexts = "; ".join(f"{job_id} at {when:%Y-%m-%d %H:%M %z}" for when, job_id in reports)
    log.info("scheduler starting (%s): %s; deliveries every %s s, capacity check every %s min",
             zone, nexts, app.config["DELIVERY_POLL_SECONDS"],
             app.config["CAPACITY_ALERT_CHECK_MINUTES"])
    scheduler.start()
    return scheduler
