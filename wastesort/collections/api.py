"""``/api/v1/collections``: post (idempotent), batch, void, read, and a filter's totals."""

from flask.views import MethodView

from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from ..metrics.collected import collection_totals
from . import service
from .schemas import (
    BatchResultSchema,
    BatchSchema,
    CollectionFilters,
    CollectionInSchema,
    CollectionQuery,
    CollectionSchema,
    CollectionTotalsSchema,
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
        """Visible collections, latest day first, within a day the latest posted (point
        staff: their point's; a street administrator's: their town's or street's points')."""
        return paged(service.collections_query, args, _count)

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


def _count(user, **filters) -> int:
    """The list's total from its totals: the daily tonnage's count where it answers."""
    return collection_totals(user, **filters).records


@blp.get("/totals")
@blp.arguments(CollectionFilters, location="query")
@blp.response(200, CollectionTotalsSchema)
def totals(args):
    """kg and records of the collections the filters select, by category and in all (the
    list's filters; docs/metrics.md). Pass ``voided=false`` for the tonnage that counts."""
    found = collection_totals(current_api_user(), **args)
    return {"weight_kg": found.weight_kg, "records": found.records,
            "by_category": {c.value: {"weight_kg": t.weight_kg, "records": t.records}
                            for c, t in found.by_category.items()}}


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
    """Void a collection with a reason (a correction: post the right one afterwards). Point
    staff their point's, within the back-dating window; street administrators their town's
    or street's, of any day; administrators any. Another's is 403, a void record 409."""
    return service.void_collection(current_api_user(), collection_id, data["reason"])
