"""``/api/v1/rankings``: towns and streets, or one town's or street's communities, ranked for
a month or week (docs/metrics.md, "Rankings") — a thin view over the rankings' service."""

import datetime as dt

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from ..api.auth import current_api_user
from ..api.core import Blueprint
from ..api.fields import Id
from ..enums import WasteCategory
from ..metrics.rankings import FIGURES, LEVELS, RANKED
from .service import PERIODS, ranking_view

FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(9999, 11, 30)

blp = Blueprint("rankings", __name__, url_prefix="/api/v1/rankings",
                description="Towns and streets, or one's communities, ranked for a month or "
                            "week (红黑榜).")


def _one_of(values) -> ma.validate.OneOf:
    return ma.validate.OneOf(values, error=_l("Choose one of: %(values)s.",
                                              values=", ".join(values)))


class RankingQuery(ma.Schema):
    level = ma.fields.String(load_default="township", validate=_one_of(LEVELS))
    period = ma.fields.String(load_default="month", validate=_one_of(PERIODS),
                              metadata={"description": "A calendar month or a Monday-to-Sunday "
                                                       "week."})
    day = ma.fields.Date(validate=ma.validate.Range(FIRST_DAY, LAST_DAY, error=_l(
        "Enter a day from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(),
        last=LAST_DAY.isoformat())), error_messages={
        "invalid": [_l("Enter a date as YYYY-MM-DD.")]}, metadata={
        "description": "A day of the period (default: the last complete period); a running "
                       "period counts up to yesterday."})
    by = ma.fields.String(load_default="composite", validate=_one_of(RANKED),
                          metadata={"description": "The figure the rows and the red and black "
                                                   "lists are ordered by."})
    township_id = Id(query=True, metadata={"description": "Communities of this town or street "
                                                          "(level community)."})
    district_id = Id(query=True, metadata={"description": "Only this district's towns and "
                                                          "streets (their city ranks)."})


def _percent():
    return ma.fields.Float(required=True, allow_none=True)


def _places():
    return ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(allow_none=True),
                          required=True, metadata={"description": "By figure: " +
                                                   ", ".join(RANKED) + "."})


class RankingRowSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String()
    district_id = ma.fields.Integer()
    district_name = ma.fields.String()
    township_id = ma.fields.Integer()
    households = ma.fields.Integer(required=True)
    households_covered = ma.fields.Integer(required=True)
    coverage_percent = _percent()
    collected_t = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "null: nothing posted in the period."})
    kg_per_household_day = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf([c.value for c in WasteCategory])),
        values=ma.fields.Float(allow_none=True), required=True)
    residual_kg_per_household_day = _percent()
    recyclable_kg_per_household_day = _percent()
    sorted_share_percent = _percent()
    participation_percent = _percent()
    accuracy_percent = _percent()
    gap_percent = _percent()
    gap_abs_percent = _percent()
    scores = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float(allow_none=True),
                            required=True, metadata={"description": "0 (the worst place) to "
                                                     "100 (the best), by figure."})
    composite_score = _percent()
    rank = _places()
    previous_rank = _places()
    movement = _places()


class RankingSchema(ma.Schema):
    level = ma.fields.String(required=True)
    period = ma.fields.String(required=True)
    date_from = ma.fields.Date(data_key="from", required=True, attribute="first")
    date_to = ma.fields.Date(data_key="to", required=True, attribute="last")
    days = ma.fields.Integer(required=True)
    previous_from = ma.fields.Date(required=True, attribute="previous_first")
    previous_to = ma.fields.Date(required=True, attribute="previous_last")
    by = ma.fields.String(required=True)
    figures = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(list(FIGURES))),
                             required=True, metadata={"description": "The figures measured "
                                                      "in the period."})
    weights = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float(), required=True)
    places = ma.fields.Integer(required=True, metadata={"description": "Places ranked."})
    list_size = ma.fields.Integer(required=True)
    red = ma.fields.List(ma.fields.Integer(), required=True, metadata={
        "description": "Ids of the red list, best first."})
    black = ma.fields.List(ma.fields.Integer(), required=True, metadata={
        "description": "Ids of the black list, worst first."})
    rows = ma.fields.List(ma.fields.Nested(RankingRowSchema), required=True)


@blp.get("")
@blp.arguments(RankingQuery, location="query")
@blp.response(200, RankingSchema)
def ranking(args):
    """Every town and street (or the communities of ``township_id``) with each figure, its
    0-100 scores, the composite score, its rank and movement since the previous period, in
    the order of ``by``; a street administrator gets its own town or street's place and its
    communities."""
    view = ranking_view(current_api_user(), **args)
    return {**view, "red": [r["id"] for r in view["red"]],
            "black": [r["id"] for r in view["black"]]}
