"""API shapes of collections: one posting, a batch, a void, a record as stored, the list's
filters and their totals."""

import datetime as dt
import re

import marshmallow as ma

from ..api.core import PageArgs
from ..api.fields import Choice, Id, Int, Text, max_from_setting
from ..enums import WasteCategory
from ..rules import MAX_ID
from .service import DAYS_REVERSED, MAX_KEY_LENGTH, MAX_REASON_LENGTH


class CollectionFields(ma.Schema):
    """The four fields of a posting, loaded by marshmallow (the reference for the hand-made
    loader below, and the base of the shapes that are only dumped)."""

    recycling_point_id = Id(required=True)
    collected_on = ma.fields.Date(required=True, metadata={
        "description": "Local date in the city; not in the future, not older than the "
                       "back-dating window (COLLECTION_BACKDATE_DAYS, admins excepted)."})
    category = Choice(WasteCategory, required=True)
    weight_kg = Int(1, MAX_ID, required=True, metadata={
        "description": "Whole kilograms, at most the setting COLLECTION_MAX_WEIGHT_KG "
                       "(default 50,000; the maximum shown is this installation's).",
        **max_from_setting("COLLECTION_MAX_WEIGHT_KG", 50_000)})


class CollectionInSchema(CollectionFields):
    """One posting. Documented by its fields, loaded by :func:`load_record` (a kiosk's every
    posting goes through here; marshmallow took a tenth of the request)."""

    def load(self, data, *, many=None, partial=None, unknown=None):
        record, problems = load_record(data, _POSTING_FIELDS)
        if problems:
            raise ma.ValidationError(problems)
        return record


class IdempotencyHeader(ma.Schema):
    idempotency_key = Text(MAX_KEY_LENGTH, min_length=1, data_key="Idempotency-Key", metadata={
        "description": "Makes a retry safe: the same key and body answer the first record; "
                       "the same key with another body is a 409. Keys are the caller's own "
                       "(unique per user), so any random key (a UUID) will do."})


class CollectionSchema(CollectionFields):
    weight_kg = ma.fields.Integer(required=True, metadata={
        "description": "Whole kilograms (at most COLLECTION_MAX_WEIGHT_KG when posted)."})
    id = ma.fields.Integer(dump_only=True)
    posted_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    posted_at = ma.fields.DateTime(dump_only=True)
    idempotency_key = ma.fields.String(dump_only=True)
    voided = ma.fields.Boolean(dump_only=True)
    void_reason = ma.fields.String(dump_only=True, allow_none=True)
    voided_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    voided_by_id = ma.fields.Integer(dump_only=True, allow_none=True)


class BatchRecordSchema(CollectionFields):
    idempotency_key = Text(MAX_KEY_LENGTH, min_length=1, required=True, metadata={
        "description": "As the Idempotency-Key header of a single posting (unique per "
                       "user, so a batch sent twice counts once)."})


class BatchRecords(ma.fields.List):
    """A list of :class:`BatchRecordSchema` records, documented as such, but loaded by
    :func:`load_batch_record`: marshmallow's ``Nested`` takes ~60 ms for 1,000 records, which
    alone would cap a worker far below the 50,000 rows/s the batch endpoint is for. Same
    messages, by index then field."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.Nested(BatchRecordSchema), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ma.ValidationError("Not a valid list.")
        records, errors = [], {}
        for index, item in enumerate(value):
            record, problems = load_batch_record(item)
            if problems:
                errors[index] = problems
            records.append(record)
        if errors:
            raise ma.ValidationError(errors)
        return records


class BatchSchema(ma.Schema):
    records = BatchRecords(required=True, validate=ma.validate.Length(min=1), metadata={
        "description": "At most COLLECTION_BATCH_MAX (default 1,000)."})


_CATEGORIES = {c.value: c for c in WasteCategory}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_POSTING_FIELDS = ("recycling_point_id", "collected_on", "category", "weight_kg")
_RECORD_FIELDS = (*_POSTING_FIELDS, "idempotency_key")


def load_batch_record(item) -> tuple[dict, dict]:
    """One batch record's shapes, checked by hand as :class:`BatchRecordSchema` would."""
    return load_record(item, _RECORD_FIELDS)


def load_record(item, fields: tuple[str, ...]) -> tuple[dict, dict]:
    """A posting's or a batch record's shapes, checked by hand as :class:`CollectionFields`
    (and :class:`BatchRecordSchema`) would: tests/api/test_collections.py compares them;
    returns (record, messages by field)."""
    if not isinstance(item, dict):
        return {}, {"_schema": ["Invalid input type."]}
    problems = {name: ["Unknown field."] for name in item if name not in fields}
    record = {}
    for name in fields:
        if name not in item:
            problems[name] = ["Missing data for required field."]
            continue
        value = item[name]
        if name in ("recycling_point_id", "weight_kg"):
            if isinstance(value, bool) or not isinstance(value, int):
                problems[name] = ["Not a valid integer."]
            elif not 1 <= value <= MAX_ID:
                problems[name] = [f"Must be greater than or equal to 1 and less than or equal "
                                  f"to {MAX_ID}."]
            else:
                record[name] = value
        elif name == "collected_on":
            try:
                if not (isinstance(value, str) and _DATE.fullmatch(value)):
                    raise ValueError
                record[name] = dt.date.fromisoformat(value)
            except ValueError:
                problems[name] = ["Not a valid date."]
        elif name == "category":
            if not isinstance(value, str) or value not in _CATEGORIES:
                problems[name] = ["Must be one of: " + ", ".join(_CATEGORIES) + "."]
            else:
                record[name] = _CATEGORIES[value]
        elif not isinstance(value, str):
            problems[name] = ["Not a valid string."]
        elif not 1 <= len(value) <= MAX_KEY_LENGTH:
            problems[name] = [f"Length must be between 1 and {MAX_KEY_LENGTH}."]
        elif not value.isprintable():
            problems[name] = ["Use printable characters only (no control characters)."]
        else:
            record[name] = value
    return record, problems


class BatchItemSchema(ma.Schema):
    index = ma.fields.Integer(required=True)
    id = ma.fields.Integer(required=True)
    idempotency_key = ma.fields.String(required=True)
    created = ma.fields.Boolean(required=True, metadata={
        "description": "False when this caller stored the key before (a resent batch)."})


class PlainItems(ma.fields.List):
    """Documented as a list of :class:`BatchItemSchema`; the items are already plain dicts of
    ints, strings and booleans, so they are sent as they are (marshmallow would take ~25 ms
    per 1,000)."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.Nested(BatchItemSchema), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class BatchResultSchema(ma.Schema):
    created = ma.fields.Integer(required=True)
    replayed = ma.fields.Integer(required=True)
    records = PlainItems(required=True)


class VoidSchema(ma.Schema):
    reason = Text(MAX_REASON_LENGTH, min_length=1, required=True)


class CollectionFilters(ma.Schema):
    """The filters of the list and of its totals."""

    recycling_point_id = Id(query=True)
    category = Choice(WasteCategory)
    date_from = ma.fields.Date(data_key="from", metadata={
        "description": "First local day collected (inclusive)."})
    date_to = ma.fields.Date(data_key="to", metadata={
        "description": "Last local day collected (inclusive), not before `from`."})
    voided = ma.fields.Boolean(metadata={
        "description": "true: void records only; false: records that count; absent: both."})
    posted_by_id = Id(query=True, metadata={"description": "The user who posted."})

    @ma.validates_schema
    def _days_in_order(self, data, **_kwargs):
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and last < first:
            raise ma.ValidationError({"to": [DAYS_REVERSED]})


class CollectionQuery(PageArgs, CollectionFilters):
    pass


class TotalSchema(ma.Schema):
    weight_kg = ma.fields.Integer(required=True)
    records = ma.fields.Integer(required=True)


class CategoryTotalsSchema(ma.Schema):
    recyclable = ma.fields.Nested(TotalSchema, required=True)
    hazardous = ma.fields.Nested(TotalSchema, required=True)
    kitchen = ma.fields.Nested(TotalSchema, required=True)
    residual = ma.fields.Nested(TotalSchema, required=True)


class CollectionTotalsSchema(ma.Schema):
    """What :func:`wastesort.metrics.collected.collection_totals` gives (docs/metrics.md)."""

    weight_kg = ma.fields.Integer(required=True, metadata={
        "description": "Sum of weight_kg of the records the filters select."})
    records = ma.fields.Integer(required=True, metadata={
        "description": "How many records the filters select (the list's total_items)."})
    by_category = ma.fields.Nested(CategoryTotalsSchema, required=True)
