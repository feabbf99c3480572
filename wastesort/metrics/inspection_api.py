"""``/api/v1/metrics/inspections``: participation, accuracy and communities inspected by level
and period, and the communities not inspected lately — thin views over
:mod:`wastesort.metrics.inspections` (docs/metrics.md, "Inspections"), with their shapes."""

import datetime as dt

import marshmallow as ma
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..accounts.scope import township_scope
from ..api.auth import current_api_user
from ..api.core import Blueprint
from ..api.fields import INTEGER_MESSAGES, Id
from ..areas.models import Township
from ..errors_domain import NotFound
from ..extensions import db
from ..timeutil import local_today
from .inspections import CONTAMINATED, LEVELS, PERIODS, inspection_figures, period_range
from .inspections import stale_communities as stale

# Days the figures are asked for: the service's data start in 2000 (as postings'), and a week
# or a month around the calendar's last day would run past it.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(9999, 11, 30)
DAY_RANGE = ma.validate.Range(FIRST_DAY, LAST_DAY, error=_l(
    "Enter a day from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(),
    last=LAST_DAY.isoformat()))

blp = Blueprint("inspection_figures", __name__, url_prefix="/api/v1/metrics/inspections",
                description="Participation and accuracy of sorting from the inspections; "
                            "communities inspected and not inspected lately.")


class InspectionFiguresQuery(ma.Schema):
    level = ma.fields.String(load_default="city", validate=ma.validate.OneOf(LEVELS))
    period = ma.fields.String(load_default="month", validate=ma.validate.OneOf(PERIODS),
                              metadata={"description": "A calendar day, a Monday-to-Sunday "
                                                       "week or a calendar month."})
    day = ma.fields.Date(validate=DAY_RANGE, metadata={
        "description": "A day of the period (default: today, local)."})
    district_id = Id(query=True)
    township_id = Id(query=True)


def _count():
    return ma.fields.Integer(required=True)


def _percent(description: str):
    return ma.fields.Float(required=True, allow_none=True, metadata={"description": description})


ContaminatedSchema = type("ContaminatedSchema", (ma.Schema,),
                          {c: _count() for c in CONTAMINATED})


class InspectionFiguresRowSchema(ma.Schema):
    id = ma.fields.Integer(required=True, allow_none=True)
    name = ma.fields.String(required=True)
    name_en = ma.fields.String()
    kind = ma.fields.String()
    district_id = ma.fields.Integer()
    district_name = ma.fields.String()
    township_id = ma.fields.Integer()
    townships = ma.fields.Integer(metadata={"description": "City and district rows."})
    inspections = _count()
    households_seen = _count()
    households_sorted = _count()
    participation_percent = _percent("100 × households_sorted ÷ households_seen; null when "
                                     "nobody was seen.")
    items_inspected = _count()
    items_correct = _count()
    accuracy_percent = _percent("100 × items_correct ÷ items_inspected; null when nothing "
                                "was inspected.")
    contaminated = ma.fields.Nested(ContaminatedSchema, required=True)
    communities = _count()
    communities_inspected = _count()
    communities_inspected_percent = _percent("Communities inspected at least once in the "
                                             "period, of all the area's communities.")


class InspectionFiguresSchema(ma.Schema):
    level = ma.fields.String(required=True)
    period = ma.fields.String(required=True)
    date_from = ma.fields.Date(data_key="from", required=True)
    date_to = ma.fields.Date(data_key="to", required=True)
    rows = ma.fields.List(ma.fields.Nested(InspectionFiguresRowSchema), required=True)


class StaleQuery(ma.Schema):
    days = ma.fields.Integer(validate=ma.validate.Range(0, 3660, error=_l(
        "Enter a whole number from 0 to %(max)s.", max="3,660")),
        error_messages=INTEGER_MESSAGES, metadata={
            "description": "Default: INSPECTION_STALE_DAYS (14)."})
    as_of = ma.fields.Date(validate=DAY_RANGE, metadata={
        "description": "Default: today (local)."})
    district_id = Id(query=True)
    township_id = Id(query=True)


class StaleCommunitySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    township_id = ma.fields.Integer(required=True)
    township_name = ma.fields.String(required=True)
    district_id = ma.fields.Integer(required=True)
    last_inspected_on = ma.fields.Date(required=True, allow_none=True, metadata={
        "description": "null: never inspected."})
    days_since = ma.fields.Integer(required=True, allow_none=True)


class StaleSchema(ma.Schema):
    as_of = ma.fields.Date(required=True)
    days = ma.fields.Integer(required=True)
    communities = ma.fields.List(ma.fields.Nested(StaleCommunitySchema), required=True)


def scoped(user: User, district_id: int | None, township_id: int | None
           ) -> tuple[int | None, int | None]:
    """The (district, township) filters ``user`` may ask for: all for administrators and
    managers; their own town or street for street administrators and inspectors (another:
    404); 403 for point staff."""
    scope = township_scope(user)
    if scope is None:
        return district_id, township_id
    own = db.session.get(Township, scope)
    if township_id not in (None, scope) or district_id not in (None, own.district_id):
        raise NotFound(_l("No such town or street in your scope."))
    return None, scope


@blp.get("")
@blp.arguments(InspectionFiguresQuery, location="query")
@blp.response(200, InspectionFiguresSchema)
def figures(args):
    """Inspections, participation and accuracy (ratios of sums), contamination by category
    and the share of communities inspected, at ``level`` for the ``period`` holding ``day``;
    a street administrator or an inspector gets their own town or street only."""
    district_id, township_id = scoped(current_api_user(), args.get("district_id"),
                                      args.get("township_id"))
    first, last = period_range(args["period"], args.get("day") or local_today())
    return {"level": args["level"], "period": args["period"], "date_from": first,
            "date_to": last, "rows": inspection_figures(args["level"], first, last,
                                                        district_id=district_id,
                                                        township_id=township_id)}


@blp.get("/stale")
@blp.arguments(StaleQuery, location="query")
@blp.response(200, StaleSchema)
def stale_communities(args):
    """The communities not inspected for more than ``days`` days as of ``as_of`` (never
    inspected first), in the caller's scope."""
    district_id, township_id = scoped(current_api_user(), args.get("district_id"),
                                      args.get("township_id"))
    days = args.get("days", current_app.config["INSPECTION_STALE_DAYS"])
    as_of = args.get("as_of") or local_today()
    return {"as_of": as_of, "days": days,
            "communities": stale(as_of, days=days, district_id=district_id,
                                 township_id=township_id)}
