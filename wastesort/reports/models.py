"""Reports made, who subscribes to them, each e-mail delivery, and capacity alerts.

Exactly once is the database's job: a report is unique per (kind, period, period_start, scope),
a delivery per (report, subscription) or (alert, subscription), an alert per (day, level)
(a facility or stream alert per (day, subject, level)). The
scope is a non-null key (``city`` or ``district:<id>``) because NULLs never collide in a unique
constraint.
"""

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..areas.models import District
from ..enums import WasteCategory, enum_column_type
from ..extensions import db
from ..facilities.models import TreatmentFacility
from ..timeutil import utcnow
from ..types import UtcDateTime

CITY_SCOPE = "city"


class ReportKind(enum.StrEnum):
    COVERAGE = "coverage"
    CAPACITY = "capacity"
    RANKING = "ranking"  # 红黑榜: towns and streets ranked (weeks and months, the city)


class ReportPeriod(enum.StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"


class SubscriptionKind(enum.StrEnum):
    COVERAGE = "coverage"
    CAPACITY = "capacity"
    ALERT = "alert"  # capacity alerts: one e-mail per day and level
    RANKING = "ranking"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after DELIVERY_RETRY_FOR_HOURS of retries


class AlertLevel(enum.StrEnum):
    WARNING = "warning"  # utilisation at or above CAPACITY_WARNING_PERCENT
    OVER = "over"  # above the capacity


def scope_key(district_id: int | None) -> str:
    return CITY_SCOPE if district_id is None else f"district:{district_id}"


class Report(db.Model):
    """One report as made: its figures are frozen as JSON (dates as ISO strings)."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("kind", "period", "period_start", "scope",
                         name="uq_reports_kind_period_start_scope"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        Index("ix_reports_made_at", "made_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(enum_column_type(ReportKind, "report_kind"))
    period: Mapped[ReportPeriod] = mapped_column(enum_column_type(ReportPeriod, "report_period"))
    period_start: Mapped[dt.date] = mapped_column(Date)  # local dates in TIMEZONE, inclusive
    period_end: Mapped[dt.date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(24))  # "city" or "district:<id>"
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    made_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    made_by: Mapped[str] = mapped_column(String(40))  # "scheduler", "catch-up", "cli", a user
    figures: Mapped[dict] = mapped_column(JSON)

    district: Mapped[District | None] = relationship()
    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="report")


class Subscription(db.Model):
    """An e-mail address receiving a report kind at a cadence, optionally for one district.

    Alert subscriptions have the cadence ``day`` (alerts are per day) and the city's scope.
    """

    __tablename__ = "report_subscriptions"
    __table_args__ = (
        UniqueConstraint("email", "kind", "period", "scope",
                         name="uq_report_subscriptions_email_kind_period_scope"),
        CheckConstraint("kind != 'alert' OR (period = 'day' AND district_id IS NULL)",
                        name="alert_daily_city"),
        CheckConstraint("kind != 'capacity' OR district_id IS NULL", name="capacity_city"),
        CheckConstraint("kind != 'ranking' OR (period != 'day' AND district_id IS NULL)",
                        name="ranking_city"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    kind: Mapped[SubscriptionKind] = mapped_column(
        enum_column_type(SubscriptionKind, "subscription_kind"))
    period: Mapped[ReportPeriod] = mapped_column(
        enum_column_type(ReportPeriod, "subscription_period"))
    scope: Mapped[str] = mapped_column(String(24))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    district: Mapped[District | None] = relationship()


class CapacityAlert(db.Model):
    """The first time a day's utilisation reached a level: raised once per (day, level)."""

    __tablename__ = "capacity_alerts"
    __table_args__ = (UniqueConstraint("day", "level", name="uq_capacity_alerts_day_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)  # local date in TIMEZONE
    level: Mapped[AlertLevel] = mapped_column(enum_column_type(AlertLevel, "alert_level"))
    collected_t: Mapped[float]
    capacity_t_per_day: Mapped[int]
    utilisation_percent: Mapped[float | None]
    raised_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="alert")


class IntakeLevel(enum.StrEnum):
    WARNING = "warning"  # a facility's intake at or above CAPACITY_WARNING_PERCENT
    OVER = "over"  # a facility's intake above its capacity that day
    GAP = "gap"  # a stream's collected and received differ beyond its tolerance


class IntakeAlert(db.Model):
    """The first time a facility's intake reached a level on a day, or a stream's gap passed
    its tolerance: raised once per (day, subject, level), the subject ``facility:<id>`` or
    ``stream:<stream>``. ``figure_t`` is the intake (or the tonnes received), ``reference_t``
    the capacity that day (or the tonnes collected), ``percent`` the utilisation (or the gap
    in %)."""

    __tablename__ = "intake_alerts"
    __table_args__ = (
        UniqueConstraint("day", "subject", "level", name="uq_intake_alerts_day_subject_level"),
        CheckConstraint("(treatment_facility_id IS NULL) != (stream IS NULL)",
                        name="facility_or_stream"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(40))
    level: Mapped[IntakeLevel] = mapped_column(enum_column_type(IntakeLevel,
                                                                "intake_alert_level"))
    treatment_facility_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment_facilities.id"))
    stream: Mapped[WasteCategory | None] = mapped_column(
        enum_column_type(WasteCategory, "intake_alert_stream"))
    figure_t: Mapped[float]
    reference_t: Mapped[float]
    percent: Mapped[float | None]
    raised_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    facility: Mapped[TreatmentFacility | None] = relationship()
    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="intake_alert")


class Delivery(db.Model):
    """One e-mail of a report or an alert to one subscription, with its attempts.

    ``next_attempt_at`` is when it may be tried next; a sender claims a delivery by moving it
    forward in a conditional UPDATE, so two schedulers never send the same one at once.
    """

    __tablename__ = "report_deliveries"
    __table_args__ = (
        UniqueConstraint("report_id", "subscription_id",
                         name="uq_report_deliveries_report_subscription"),
        UniqueConstraint("alert_id", "subscription_id",
                         name="uq_report_deliveries_alert_subscription"),
        UniqueConstraint("intake_alert_id", "subscription_id",
                         name="uq_report_deliveries_intake_alert_subscription"),
        CheckConstraint("(CASE WHEN report_id IS NULL THEN 0 ELSE 1 END) + "
                        "(CASE WHEN alert_id IS NULL THEN 0 ELSE 1 END) + "
                        "(CASE WHEN intake_alert_id IS NULL THEN 0 ELSE 1 END) = 1",
                        name="report_or_alert"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_report_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("capacity_alerts.id"))
    intake_alert_id: Mapped[int | None] = mapped_column(ForeignKey("intake_alerts.id"))
    # NULL once the subscription is removed; the delivery's record stays.
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("report_subscriptions.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column_type(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())

    report: Mapped[Report | None] = relationship(back_populates="deliveries")
    alert: Mapped[CapacityAlert | None] = relationship(back_populates="deliveries")
    intake_alert: Mapped[IntakeAlert | None] = relationship(back_populates="deliveries")
    subscription: Mapped[Subscription | None] = relationship()
