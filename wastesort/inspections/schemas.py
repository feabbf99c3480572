"""API shapes of inspections: one posting, a batch, a void, a photo, and an inspection as
stored. The counts' rules beyond their shapes (sorted at most seen, …) are the service's."""

import base64
import binascii

import marshmallow as ma
from flask import url_for
from flask_babel import lazy_gettext as _l

from ..api.core import PageArgs
from ..api.fields import INTEGER_MESSAGES, MESSAGES, Id, Text
from ..timeutil import city_zone
from .service import MAX_COUNT, MAX_KEY_LENGTH, MAX_NOTES_LENGTH, MAX_REASON_LENGTH

DATETIME_MESSAGES = {
    **MESSAGES,
    "invalid": [_l("Enter a date and time (2026-11-30T09:30:00+08:00).")],
    "invalid_awareness": [_l("Give the time with its offset (+08:00 in the city).")],
    "format": [_l("Enter a date and time (2026-11-30T09:30:00+08:00).")],
}


class CityDateTime(ma.fields.AwareDateTime):
    """An instant with its offset; answered in the city's time (``+08:00``)."""

    def __init__(self, **kwargs):
        super().__init__(error_messages=DATETIME_MESSAGES, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.astimezone(city_zone())
        return super()._serialize(value, attr, obj, **kwargs)


# the service's message (a count's range is also a rule of the service, for the pages)
COUNT_RANGE = _l("Enter a whole number from 0 to %(max)s.", max=f"{MAX_COUNT:,}")


def _count(description: str, **kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(0, MAX_COUNT,
                                                                     error=COUNT_RANGE),
                             error_messages=INTEGER_MESSAGES,
                             metadata={"description": description}, **kwargs)


class InspectionFields(ma.Schema):
    community_id = Id(required=True)
    recycling_point_id = Id(allow_none=True, load_default=None, metadata={
        "description": "A recycling point of that community, if the inspection was at one."})
    sorting_bin_id = Id(allow_none=True, load_default=None, metadata={
        "description": "A bin of that community, if one bin was inspected (not with a point)."})
    inspected_at = CityDateTime(required=True, metadata={
        "description": "When, with its offset; its day in the city is ``inspected_on``. Not in "
                       "the future, not older than INSPECTION_BACKDATE_DAYS (admins excepted)."})
    households_seen = _count("Households seen putting out waste.", required=True)
    households_sorted = _count("Of those, households that put it out sorted (participation).",
                               required=True)
    items_inspected = _count("Bags or bins checked.", required=True)
    items_correct = _count("Of those, sorted correctly (accuracy).", required=True)
    contaminated_recyclable = _count("Recyclable bags or bins holding other waste.",
                                     load_default=0)
    contaminated_hazardous = _count("Hazardous-waste bags or bins holding other waste.",
                                    load_default=0)
    contaminated_kitchen = _count("Kitchen-waste bags or bins holding other waste.",
                                  load_default=0)
    contaminated_residual = _count("Residual-waste bags or bins holding other waste. Together "
                                   "the four are at most items_inspected - items_correct.",
                                   load_default=0)
    notes = Text(MAX_NOTES_LENGTH, allow_none=True, load_default=None,
                 metadata={"description": "Optional, one paragraph."})


class InspectionInSchema(InspectionFields):
    """One posting."""


class InspectionKeyHeader(ma.Schema):
    idempotency_key = Text(MAX_KEY_LENGTH, min_length=1, data_key="Idempotency-Key", metadata={
        "description": "Makes a retry safe: the same key and body answer the first inspection; "
                       "the same key with another body is a 409. Keys are the caller's own "
                       "(unique per user), so any random key (a UUID) will do."})


class BatchInspectionSchema(InspectionInSchema):
    idempotency_key = Text(MAX_KEY_LENGTH, min_length=1, required=True, metadata={
        "description": "As the Idempotency-Key header of a single posting (unique per user, "
                       "so a batch sent twice counts once)."})


class InspectionBatchSchema(ma.Schema):
    records = ma.fields.List(ma.fields.Nested(BatchInspectionSchema), required=True,
                             validate=ma.validate.Length(min=1), metadata={
                                 "description": "At most INSPECTION_BATCH_MAX (default 200)."})


class InspectionBatchItemSchema(ma.Schema):
    index = ma.fields.Integer(required=True)
    id = ma.fields.Integer(required=True)
    idempotency_key = ma.fields.String(required=True)
    created = ma.fields.Boolean(required=True, metadata={
        "description": "False when this caller stored the key before (a resent batch)."})


class InspectionBatchResultSchema(ma.Schema):
    created = ma.fields.Integer(required=True)
    replayed = ma.fields.Integer(required=True)
    records = ma.fields.List(ma.fields.Nested(InspectionBatchItemSchema), required=True)


class InspectionPhotoSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    content_type = ma.fields.String(required=True, metadata={
        "description": "image/jpeg, image/png or image/webp, as found in the file itself."})
    size_bytes = ma.fields.Integer(required=True)
    uploaded_at = CityDateTime(required=True)
    url = ma.fields.Method("_url", required=True, metadata={
        "description": "Where the picture is served (to readers of the inspection only)."})

    def _url(self, photo) -> str:
        return url_for("inspections.photo_file", inspection_id=photo.inspection_id,
                       photo_id=photo.id)


class InspectionSchema(InspectionFields):
    id = ma.fields.Integer(dump_only=True)
    inspected_on = ma.fields.Date(dump_only=True, metadata={
        "description": "The local day of ``inspected_at`` in the city."})
    inspector_id = ma.fields.Integer(dump_only=True, metadata={
        "description": "The user who posted it."})
    posted_at = CityDateTime(dump_only=True)
    idempotency_key = ma.fields.String(dump_only=True)
    voided = ma.fields.Boolean(dump_only=True)
    void_reason = ma.fields.String(dump_only=True, allow_none=True)
    voided_at = CityDateTime(dump_only=True, allow_none=True)
    voided_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    photos = ma.fields.List(ma.fields.Nested(InspectionPhotoSchema), dump_only=True)


class InspectionVoidSchema(ma.Schema):
    reason = Text(MAX_REASON_LENGTH, min_length=1, required=True)


class Base64Bytes(ma.fields.String):
    """Bytes sent as base64 text (RFC 4648, with padding), decoded strictly."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ma.ValidationError([_l("Send the picture as base64 text.")]) from None


class InspectionPhotoUploadSchema(ma.Schema):
    photo_base64 = Base64Bytes(required=True, error_messages={
        **MESSAGES, "invalid": [_l("Send the picture as base64 text.")]}, metadata={
        "description": "The picture's bytes in base64: a JPEG, PNG or WebP (judged by its "
                       "content), at most PHOTO_MAX_BYTES (default 5,000,000) decoded."})


class InspectionQuery(PageArgs):
    community_id = Id(query=True)
    township_id = Id(query=True)
    district_id = Id(query=True)
    inspector_id = Id(query=True)
    recycling_point_id = Id(query=True)
    sorting_bin_id = Id(query=True)
    date_from = ma.fields.Date(data_key="from", metadata={"description": "inspected_on from."})
    date_to = ma.fields.Date(data_key="to", metadata={"description": "inspected_on up to."})
    voided = ma.fields.Boolean()
