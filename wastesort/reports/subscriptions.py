"""Subscriptions: an e-mail address receiving a report kind at a cadence, optionally for one
district; or the capacity alerts. Managed by managers and administrators."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Role, User
from ..emails import clean_email
from ..errors_domain import Forbidden, NotFound, RuleViolation
from ..extensions import db
from ..rules import get_by_id
from .models import ReportPeriod, Subscription, SubscriptionKind, scope_key
from .service import check_district

ALREADY_SUBSCRIBED = _l("This address already receives this report.")


def require_manager(user: User | None) -> None:
    """Managers and administrators manage subscriptions (the CLI acts as ``None``: an operator
    on the server)."""
    if user is not None and user.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden(_l("Only managers and administrators manage report subscriptions."))


def add_subscription(user: User | None, *, email, kind, period=None, district_id=None
                     ) -> Subscription:
    require_manager(user)
    errors: dict[str, list[str]] = {}
    email, problem = clean_email(email)
    if problem is not None:
        errors["email"] = [problem]
    try:
        kind = SubscriptionKind(kind)
    except ValueError:
        errors["kind"] = [_l("Choose one of: %(values)s.",
                             values=", ".join(SubscriptionKind))]
        kind = None
    if kind is SubscriptionKind.ALERT and period in (None, ""):
        period = ReportPeriod.DAY.value
    try:
        period = ReportPeriod(period)
    except ValueError:
        errors["period"] = [_l("Choose one of: %(values)s.", values=", ".join(ReportPeriod))]
    if district_id is not None and kind in (SubscriptionKind.CAPACITY, SubscriptionKind.ALERT):
        errors["district_id"] = [_l("Capacity reports and alerts are for the whole city.")]
    elif kind is SubscriptionKind.ALERT and period is not ReportPeriod.DAY:
        errors["period"] = [_l("Capacity alerts are per day.")]
    elif district_id is not None and kind is SubscriptionKind.RANKING:
        errors["district_id"] = [_l("Ranking reports are for the whole city: towns and "
                                    "streets are ranked together.")]
    elif kind is SubscriptionKind.RANKING and period is ReportPeriod.DAY:
        errors["period"] = [_l("Rankings are made for a week or a month.")]
    if "district_id" not in errors:
        try:
            check_district(district_id)
        except RuleViolation as exc:
            errors.update(exc.errors)
    if errors:
        raise RuleViolation(errors)
    scope = scope_key(district_id)
    duplicate = select(Subscription).where(
        Subscription.email == email, Subscription.kind == kind, Subscription.period == period,
        Subscription.scope == scope)
    if db.session.scalar(duplicate) is not None:
        raise RuleViolation({"email": [ALREADY_SUBSCRIBED]})
    subscription = Subscription(email=email, kind=kind, period=period, scope=scope,
                                district_id=district_id,
                                created_by_id=user.id if user is not None else None)
    db.session.add(subscription)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RuleViolation({"email": [ALREADY_SUBSCRIBED]}) from None
    return subscription


def list_subscriptions():
    return db.session.scalars(select(Subscription).order_by(
        Subscription.kind, Subscription.period, Subscription.scope, Subscription.email)).all()


def get_subscription(subscription_id: int) -> Subscription:
    subscription = get_by_id(Subscription, subscription_id)
    if subscription is None:
        raise NotFound(_l("No such subscription."))
    return subscription


def remove_subscription(user: User | None, subscription_id: int) -> None:
    """Remove a subscription; its past deliveries stay on record."""
    require_manager(user)
    db.session.delete(get_subscription(subscription_id))
    db.session.commit()
