"""Deliveries: one per (report or alert, subscription), sent at least once, retried with a
capped back-off.

Queueing is idempotent (a unique constraint per report/alert and subscription). Sending claims
a delivery first with a conditional UPDATE that moves ``next_attempt_at`` past a lease and
counts the attempt; only the process whose UPDATE changed the row sends, so two schedulers
never send the same delivery. The lease is longer than the longest SMTP conversation may last
(``mail.send_message`` stops at the lease's deadline). A failure waits
``DELIVERY_RETRY_BASE_SECONDS * 2**(attempt-1)``, at most ``DELIVERY_RETRY_MAX_SECONDS``; when
the waits add up to more than ``DELIVERY_RETRY_FOR_HOURS`` the delivery is ``failed`` and stays
visible until someone retries it (one, or all failed at once).
"""

import datetime as dt
import logging
import time
from collections import Counter

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors_domain import NotFound
from ..extensions import db
from ..rules import get_by_id
from ..timeutil import utcnow
from .mail import (
    build_alert_message,
    build_intake_alert_message,
    build_report_message,
    delivery_message_id,
    send_message,
)
from .models import (
    CapacityAlert,
    Delivery,
    DeliveryStatus,
    IntakeAlert,
    Report,
    ReportPeriod,
    Subscription,
    SubscriptionKind,
)

log = logging.getLogger(__name__)
MAX_ERROR_LENGTH = 500


def _queue(subscriptions: list[Subscription], **target) -> int:
    """Add a pending delivery per subscription for ``report_id=``, ``alert_id=`` or
    ``intake_alert_id=``."""
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


def queue_intake_alert(alert: IntakeAlert) -> int:
    """A facility's or stream's alert, to the same subscribers as the city's alerts."""
    subscribers = list(db.session.scalars(select(Subscription).where(
        Subscription.kind == SubscriptionKind.ALERT, Subscription.period == ReportPeriod.DAY)))
    return _queue(subscribers, intake_alert_id=alert.id)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling from
    DELIVERY_RETRY_BASE_SECONDS, never more than DELIVERY_RETRY_MAX_SECONDS."""
    cfg = current_app.config
    base, cap = cfg["DELIVERY_RETRY_BASE_SECONDS"], cfg["DELIVERY_RETRY_MAX_SECONDS"]
    if attempts - 1 >= 64:  # far past any cap
        return dt.timedelta(seconds=cap)
    return dt.timedelta(seconds=min(base * 2 ** (attempts - 1), cap))


def retried_for(attempts: int) -> dt.timedelta:
    """The waits of ``attempts`` failed attempts added up: how long, in the back-off's own
    schedule, the delivery has been retried once its next attempt comes (time the scheduler
    was down does not count)."""
    cfg = current_app.config
    base, cap = cfg["DELIVERY_RETRY_BASE_SECONDS"], cfg["DELIVERY_RETRY_MAX_SECONDS"]
    total, attempt = 0.0, 1
    while attempt <= attempts:
        wait = base * 2 ** (attempt - 1)
        if wait >= cap:  # capped from here on
            total += cap * (attempts - attempt + 1)
            break
        total += wait
        attempt += 1
    return dt.timedelta(seconds=total)


def gives_up(attempts: int) -> bool:
    """Whether the ``attempts``-th failure is the last: one more wait would take the retries
    past DELIVERY_RETRY_FOR_HOURS."""
    limit = dt.timedelta(hours=current_app.config["DELIVERY_RETRY_FOR_HOURS"])
    return retried_for(attempts) > limit


# The commands of one SMTP conversation that wait MAIL_TIMEOUT_SECONDS at most each (connect,
# greeting, EHLO, STARTTLS, EHLO, AUTH (two steps), MAIL, RCPT, DATA, sending the body), and
# room to make the message before and to record the outcome after.
CONVERSATION_STEPS = 11
LEASE_MARGIN_SECONDS = 120


def conversation_limit() -> float:
    """The longest an SMTP conversation may legitimately take, in seconds."""
    cfg = current_app.config
    return cfg["MAIL_DATA_TIMEOUT_SECONDS"] + CONVERSATION_STEPS * cfg["MAIL_TIMEOUT_SECONDS"]


def _lease() -> dt.timedelta:
    """How long a claimed delivery is left to its sender before another may try it: longer
    than any conversation (which stops at the lease's deadline, see ``send_due``)."""
    return dt.timedelta(seconds=conversation_limit() + LEASE_MARGIN_SECONDS)


def _claim(delivery_id: int) -> bool:
    now = utcnow()  # each claim's own time: a lease taken late in a long run is a whole lease
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING,
               Delivery.next_attempt_at <= now)
        .values(attempts=Delivery.attempts + 1, next_attempt_at=now + _lease())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _message(delivery: Delivery):
    message_id = delivery_message_id(delivery.id, delivery.created_at)
    if delivery.report is not None:
        return build_report_message(delivery.report, delivery.email, message_id)
    if delivery.intake_alert is not None:
        return build_intake_alert_message(delivery.intake_alert, delivery.email, message_id)
    return build_alert_message(delivery.alert, delivery.email, message_id)


class Outcome(dict):
    """Counts of a sending round by outcome (``sent``, ``retry``, ``failed``), and the errors
    met, for the scheduler's log line."""

    def __init__(self):
        super().__init__(sent=0, retry=0, failed=0)
        self.errors: Counter[str] = Counter()

    def describe(self) -> str:
        text = f"sent {self['sent']}, to retry {self['retry']}, failed {self['failed']}"
        if self.errors:
            text += "; errors: " + "; ".join(
                f"{error} (x{count})" for error, count in self.errors.most_common(3))
        return text


def send_due(limit: int = 200) -> Outcome:
    """Try every pending delivery whose time has come; returns counts by outcome."""
    due = list(db.session.scalars(
        select(Delivery.id)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)))
    outcome = Outcome()
    for delivery_id in due:
        claimed = time.monotonic()
        if not _claim(delivery_id):
            continue  # another sender has it
        deadline = claimed + (_lease().total_seconds() - LEASE_MARGIN_SECONDS / 2)
        delivery = db.session.get(Delivery, delivery_id, populate_existing=True)
        email, recorded = delivery.email, []

        def record_sent(delivery=delivery, recorded=recorded):
            """The server said "250": commit SENT at once (before QUIT)."""
            recorded.append(True)
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = utcnow()
            delivery.last_error = None
            db.session.commit()

        try:
            send_message(_message(delivery), deadline=deadline, accepted=record_sent)
        except Exception as exc:  # SMTP, network, or a bug: recorded, retried, then visible
            if recorded:  # accepted by the server but not recorded (the database is lost):
                log.error("delivery %s to %s was accepted by the SMTP server but could not "
                          "be recorded as sent; it will be sent again after its lease: %s: %s",
                          delivery_id, email, type(exc).__name__, exc)
                db.session.rollback()  # left claimed; sent again when the lease runs out
                raise
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
            delivery.last_error = error
            outcome.errors[error] += 1
            if gives_up(delivery.attempts):
                delivery.status = DeliveryStatus.FAILED
                outcome["failed"] += 1
                log.warning("delivery %s to %s failed for good after %s attempt(s) over %s: %s",
                            delivery.id, delivery.email, delivery.attempts,
                            retried_for(delivery.attempts - 1), error)
            else:
                delivery.next_attempt_at = utcnow() + retry_delay(delivery.attempts)
                outcome["retry"] += 1
                log.debug("delivery %s to %s: attempt %s failed, next at %s: %s", delivery.id,
                          delivery.email, delivery.attempts, delivery.next_attempt_at, error)
            db.session.commit()
        else:
            outcome["sent"] += 1
    return outcome


def retry_now(delivery_id: int) -> Delivery | None:
    """Put a failed delivery back in the queue (a manager's "try again"); the scheduler
    sends it within DELIVERY_POLL_SECONDS. A delivery that is not failed is left alone."""
    delivery = get_by_id(Delivery, delivery_id)
    if delivery is None:
        return None
    db.session.execute(
        update(Delivery).where(Delivery.id == delivery.id,
                               Delivery.status == DeliveryStatus.FAILED)
        .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(delivery)
    return delivery


def retry_delivery(delivery_id: int) -> Delivery:
    """``retry_now``, or NotFound (the API)."""
    delivery = retry_now(delivery_id)
    if delivery is None:
        raise NotFound(_l("No such delivery."))
    return delivery


def retry_failed() -> int:
    """Put every failed delivery back in the queue at once (after an outage); returns how
    many. One UPDATE: a delivery that fails meanwhile waits for the next retry."""
    result = db.session.execute(
        update(Delivery).where(Delivery.status == DeliveryStatus.FAILED)
        .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def delivery_totals() -> dict[str, int]:
    """How many deliveries are pending (of them, ``retrying``: tried and failed at least
    once), sent and failed: true totals, not the length of a listed page."""
    totals = {"pending": 0, "retrying": 0, "sent": 0, "failed": 0}
    rows = db.session.execute(
        select(Delivery.status, func.count(), func.count().filter(Delivery.attempts > 0))
        .group_by(Delivery.status))
    for status, count, tried in rows:
        totals[DeliveryStatus(status).value] = count
        if DeliveryStatus(status) is DeliveryStatus.PENDING:
            totals["retrying"] = tried
    return totals


def list_deliveries(*, status: DeliveryStatus | None = None, limit: int = 50):
    stmt = select(Delivery)
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    return db.session.scalars(stmt.order_by(Delivery.created_at.desc(), Delivery.id.desc())
                              .limit(limit)).all()
