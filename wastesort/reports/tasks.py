"""The scheduler's jobs: thin functions, referenced as ``"wastesort.reports.tasks:<name>"``,
that run the reports' services inside the application's context.

The scheduler process binds its app with :func:`bind`; a job started without one (for example
by another tool importing this module) builds the app from the environment.
"""

import datetime as dt
import logging

from flask import Flask

from ..extensions import db
from ..timeutil import local_today

log = logging.getLogger(__name__)
_bound: dict[str, Flask] = {}


def bind(app: Flask) -> None:
    _bound["app"] = app


def _app() -> Flask:
    if "app" not in _bound:
        from .. import create_app

        bind(create_app())
    return _bound["app"]


def run_schedule_entry(key: str) -> None:
    """A scheduled time of ``REPORT_SCHEDULE[key]`` came: make what is due, then send."""
    from .delivery import send_due
    from .schedule import catch_up, schedule_entries

    with _app().app_context():
        try:
            entries = [e for e in schedule_entries() if e.key == key]
            reports = catch_up(entries, made_by="scheduler")
            log.info("schedule %s: %d report(s) due, %s", key, len(reports), send_due())
        finally:
            db.session.remove()


def deliver_due() -> None:
    """Send the deliveries whose time has come (new ones and retries)."""
    from .delivery import send_due

    with _app().app_context():
        try:
            outcome = send_due()
            if any(outcome.values()):
                log.info("deliveries: %s", outcome)
        finally:
            db.session.remove()


def check_alerts() -> None:
    """Check today's and yesterday's utilisation, in case a posting's own check failed."""
    from .alerts import check_day

    with _app().app_context():
        try:
            today = local_today()
            for day in (today - dt.timedelta(days=1), today):
                check_day(day)
        finally:
            db.session.remove()
