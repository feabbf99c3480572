"""``/api/v1/bin-tasks``: report a bin problem (idempotent), list and read tasks, and the
administrator's steps (acknowledge, resolve, reject)."""

from flask import request
from flask.views import MethodView

from .. import storage
from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from . import reporting, service
from .schemas import (
    BinReportInSchema,
    BinReportKeyHeader,
    BinReportOutSchema,
    BinTaskQuery,
    BinTaskSchema,
    BinTaskWithReportsSchema,
    RejectSchema,
    ResolveSchema,
)

blp = Blueprint("bin_tasks", __name__, url_prefix="/api/v1/bin-tasks",
                description="Bin problems (full, damaged, dirty, missing) and the task each "
                            "opens for the administrator of the bin's town or street: one open "
                            "task per bin and kind, due by kind, overdue after that.")

PICTURE = {"schema": {"type": "string", "format": "binary"}}


@blp.before_request
def _room_for_a_photo():
    """A report may carry a photo in base64, larger than MAX_CONTENT_LENGTH allows."""
    if request.endpoint == "bin_tasks.post_report":
        request.max_content_length = storage.photo_body_limit(1)


class _Answer:
    """A stored report with what the answer adds: its task, and whether it joined one."""

    def __init__(self, outcome: reporting.Outcome):
        self._report, self.joined = outcome.report, outcome.joined
        self.task = outcome.report.task

    def __getattr__(self, name):
        return getattr(self._report, name)


@blp.route("")
class BinTasks(MethodView):
    @blp.arguments(BinTaskQuery, location="query")
    @blp.response(200, page_of(BinTaskSchema))
    def get(self, args):
        """Visible tasks by due time, the most overdue first (street administrators and
        inspectors: their town's or street's; point staff: their point's community's;
        managers and administrators: all)."""
        return paged(lambda caller, **filters: service.with_places(
            service.tasks_query(caller, **filters)), args)


@blp.post("/reports")
@blp.arguments(BinReportInSchema)
@blp.arguments(BinReportKeyHeader, location="headers")
@blp.response(201, BinReportOutSchema, description="Stored: it opened a task or joined one.")
@blp.alt_response(200, schema=BinReportOutSchema, success=True,
                  description="A retry: the report stored the first time with this key.")
def post_report(data, headers):
    """Report a bin as full, damaged, dirty or missing (by id or serial number). The first
    report of a problem opens a task for the administrator of the bin's town or street; while
    that task is open or acknowledged, a report of the same problem joins it. Staff report
    the bins of their point's community, inspectors and street administrators those of their
    town or street (elsewhere: 403), administrators any."""
    data = dict(data)
    data["photo"] = data.pop("photo_base64", None)
    outcome = reporting.report_problem(current_api_user(), data,
                                       headers.get("idempotency_key"))
    return _Answer(outcome), 201 if outcome.created else 200


@blp.get("/<int:task_id>")
@blp.response(200, BinTaskWithReportsSchema)
def get_task(task_id):
    """One task with its reports."""
    return service.get_task(current_api_user(), task_id, with_reports=True)


@blp.post("/<int:task_id>/acknowledge")
@blp.response(200, BinTaskSchema)
def acknowledge(task_id):
    """The administrator is on it (an open task only; a damaged or missing bin goes out of
    service). Another step first: 409."""
    return service.acknowledge(current_api_user(), task_id)


@blp.post("/<int:task_id>/resolve")
@blp.arguments(ResolveSchema)
@blp.response(200, BinTaskSchema)
def resolve(data, task_id):
    """Dealt with (an open or acknowledged task): a damaged or missing bin back in service, or
    removed with ``bin_removed``. Of two resolutions at once one wins, the other is a 409."""
    return service.resolve(current_api_user(), task_id, data.get("note"),
                           data.get("bin_removed", False))


@blp.post("/<int:task_id>/reject")
@blp.arguments(RejectSchema)
@blp.response(200, BinTaskSchema)
def reject(data, task_id):
    """Not a problem after all, with a reason (an open or acknowledged task)."""
    return service.reject(current_api_user(), task_id, data["reason"])


@blp.get("/<int:task_id>/reports/<int:report_id>/photo")
@blp.doc(responses={"200": {"description": "The picture, with the type found at upload.",
                            "content": {"image/jpeg": PICTURE, "image/png": PICTURE,
                                        "image/webp": PICTURE}}})
def report_photo(task_id, report_id):
    """A report's photo, for readers of its task (404 otherwise)."""
    return reporting.report_photo(current_api_user(), task_id, report_id)

