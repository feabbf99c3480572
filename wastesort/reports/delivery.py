"""Deliveries: one per (report or alert, subscription), sent once, retried with back-off.

Queueing is idempotent (a unique constraint per report/alert and subscription). Sending claims
a delivery first with a conditional UPDATE that moves ``next_attempt_at`` past a lease and
counts the attempt; only the process whose UPDATE changed the row sends, so two schedulers
never send the same delivery. A failure waits ``DELIVERY_RETRY_BASE_SECONDS * 2**(attempt-1)``
and after ``DELIVERY_MAX_ATTEMPTS`` attempts the delivery is ``failed`` and stays visible.
"""

import datetime as dt
import logging

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..rules import get_by_id
from ..timeutil import utcnow
from .mail import build_alert_message, build_report_message, send_message
from .models import (
    CapacityAlert,
    Delivery,
    DeliveryStatus,
    Report,
    ReportPeriod,
    Subscription,
    SubscriptionKind,
)

log = logging.getLogger(__name__)
MAX_ERROR_LENGTH = 500


def _queue(subscriptions: list[Subscription], **target) -> int:
    """Add a pending delivery per subscription for ``report_id=`` or ``alert_id=``."""
    (column, target_id), = target.items()
    for _attempt in range(3):
        done = set(db.session.scalars(select(Delivery.subscription_id).where(
            getattr(Delivery, column) == target_id)))
        new = [s for s in subscriptions if s.id not in done]
        for subscription in new:
            db.session.add(Delivery(subscription_id=subscription.id, email=subscription.email,
                                    **target))
        try:
            db.session.commit()
            return len(new)
        except IntegrityError:  # another scheduler queued some of them first
            db.session.rollback()
    raise RuntimeError("could not queue deliveries after three attempts")


def queue_report(report: Report, subscribed_by: dt.datetime | None = None) -> int:
    """Queue the report for its subscribers (kind, cadence and scope alike). With
    ``subscribed_by``, only subscriptions made by then (a caught-up report is not sent to
    someone who subscribed after its scheduled time)."""
    stmt = select(Subscription).where(Subscription.kind == report.kind.value,
                                      Subscription.period == report.period,
                                      Subscription.scope == report.scope)
    if subscribed_by is not None:
        stmt = stmt.where(Subscription.created_at <= subscribed_by)
    return _queue(list(db.session.scalars(stmt)), report_id=report.id)


def queue_alert(alert: CapacityAlert) -> int:
    subscribers = list(db.session.scalars(select(Subscription).where(
        Subscription.kind == SubscriptionKind.ALERT, Subscription.period == ReportPeriod.DAY)))
    return _queue(subscribers, alert_id=alert.id)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    base = current_app.config["DELIVERY_RETRY_BASE_SECONDS"]
    return dt.timedelta(seconds=base * 2 ** (attempts - 1))


def _lease() -> dt.timedelta:
    """How long a claimed delivery is left to its sender before another may try it."""
    return dt.timedelta(seconds=2 * current_app.config["MAIL_TIMEOUT_SECONDS"] + 60)


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING,
               Delivery.next_attempt_at <= now)
        .values(attempts=Delivery.attempts + 1, next_attempt_at=now + _lease())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _message(delivery: Delivery):
    if delivery.report is not None:
        return build_report_message(delivery.report, delivery.email)
    return build_alert_message(delivery.alert, delivery.email)


def send_due(limit: int = 200) -> dict[str, int]:
    """Try every pending delivery whose time has come; returns counts by outcome."""
    now = utcnow()
    due = list(db.session.scalars(
        select(Delivery.id)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)))
    outcome = {"sent": 0, "retry": 0, "failed": 0}
    for delivery_id in due:
        if not _claim(delivery_id, now):
            continue  # another sender has it
        delivery = db.session.get(Delivery, delivery_id, populate_existing=True)
        try:
            send_message(_message(delivery))
        except Exception as exc:  # SMTP, network, or a bug: recorded, retried, then visible
            log.warning("delivery %s to %s failed (attempt %s): %s", delivery.id,
                        delivery.email, delivery.attempts, exc)
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
            if delivery.attempts >= current_app.config["DELIVERY_MAX_ATTEMPTS"]:
                delivery.status = DeliveryStatus.FAILED
                outcome["failed"] += 1
            else:
                delivery.next_attempt_at = utcnow() + retry_delay(delivery.attempts)
                outcome["retry"] += 1
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = utcnow()
            delivery.last_error = None
            outcome["sent"] += 1
        db.session.commit()
    return outcome


def retry_now(delivery_id: int) -> Delivery:
    """Put a failed delivery back in the queue (a manager's "try again")."""
    delivery = get_by_id(Delivery, delivery_id)
    if delivery is not None and delivery.status is DeliveryStatus.FAILED:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = utcnow()
        delivery.attempts = 0
        db.session.commit()
    return delivery


def list_deliveries(*, status: DeliveryStatus | None = None, limit: int = 50):
    stmt = select(Delivery)
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    return db.session.scalars(stmt.order_by(Delivery.created_at.desc(), Delivery.id.desc())
                              .limit(limit)).all()
