"""API shapes of bin problems: a report as sent and as stored, a task, the steps' bodies and
the list's filters. The rules beyond shapes (scope, one open task per bin and kind, the
steps' order) are the service's."""

import marshmallow as ma
from flask import url_for

from ..api.core import PageArgs
from ..api.fields import Bool, Choice, Id, Text
from ..idempotency import MAX_KEY_LENGTH
from ..inspections.schemas import Base64Bytes, CityDateTime
from ..timeutil import utcnow
from .models import ACTIVE, BinProblemKind, BinTaskStatus
from .service import MAX_NOTE_LENGTH, MAX_REASON_LENGTH


class BinReportInSchema(ma.Schema):
    sorting_bin_id = Id(metadata={"description": "The bin; or give its ``serial`` instead."})
    serial = Text(32, min_length=1, metadata={
        "description": "The serial number on the bin, when ``sorting_bin_id`` is not given."})
    kind = Choice(BinProblemKind, required=True, metadata={
        "description": "full, damaged, dirty or missing: the task is due BIN_TASK_DUE_HOURS "
                       "of this kind after it opens."})
    note = Text(MAX_NOTE_LENGTH, allow_none=True, load_default=None)
    inspection_id = Id(allow_none=True, load_default=None, metadata={
        "description": "The inspection this was seen at (of the bin's community), if any: an "
                       "inspection may report several problems, each a report of its own."})
    photo_base64 = Base64Bytes(allow_none=True, load_default=None, metadata={
        "description": "An optional picture in base64: a JPEG, PNG or WebP (judged by its "
                       "content), at most PHOTO_MAX_BYTES decoded."})


class BinReportKeyHeader(ma.Schema):
    idempotency_key = Text(MAX_KEY_LENGTH, min_length=1, data_key="Idempotency-Key", metadata={
        "description": "Makes a retry safe: the same key and body answer the first report; "
                       "the same key with another body is a 409. Keys are the caller's own."})


class BinTaskSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    sorting_bin_id = ma.fields.Integer(required=True)
    serial = ma.fields.Function(lambda task: task.sorting_bin.serial, required=True)
    community_id = ma.fields.Function(lambda task: task.sorting_bin.community_id,
                                      required=True)
    township_id = ma.fields.Integer(required=True, metadata={
        "description": "The town or street whose administrator handles the task."})
    kind = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={
        "description": "open, acknowledged, resolved or rejected."})
    overdue = ma.fields.Function(
        lambda task: task.status in ACTIVE and task.due_at < utcnow(), required=True,
        metadata={"description": "Open or acknowledged after its due time (escalated)."})
    opened_at = CityDateTime(required=True)
    due_at = CityDateTime(required=True)
    opened_by_id = ma.fields.Integer(required=True)
    acknowledged_at = CityDateTime(allow_none=True)
    acknowledged_by_id = ma.fields.Integer(allow_none=True)
    closed_at = CityDateTime(allow_none=True, metadata={"description": "Resolved or rejected."})
    closed_by_id = ma.fields.Integer(allow_none=True)
    minutes_to_close = ma.fields.Integer(allow_none=True)
    resolution_note = ma.fields.String(allow_none=True)
    reject_reason = ma.fields.String(allow_none=True)
    bin_taken_out_of_service = ma.fields.Boolean(required=True)
    bin_removed = ma.fields.Boolean(required=True)


class BinReportSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    task_id = ma.fields.Integer(required=True)
    reported_by_id = ma.fields.Integer(required=True)
    reported_at = CityDateTime(required=True)
    note = ma.fields.String(allow_none=True)
    inspection_id = ma.fields.Integer(allow_none=True)
    idempotency_key = ma.fields.String(required=True)
    photo_url = ma.fields.Method("_photo_url", allow_none=True, metadata={
        "description": "Where the picture is served (to readers of the task only)."})

    def _photo_url(self, report) -> str | None:
        if report.photo_storage_name is None:
            return None
        return url_for("bin_tasks.report_photo", task_id=report.task_id, report_id=report.id)


class BinTaskWithReportsSchema(BinTaskSchema):
    reports = ma.fields.List(ma.fields.Nested(BinReportSchema), required=True)


class BinReportOutSchema(BinReportSchema):
    joined = ma.fields.Boolean(required=True, metadata={
        "description": "True when the problem had an open task, which this report joined."})
    task = ma.fields.Nested(BinTaskSchema, required=True)


class ResolveSchema(ma.Schema):
    note = Text(MAX_NOTE_LENGTH, allow_none=True, load_default=None)
    bin_removed = Bool(load_default=False, metadata={
        "description": "A damaged or missing bin was taken away rather than repaired or "
                       "replaced: its status becomes removed (else: in service)."})


class RejectSchema(ma.Schema):
    reason = Text(MAX_REASON_LENGTH, min_length=1, required=True)


class BinTaskQuery(PageArgs):
    status = Choice(BinTaskStatus)
    active = ma.fields.Boolean(metadata={"description": "Open or acknowledged."})
    overdue = ma.fields.Boolean(metadata={
        "description": "Open or acknowledged past the due time (escalated)."})
    kind = Choice(BinProblemKind)
    sorting_bin_id = Id(query=True)
    community_id = Id(query=True)
    township_id = Id(query=True)
    district_id = Id(query=True)
