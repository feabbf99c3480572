"""Capacity alerts: when a day's utilisation first reaches the warning threshold or exceeds the
capacity, one alert per (day, level), e-mailed to the alert subscribers.

The collections service calls :func:`check_after_posting` after a posting is stored (at most
once per day and ``CAPACITY_ALERT_POSTING_INTERVAL_SECONDS`` in a process); the scheduler also
checks today and yesterday every few minutes, so an alert skipped or missed by a failing check
is still raised. The alert is queued as deliveries; the scheduler's delivery job sends it
(so a posting never waits on an SMTP server).
"""

import datetime as dt
import logging
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..extensions import db
from ..metrics.capacity import daily_capacity
from ..metrics.formulas import CapacityStatus
from ..timeutil import utcnow
from .delivery import queue_alert
from .models import AlertLevel, CapacityAlert

log = logging.getLogger(__name__)

LEVELS_REACHED = {
    CapacityStatus.OK: (),
    CapacityStatus.WARNING: (AlertLevel.WARNING,),
    CapacityStatus.OVER: (AlertLevel.WARNING, AlertLevel.OVER),
}


def check_day(day: dt.date) -> list[CapacityAlert]:
    """Raise the alerts ``day`` has newly reached; returns those raised by this call."""
    raised_before = set(db.session.scalars(select(CapacityAlert.level)
                                           .where(CapacityAlert.day == day)))
    if raised_before >= set(AlertLevel):
        return []
    figures = daily_capacity(day, day)[0]
    raised = []
    for level in LEVELS_REACHED[CapacityStatus(figures["status"])]:
        if level in raised_before:
            continue
        alert = CapacityAlert(day=day, level=level, collected_t=figures["collected_t"],
                              capacity_t_per_day=figures["capacity_t"],
                              utilisation_percent=figures["utilisation_percent"])
        db.session.add(alert)
        try:
            db.session.commit()
        except IntegrityError:  # raised by a concurrent posting of the same day
            db.session.rollback()
            continue
        queue_alert(alert)
        raised.append(alert)
    return raised


def due_for_check(day: dt.date, key: str = "wastesort.alert_checks") -> bool:
    """At most one check per day every CAPACITY_ALERT_POSTING_INTERVAL_SECONDS in this
    process: a check sums the whole day's collections, which a busy kiosk fleet should not pay
    for on every posting. A crossing is then seen by the next posting after the interval, or
    by the scheduler's own check."""
    interval = current_app.config["CAPACITY_ALERT_POSTING_INTERVAL_SECONDS"]
    if not interval:
        return True
    checked = current_app.extensions.setdefault(key, {})
    now = utcnow()
    last = checked.get(day)
    if last is not None and (now - last).total_seconds() < interval:
        return False
    for old in [d for d in checked if d < day - dt.timedelta(days=7)]:
        del checked[old]
    checked[day] = now
    return True


def check_after_posting(days: Iterable[dt.date]) -> None:
    """The hook for the collections service: never fails a posting that is already stored."""
    for day in sorted(set(days)):
        if not due_for_check(day):
            continue
        try:
            check_day(day)
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("capacity alert check for %s failed; the scheduler will retry", day)
