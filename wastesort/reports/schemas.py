"""API shapes of reports, deliveries and subscriptions."""

import marshmallow as ma

from ..api.core import PageArgs
from ..api.fields import Bool, Choice, Id
from ..emails import MAX_LENGTH as EMAIL_MAX_LENGTH
from ..emails import validate_email
from .models import DeliveryStatus, ReportKind, ReportPeriod, SubscriptionKind
from .service import EARLIEST_DAY


class DeliverySchema(ma.Schema):
    id = ma.fields.Integer()
    report_id = ma.fields.Integer(allow_none=True)
    alert_id = ma.fields.Integer(allow_none=True)
    subscription_id = ma.fields.Integer(allow_none=True)
    email = ma.fields.String()
    status = Choice(DeliveryStatus)
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    next_attempt_at = ma.fields.AwareDateTime()
    sent_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class DeliveryTotalsSchema(ma.Schema):
    pending = ma.fields.Integer(metadata={"description": "Waiting to be sent (new or retrying)."})
    retrying = ma.fields.Integer(metadata={"description": "Of the pending, those tried and "
                                                          "failed at least once."})
    sent = ma.fields.Integer()
    failed = ma.fields.Integer(metadata={"description": "Gave up after DELIVERY_RETRY_FOR_HOURS;"
                                                        " sent again only when retried."})


class RetriedSchema(ma.Schema):
    queued = ma.fields.Integer(metadata={"description": "Failed deliveries queued again."})


class ReportSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    kind = Choice(ReportKind)
    period = Choice(ReportPeriod)
    period_start = ma.fields.Date(metadata={"description": "First local day, inclusive."})
    period_end = ma.fields.Date(metadata={"description": "Last local day, inclusive."})
    scope = ma.fields.String(metadata={"description": "`city` or `district:<id>`."})
    district_id = ma.fields.Integer(allow_none=True)
    made_at = ma.fields.AwareDateTime()
    made_by = ma.fields.String()


class ReportSchema(ReportSummarySchema):
    figures = ma.fields.Dict(metadata={
        "description": "The figures as made (docs/reports.md): tonnes `_t`, per cent "
                       "`_percent`, tonnes per day `_t_per_day`."})
    deliveries = ma.fields.List(ma.fields.Nested(DeliverySchema))


class ReportRunSchema(ma.Schema):
    kind = Choice(ReportKind, required=True)
    period = Choice(ReportPeriod, load_default=ReportPeriod.DAY)
    as_of = ma.fields.Date(required=True, metadata={
        "description": f"A day of the period (city time), from {EARLIEST_DAY}; the period "
                       "must be over."})
    district_id = Id(allow_none=True, load_default=None,
                     metadata={"description": "Coverage of one district; default the city."})
    send = Bool(load_default=False,
                             metadata={"description": "Queue it for its subscribers and send "
                                                      "what is due now."})


class ReportQuery(PageArgs):
    kind = Choice(ReportKind)
    period = Choice(ReportPeriod)


class DeliveryQuery(PageArgs):
    status = Choice(DeliveryStatus)


class SubscriptionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    # one rule with one message for the pages, the API and the commands (wastesort/emails.py)
    email = ma.fields.String(required=True, validate=validate_email, metadata={
        "description": "One address, like name@example.org.", "format": "email",
        "maxLength": EMAIL_MAX_LENGTH})
    kind = Choice(SubscriptionKind, required=True)
    period = Choice(ReportPeriod, load_default=None, allow_none=True,
                    metadata={"description": "Cadence; alerts are `day`."})
    district_id = Id(allow_none=True, load_default=None)
    scope = ma.fields.String(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
