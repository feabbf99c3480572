"""``/api/v1/inspections``: post (idempotent), batch, void, read, and the photos."""

from flask import request
from flask.views import MethodView
from sqlalchemy.orm import selectinload

from .. import storage
from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from . import photos, service
from .models import Inspection
from .schemas import (
    InspectionBatchResultSchema,
    InspectionBatchSchema,
    InspectionInSchema,
    InspectionKeyHeader,
    InspectionPhotoSchema,
    InspectionPhotoUploadSchema,
    InspectionQuery,
    InspectionSchema,
    InspectionVoidSchema,
)

blp = Blueprint("inspections", __name__, url_prefix="/api/v1/inspections",
                description="Sorting inspections by inspectors (督导员): participation, "
                            "accuracy and contamination seen where communities put out their "
                            "waste; voided, never deleted.")

PICTURE = {"schema": {"type": "string", "format": "binary"}}


@blp.before_request
def _room_for_a_photo():
    """A photo in base64 is larger than MAX_CONTENT_LENGTH allows: its upload alone gets the
    room of one photo (set before anything reads the body)."""
    if request.endpoint == "inspections.attach_photo":
        request.max_content_length = storage.photo_body_limit(1)


def _with_photos(query_function):
    def query(caller, **filters):
        return query_function(caller, **filters).options(selectinload(Inspection.photos))
    return query


@blp.route("")
class Inspections(MethodView):
    @blp.arguments(InspectionQuery, location="query")
    @blp.response(200, page_of(InspectionSchema))
    def get(self, args):
        """Visible inspections, newest first (inspectors and street administrators: their
        town's or street's; managers and administrators: all)."""
        return paged(_with_photos(service.inspections_query), args)

    @blp.arguments(InspectionInSchema)
    @blp.arguments(InspectionKeyHeader, location="headers")
    @blp.response(201, InspectionSchema, description="Stored.")
    @blp.alt_response(200, schema=InspectionSchema, success=True,
                      description="A retry: the inspection stored the first time with this key.")
    def post(self, data, headers):
        """Post one inspection; with ``Idempotency-Key`` a retry never counts twice (another
        body under the same key is a 409). Inspectors and street administrators post in their
        own town or street (elsewhere: 403), administrators anywhere."""
        row, created = service.post_inspection(current_api_user(), data,
                                               headers.get("idempotency_key"))
        return row, 201 if created else 200


@blp.post("/batch")
@blp.arguments(InspectionBatchSchema)
@blp.response(200, InspectionBatchResultSchema)
def post_batch(data):
    """Post up to INSPECTION_BATCH_MAX inspections (an offline day), each with its own
    idempotency key; all or nothing (errors by record index); records already stored are
    answered, not repeated."""
    outcomes = service.post_batch(current_api_user(), data["records"])
    created = sum(1 for outcome in outcomes if outcome.created)
    return {"created": created, "replayed": len(outcomes) - created,
            "records": [{"index": i, "id": o.id, "idempotency_key": o.idempotency_key,
                         "created": o.created} for i, o in enumerate(outcomes)]}


@blp.get("/<int:inspection_id>")
@blp.response(200, InspectionSchema)
def get_inspection(inspection_id):
    """One inspection, with its photos."""
    return service.get_inspection(current_api_user(), inspection_id)


@blp.post("/<int:inspection_id>/void")
@blp.arguments(InspectionVoidSchema)
@blp.response(200, InspectionSchema)
def void_inspection(data, inspection_id):
    """Void an inspection with a reason (a correction: post the right one afterwards).
    Inspectors void their own, street administrators those of their town or street."""
    return service.void_inspection(current_api_user(), inspection_id, data["reason"])


@blp.post("/<int:inspection_id>/photos")
@blp.arguments(InspectionPhotoUploadSchema)
@blp.response(201, InspectionPhotoSchema, description="Attached.")
@blp.alt_response(200, schema=InspectionPhotoSchema, success=True,
                  description="The same picture was attached to this inspection before.")
def attach_photo(data, inspection_id):
    """Attach a photo (base64 in JSON; JPEG, PNG or WebP by its content, at most
    PHOTO_MAX_BYTES). The same picture sent again answers the first (200)."""
    photo, created = photos.attach_photo(current_api_user(), inspection_id,
                                         data["photo_base64"])
    return photo, 201 if created else 200


@blp.get("/<int:inspection_id>/photos/<int:photo_id>")
@blp.doc(responses={"200": {"description": "The picture, with the type found at upload.",
                            "content": {"image/jpeg": PICTURE, "image/png": PICTURE,
                                        "image/webp": PICTURE}}})
def photo_file(inspection_id, photo_id):
    """A photo of an inspection the caller may read (404 otherwise)."""
    return photos.photo_file(current_api_user(), inspection_id, photo_id)
