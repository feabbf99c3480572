"""Facility and stream alerts: a facility's intake reaching the warning level or passing its
capacity that day, and a stream whose tonnes received differ from the tonnes collected beyond
its tolerance. Once per (day, subject, level), e-mailed to the alert subscribers, as the
city's capacity alerts (wastesort/reports/alerts.py): the ticket services check after a
posting (at most once per day and CAPACITY_ALERT_POSTING_INTERVAL_SECONDS in a process), the
scheduler checks today and yesterday every few minutes.

A stream's gap is judged on a finished day only (yesterday and before): today's collections
and tickets arrive through the day, and a morning in which the trucks have weighed in before
the points posted is no gap.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..extensions import db
from ..metrics.facilities import collected_against_received, facility_days
from ..metrics.formulas import CapacityStatus
from ..reports.alerts import due_for_check
from ..reports.delivery import queue_intake_alert
from ..reports.models import IntakeAlert, IntakeLevel
from ..timeutil import local_today

log = logging.getLogger(__name__)

LEVELS_REACHED = {
    CapacityStatus.OK: (),
    CapacityStatus.WARNING: (IntakeLevel.WARNING,),
    CapacityStatus.OVER: (IntakeLevel.WARNING, IntakeLevel.OVER),
}


def _candidates(day: dt.date) -> list[IntakeAlert]:
    """The alerts ``day``'s figures call for, raised before or not."""
    alerts = []
    for row in facility_days(day, day):
        figures = row["days"][0]
        for level in LEVELS_REACHED[CapacityStatus(figures["status"])]:
            alerts.append(IntakeAlert(
                day=day, subject=f"facility:{row['id']}", level=level,
                treatment_facility_id=row["id"], figure_t=figures["intake_t"],
                reference_t=figures["capacity_t"], percent=figures["utilisation_percent"]))
    if day < local_today():
        for stream in collected_against_received(day, day)[0]["streams"]:
            if stream["beyond_tolerance"]:
                alerts.append(IntakeAlert(
                    day=day, subject=f"stream:{stream['stream']}", level=IntakeLevel.GAP,
                    stream=stream["stream"], figure_t=stream["received_t"],
                    reference_t=stream["collected_t"], percent=stream["gap_percent"]))
    return alerts


def check_day(day: dt.date) -> list[IntakeAlert]:
    """Raise the alerts ``day`` has newly reached; returns those raised by this call."""
    raised_before = set(db.session.execute(select(IntakeAlert.subject, IntakeAlert.level)
                                           .where(IntakeAlert.day == day)).all())
    raised = []
    for alert in _candidates(day):
        if (alert.subject, alert.level) in raised_before:
            continue
        db.session.add(alert)
        try:
            db.session.commit()
        except IntegrityError:  # raised by a concurrent check of the same day
            db.session.rollback()
            continue
        queue_intake_alert(alert)
        raised.append(alert)
    return raised


def check_after_posting(days: Iterable[dt.date]) -> None:
    """The hook for the ticket services: never fails a posting that is already stored."""
    for day in sorted(set(days)):
        if not due_for_check(day, "wastesort.intake_alert_checks"):
            continue
        try:
            check_day(day)
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("facility alert check for %s failed; the scheduler will retry", day)


def check_recent() -> list[IntakeAlert]:
    """The scheduler's check: today and yesterday (whose gap is now final)."""
    today = local_today()
    return [alert for day in (today - dt.timedelta(days=1), today) for alert in check_day(day)]
