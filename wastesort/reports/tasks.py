"""The scheduler's jobs: thin functions, referenced as ``"wastesort.reports.tasks:<name>"``,
that run the reports' services inside the application's context.

The scheduler process binds its app (and scheduler) with :func:`bind`; a job started without
one (for example by another tool importing this module) builds the app from the environment.
Each job logs one line an operator can act on: what was made, what was sent, retried or
failed, and the errors met.
"""

import datetime as dt
import logging

from apscheduler.triggers.date import DateTrigger
from flask import Flask

from ..extensions import db
from ..timeutil import local_today, utcnow

log = logging.getLogger(__name__)
_bound: dict[str, object] = {}
CATCH_UP_RETRY_SECONDS = 60


def bind(app: Flask, scheduler=None) -> None:
    _bound["app"] = app
    if scheduler is not None:
        _bound["scheduler"] = scheduler


def _app() -> Flask:
    if "app" not in _bound:
        from .. import create_app

        bind(create_app())
    return _bound["app"]


def catch_up_on_start() -> None:
    """Make what was missed while the scheduler was down, then send what is due. A job of its
    own, run once the schedule has started, so no scheduled time passes unseen meanwhile; if
    it fails (the database is down), it is tried again a minute later."""
    from .delivery import send_due
    from .schedule import look_back, run_catch_up, schedule_entries

    with _app().app_context():
        try:
            done = run_catch_up(made_by="catch-up")
            outcome = send_due()
            days = max((look_back(e) for e in schedule_entries()), default=dt.timedelta(0)).days
            log.info("catch-up on start (up to %s days back): %s; deliveries: %s", days,
                     done.describe(), outcome.describe())
        except Exception as exc:
            db.session.rollback()
            scheduler = _bound.get("scheduler")
            if scheduler is None:
                raise
            log.error("catch-up on start failed, trying again in %s s: %s: %s",
                      CATCH_UP_RETRY_SECONDS, type(exc).__name__, exc)
            scheduler.add_job(
                "wastesort.reports.tasks:catch_up_on_start",
                DateTrigger(utcnow() + dt.timedelta(seconds=CATCH_UP_RETRY_SECONDS)),
                id="catch-up", name="catch up on start", replace_existing=True)
        finally:
            db.session.remove()


def run_schedule_entry(key: str) -> None:
    """A scheduled time of ``REPORT_SCHEDULE[key]`` came: make what is due, then send."""
    from .delivery import send_due
    from .schedule import run_catch_up, schedule_entries

    with _app().app_context():
        try:
            entries = [e for e in schedule_entries() if e.key == key]
            done = run_catch_up(entries, made_by="scheduler")
            log.info("report %s: %s; deliveries: %s", key, done.describe(),
                     send_due().describe())
        finally:
            db.session.remove()


def deliver_due() -> None:
    """Send the deliveries whose time has come (new ones and retries); one line when any."""
    from .delivery import send_due

    with _app().app_context():
        try:
            outcome = send_due()
            if any(outcome.values()):
                log.info("deliveries: %s", outcome.describe())
        finally:
            db.session.remove()


def check_alerts() -> None:
    """Check today's and yesterday's utilisation, the facilities' intake and the streams'
    gaps, in case a posting's own check failed."""
    from ..intake.alerts import check_recent
    from .alerts import check_day

    with _app().app_context():
        try:
            today = local_today()
            for day in (today - dt.timedelta(days=1), today):
                for alert in check_day(day):
                    log.info("capacity alert raised: %s on %s (%s %% of %s t/day)",
                             alert.level.value, alert.day, alert.utilisation_percent,
                             alert.capacity_t_per_day)
            for alert in check_recent():
                log.info("intake alert raised: %s %s on %s (%s t against %s t, %s %%)",
                         alert.subject, alert.level.value, alert.day, alert.figure_t,
                         alert.reference_t, alert.percent)
        finally:
            db.session.remove()


def make_forecast() -> None:
    """Make the day's capacity forecast before anyone opens the dashboard (a fit takes
    seconds); the first page of the day makes it otherwise."""
    from ..metrics.forecast import city_forecast

    with _app().app_context():
        try:
            today = local_today()
            found = city_forecast(today)
            if found is None:
                log.info("forecast for %s: not enough history yet", today)
            else:
                log.info("forecast for %s: the city reaches its warning level on %s and its "
                         "capacity on %s (none: not within %s days)", today,
                         found["series"]["all"]["warning_on"],
                         found["series"]["all"]["over_on"], found["days"])
        finally:
            db.session.remove()
