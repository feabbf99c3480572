"""``/api/v1/collections``: post (idempotent), batch, void, read."""

from flask.views import MethodView

from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from . import service
from .schemas import (
    BatchResultSchema,
    BatchSchema,
    CollectionInSchema,
    CollectionQuery,
    CollectionSchema,
    IdempotencyHeader,
    VoidSchema,
)

blp = Blueprint("collections", __name__, url_prefix="/api/v1/collections",
                description="Daily tonnage posted by recycling points; voided, never deleted.")


@blp.route("")
class Collections(MethodView):
    @blp.arguments(CollectionQuery, location="query")
    @blp.response(200, page_of(CollectionSchema))
    def get(self, args):
        """Visible collections, newest first (point staff: their point's)."""
        return paged(service.collections_query, args)

    @blp.arguments(CollectionInSchema)
    @blp.arguments(IdempotencyHeader, location="headers")
    @blp.response(201, CollectionSchema, description="Stored.")
    @blp.alt_response(200, schema=CollectionSchema, success=True,
                      description="A retry: the record stored the first time with this key.")
    def post(self, data, headers):
        """Post one collection; with ``Idempotency-Key`` a retry never counts twice (another
        body under the same key is a 409)."""
        row, created = service.post_collection(current_api_user(), data,
                                               headers.get("idempotency_key"))
        return row, 201 if created else 200


@blp.post("/batch")
@blp.arguments(BatchSchema)
@blp.response(200, BatchResultSchema)
def post_batch(data):
    """Post up to COLLECTION_BATCH_MAX records, each with its own idempotency key; all or
    nothing (errors by record index); records already stored are answered, not repeated."""
    outcomes = service.post_batch(current_api_user(), data["records"])
    created = sum(1 for outcome in outcomes if outcome.created)
    return {"created": created, "replayed": len(outcomes) - created,
            "records": [{"index": i, "id": o.id, "idempotency_key": o.idempotency_key,
                         "created": o.created} for i, o in enumerate(outcomes)]}


@blp.get("/<int:collection_id>")
@blp.response(200, CollectionSchema)
def get_collection(collection_id):
    """One collection."""
    return service.get_collection(current_api_user(), collection_id)


@blp.post("/<int:collection_id>/void")
@blp.arguments(VoidSchema)
@blp.response(200, CollectionSchema)
def void_collection(data, collection_id):
    """Void a collection with a reason (a correction: post the right one afterwards)."""
    return service.void_collection(current_api_user(), collection_id, data["reason"])
