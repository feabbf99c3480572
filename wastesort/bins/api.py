"""``/api/v1/bins``."""

from flask.views import MethodView

from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from . import service
from .schemas import BinQuery, BinSchema, BinUpdateSchema

blp = Blueprint("bins", __name__, url_prefix="/api/v1/bins",
                description="Sorting bins of the four categories in communities.")


@blp.route("")
class Bins(MethodView):
    @blp.arguments(BinQuery, location="query")
    @blp.response(200, page_of(BinSchema))
    def get(self, args):
        """Bins by id, filtered by community, township, category or status."""
        return paged(service.bins_query, args)

    @blp.arguments(BinSchema)
    @blp.response(201, BinSchema)
    def post(self, data):
        """Add a bin (administrators; street administrators in their township)."""
        return service.create_bin(current_api_user(), data)


@blp.route("/<int:bin_id>")
class BinItem(MethodView):
    @blp.response(200, BinSchema)
    def get(self, bin_id):
        """One bin."""
        return service.get_bin(current_api_user(), bin_id)

    @blp.arguments(BinUpdateSchema)
    @blp.response(200, BinSchema)
    def patch(self, data, bin_id):
        """Change some fields of a bin (e.g. status damaged or removed)."""
        return service.update_bin(current_api_user(), bin_id, data)
