"""``/api/v1/capacity/daily`` and ``/api/v1/coverage``: thin views over the one definition
of each figure (wastesort.metrics.capacity and .coverage, docs/metrics.md)."""

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.models import Role
from ..accounts.scope import require_roles, township_scope
from ..api.auth import current_api_user
from ..api.core import Blueprint
from ..areas.models import Township
from ..errors_domain import NotFound, RuleViolation
from ..extensions import db
from ..timeutil import local_today
from .capacity import MAX_RANGE_DAYS, daily_capacity
from .coverage import coverage
from .schemas import CapacityQuery, CapacityReportSchema, CoverageQuery, CoverageReportSchema

blp = Blueprint("figures", __name__, url_prefix="/api/v1",
                description="Daily tonnage against capacity; coverage of sorting.")

DEFAULT_DAYS = 30


@blp.get("/capacity/daily")
@blp.arguments(CapacityQuery, location="query")
@blp.response(200, CapacityReportSchema)
def capacity_daily(args):
    """For each local day: tonnes in all and by category against the city's capacity and
    each stream against the facilities treating it (administrators, managers, street
    administrators)."""
    require_roles(current_api_user(), Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN)
    last = args.get("date_to") or local_today()
    first = args.get("date_from") or last - dt.timedelta(
        days=min(DEFAULT_DAYS - 1, (last - dt.date.min).days))  # no day before year 1
    if last < first:  # only "from" given, after today
        last = first
    if (last - first).days + 1 > MAX_RANGE_DAYS:  # only one end given, far from the default
        raise RuleViolation({"from": [_l("At most %(n)s days at once.", n=MAX_RANGE_DAYS)]})
    return {"date_from": first, "date_to": last,
            "warning_percent": current_app.config["CAPACITY_WARNING_PERCENT"],
            "days": daily_capacity(first, last)}


@blp.get("/coverage")
@blp.arguments(CoverageQuery, location="query")
@blp.response(200, CoverageReportSchema)
def coverage_report(args):
    """Households, coverage, covered towns and streets, bins per 1,000 households and
    recycling points at ``level``; a street administrator sees its own township only."""
    user = current_api_user()
    scope = township_scope(user)  # 403 for point staff
    district_id, township_id = args.get("district_id"), args.get("township_id")
    if scope is not None:
        own = db.session.get(Township, scope)
        if township_id not in (None, scope) or district_id not in (None, own.district_id):
            raise NotFound(_l("No such town or street in your scope."))
        township_id = scope
    as_of = args.get("as_of") or local_today()
    return {"level": args["level"], "as_of": as_of,
            "full_percent": current_app.config["COVERAGE_FULL_PERCENT"],
            "rows": coverage(args["level"], as_of, district_id=district_id,
                             township_id=township_id)}
