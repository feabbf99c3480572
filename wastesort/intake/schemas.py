"""API shapes of weighbridge tickets: one ticket, a batch, a void, a ticket as stored, the
list's filters, and the figures of the chain to treatment."""

import datetime as dt
import re

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from ..api.core import PageArgs
from ..api.fields import (
    INTEGER_MESSAGES,
    MESSAGES,
    TEXT_MESSAGES,
    Choice,
    Id,
    Int,
    Text,
    max_from_setting,
)
from ..enums import WasteCategory
from ..rules import MAX_ID
from .service import MAX_NUMBER_LENGTH, MAX_PLATE_LENGTH, MAX_REASON_LENGTH

ARRIVAL = ("The weighing's date and time, ISO 8601 (2026-11-30T08:15:00+08:00); without an "
           "offset it is the city's time. Not in the future; operators at most "
           "INTAKE_BACKDATE_DAYS back.")


class TicketFields(ma.Schema):
    """A ticket's fields as marshmallow would load them (the reference for the hand-made
    loader below, and the base of the shapes that are only dumped)."""

    treatment_facility_id = Id(metadata={
        "description": "The facility; an operator's own when left out (administrators "
                       "name it)."})
    ticket_number = Text(MAX_NUMBER_LENGTH, min_length=1, required=True, metadata={
        "description": "The facility's own ticket number: unique per facility, it makes a "
                       "retry safe (the same number and body answer the stored ticket; "
                       "another body is a 409)."})
    arrived_at = ma.fields.DateTime(required=True, metadata={"description": ARRIVAL})
    stream = Choice(WasteCategory, required=True, metadata={
        "description": "The stream the vehicle declared at the weighbridge."})
    net_weight_kg = Int(1, MAX_ID, required=True, metadata={
        "description": "Net weight in whole kilograms, at most INTAKE_MAX_WEIGHT_KG.",
        **max_from_setting("INTAKE_MAX_WEIGHT_KG", 60_000)})
    township_id = Id(allow_none=True, metadata={
        "description": "The town or street the load came from, when the ticket names it."})
    vehicle_plate = Text(MAX_PLATE_LENGTH, allow_none=True)


class TicketInSchema(TicketFields):
    """One ticket; documented by its fields, loaded by :func:`load_ticket` (fast enough for
    a batch of 1,000 within the 50,000 rows/s the batch endpoint is for)."""

    def load(self, data, *, many=None, partial=None, unknown=None):
        record, problems = load_ticket(data)
        if problems:
            raise ma.ValidationError(problems)
        return record


class TicketSchema(TicketFields):
    net_weight_kg = ma.fields.Integer(required=True)
    id = ma.fields.Integer(dump_only=True)
    treatment_facility_id = ma.fields.Integer(dump_only=True)
    arrived_on = ma.fields.Date(dump_only=True, metadata={
        "description": "The day of arrival in the city (its figures count on this day)."})
    posted_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    posted_at = ma.fields.DateTime(dump_only=True)
    voided = ma.fields.Boolean(dump_only=True)
    void_reason = ma.fields.String(dump_only=True, allow_none=True)
    voided_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    voided_by_id = ma.fields.Integer(dump_only=True, allow_none=True)


class TicketRecords(ma.fields.List):
    """A list of :class:`TicketFields` records, documented as such, loaded by
    :func:`load_ticket` (marshmallow's ``Nested`` alone would cap a worker far below 50,000
    rows/s); messages by index then field."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.Nested(TicketFields), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ma.ValidationError(MESSAGES["invalid"])
        records, errors = [], {}
        for index, item in enumerate(value):
            record, problems = load_ticket(item)
            if problems:
                errors[index] = problems
            records.append(record)
        if errors:
            raise ma.ValidationError(errors)
        return records


class TicketBatchSchema(ma.Schema):
    records = TicketRecords(required=True, validate=ma.validate.Length(min=1), metadata={
        "description": "At most INTAKE_BATCH_MAX (default 1,000) tickets; all or nothing."})


UNKNOWN_FIELD = _l("Unknown field.")
_STREAMS = {c.value for c in WasteCategory}
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
                     r"(Z|[+-]\d{2}:?\d{2})?")
_INTEGERS = ("treatment_facility_id", "net_weight_kg", "township_id")
_TEXTS = {"ticket_number": MAX_NUMBER_LENGTH, "vehicle_plate": MAX_PLATE_LENGTH}
_REQUIRED = ("ticket_number", "arrived_at", "stream", "net_weight_kg")
_OPTIONAL = ("treatment_facility_id", "township_id", "vehicle_plate")
_FIELDS = frozenset(_REQUIRED + _OPTIONAL)
_NULLABLE = ("township_id", "vehicle_plate")


def parse_moment(text) -> dt.datetime | None:
    """ISO 8601 date and time (an offset optional), else None."""
    if not isinstance(text, str) or not _MOMENT.fullmatch(text):
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def load_ticket(item) -> tuple[dict, dict]:
    """A ticket's shapes, checked by hand as :class:`TicketFields` would; returns (record,
    messages by field)."""
    if not isinstance(item, dict):
        return {}, {"_schema": MESSAGES["invalid"]}
    problems = {name: [UNKNOWN_FIELD] for name in item if name not in _FIELDS}
    record = {}
    for name in _REQUIRED:
        if name not in item:
            problems[name] = MESSAGES["required"]
    for name, value in item.items():
        if name not in _FIELDS or name in problems:
            continue
        if value is None:
            if name in _NULLABLE:
                record[name] = None
            else:
                problems[name] = MESSAGES["null"]
        elif name in _INTEGERS:
            if isinstance(value, bool) or not isinstance(value, int):
                problems[name] = INTEGER_MESSAGES["invalid"]
            elif not 1 <= value <= MAX_ID:
                problems[name] = MESSAGES["too_large"] if value > MAX_ID else \
                    INTEGER_MESSAGES["invalid"]
            else:
                record[name] = value
        elif name == "arrived_at":
            moment = parse_moment(value)
            if moment is None:
                problems[name] = MESSAGES["invalid"]
            else:
                record[name] = moment
        elif name == "stream":
            if not isinstance(value, str) or value not in _STREAMS:
                problems[name] = MESSAGES["invalid"]
            else:
                record[name] = value
        elif not isinstance(value, str):
            problems[name] = TEXT_MESSAGES["invalid"]
        elif len(value) > _TEXTS[name] or not value.isprintable():
            problems[name] = MESSAGES["invalid"]
        else:
            record[name] = value
    return record, problems


class TicketBatchItemSchema(ma.Schema):
    index = ma.fields.Integer(required=True)
    id = ma.fields.Integer(required=True)
    ticket_number = ma.fields.String(required=True)
    created = ma.fields.Boolean(required=True, metadata={
        "description": "False when the facility's number was stored before (a resent batch)."})


class TicketPlainItems(ma.fields.List):
    """Documented as a list of :class:`TicketBatchItemSchema`; already plain dicts, sent as they
    are."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.Nested(TicketBatchItemSchema), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class TicketBatchResultSchema(ma.Schema):
    created = ma.fields.Integer(required=True)
    replayed = ma.fields.Integer(required=True)
    records = TicketPlainItems(required=True)


class TicketVoidSchema(ma.Schema):
    reason = Text(MAX_REASON_LENGTH, min_length=1, required=True)


class TicketQuery(PageArgs):
    treatment_facility_id = Id(query=True)
    stream = Choice(WasteCategory)
    township_id = Id(query=True)
    date_from = ma.fields.Date(data_key="from", metadata={
        "description": "First local day of arrival (inclusive)."})
    date_to = ma.fields.Date(data_key="to", metadata={
        "description": "Last local day of arrival (inclusive)."})
    voided = ma.fields.Boolean()


# --------------------------------------------------------------------------- figures

class IntakeDayQuery(ma.Schema):
    day = ma.fields.Date(metadata={"description": "A local day; today by default."})


class IntakeRangeQuery(ma.Schema):
    date_from = ma.fields.Date(data_key="from", metadata={"description": "First local day."})
    date_to = ma.fields.Date(data_key="to", metadata={"description": "Last local day."})


class FacilityDaySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    facility_type = ma.fields.String()
    day = ma.fields.Date()
    intake_t = ma.fields.Float()
    by_stream_t = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    capacity_t = ma.fields.Integer()
    utilisation_percent = ma.fields.Float(allow_none=True)
    headroom_t = ma.fields.Float()
    status = ma.fields.String(metadata={"description": "ok, warning or over."})
    closed = ma.fields.Boolean(metadata={"description": "No capacity in force that day."})


class IntakeSuggestionSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    tonnes = ma.fields.Float()


class StrainedSchema(FacilityDaySchema):
    excess_t = ma.fields.Float(metadata={
        "description": "Tonnes above the capacity (over) or the warning level (warning)."})
    suggestions = ma.fields.List(ma.fields.Nested(IntakeSuggestionSchema), metadata={
        "description": "Same-type facilities with room below their own warning level, "
                       "and the tonnes each could take (a suggestion, not routing)."})
    unplaced_t = ma.fields.Float()


class FacilitiesDaySchema(ma.Schema):
    day = ma.fields.Date()
    facilities = ma.fields.List(ma.fields.Nested(FacilityDaySchema))
    strained = ma.fields.List(ma.fields.Nested(StrainedSchema))


class StreamGapSchema(ma.Schema):
    stream = ma.fields.String()
    collected_t = ma.fields.Float()
    received_t = ma.fields.Float()
    gap_t = ma.fields.Float()
    gap_percent = ma.fields.Float(allow_none=True)
    beyond_tolerance = ma.fields.Boolean()


class GapDaySchema(ma.Schema):
    day = ma.fields.Date()
    township_id = ma.fields.Integer()
    streams = ma.fields.List(ma.fields.Nested(StreamGapSchema))
    mixed_streams = ma.fields.List(ma.fields.String())
    mixed_t = ma.fields.Float()


class GapsSchema(ma.Schema):
    days = ma.fields.List(ma.fields.Nested(GapDaySchema))
    townships = ma.fields.List(ma.fields.Nested(GapDaySchema), metadata={
        "description": "Town or street days named by tickets."})


class RatesSchema(ma.Schema):
    collected_t = ma.fields.Float()
    collected_for_treatment_t = ma.fields.Float()
    received_by_type_t = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    harmless_t = ma.fields.Float()
    landfill_t = ma.fields.Float()
    recyclables_t = ma.fields.Float()
    kitchen_recovered_t = ma.fields.Float()
    harmless_rate_percent = ma.fields.Float(allow_none=True)
    landfill_share_percent = ma.fields.Float(allow_none=True)
    recycling_rate_percent = ma.fields.Float(allow_none=True)
    resource_utilisation_percent = ma.fields.Float(allow_none=True)
    coefficients = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
