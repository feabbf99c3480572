"""``/api/v1/recycling-points``."""

from flask.views import MethodView

from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from . import service
from .schemas import PointQuery, PointSchema, PointUpdateSchema

blp = Blueprint("recycling-points", __name__, url_prefix="/api/v1/recycling-points",
                description="Staffed recycling stations and kiosks.")


@blp.route("")
class Points(MethodView):
    @blp.arguments(PointQuery, location="query")
    @blp.response(200, page_of(PointSchema))
    def get(self, args):
        """Points by id (point staff: their own)."""
        return paged(service.points_query, args)

    @blp.arguments(PointSchema)
    @blp.response(201, PointSchema)
    def post(self, data):
        """Add a point (administrators; street administrators in their township)."""
        return service.create_point(current_api_user(), data)


@blp.route("/<int:point_id>")
class PointItem(MethodView):
    @blp.response(200, PointSchema)
    def get(self, point_id):
        """One point."""
        return service.get_point(current_api_user(), point_id)

    @blp.arguments(PointUpdateSchema)
    @blp.response(200, PointSchema)
    def patch(self, data, point_id):
        """Change some fields; ``active: false`` stops postings for the point."""
        return service.update_point(current_api_user(), point_id, data)
