"""``/api/v1/districts``, ``/townships`` (read only) and ``/communities``."""

from flask.views import MethodView

from ..api.auth import current_api_user
from ..api.core import Blueprint, PageArgs, page_of, paged
from . import service
from .schemas import (
    CommunityQuery,
    CommunitySchema,
    CommunityUpdateSchema,
    DistrictSchema,
    TownshipQuery,
    TownshipSchema,
)

blp = Blueprint("areas", __name__, url_prefix="/api/v1",
                description="Districts, towns and streets (read only), and communities.")


@blp.get("/districts")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(DistrictSchema))
def list_districts(args):
    """Districts by code (a street administrator sees its own)."""
    return paged(service.districts_query, args)


@blp.get("/districts/<int:district_id>")
@blp.response(200, DistrictSchema)
def get_district(district_id):
    """One district."""
    return service.get_district(current_api_user(), district_id)


@blp.get("/townships")
@blp.arguments(TownshipQuery, location="query")
@blp.response(200, page_of(TownshipSchema))
def list_townships(args):
    """Towns and streets by district and name, filtered by ``kind`` and ``district_id``."""
    return paged(service.townships_query, args)


@blp.get("/townships/<int:township_id>")
@blp.response(200, TownshipSchema)
def get_township(township_id):
    """One town or street."""
    return service.get_township(current_api_user(), township_id)


@blp.route("/communities")
class Communities(MethodView):
    @blp.arguments(CommunityQuery, location="query")
    @blp.response(200, page_of(CommunitySchema))
    def get(self, args):
        """Communities by township and name."""
        return paged(service.communities_query, args)

    @blp.arguments(CommunitySchema)
    @blp.response(201, CommunitySchema)
    def post(self, data):
        """Add a community to a township (administrators; street administrators in their own)."""
        return service.create_community(current_api_user(), data)


@blp.route("/communities/<int:community_id>")
class CommunityItem(MethodView):
    @blp.response(200, CommunitySchema)
    def get(self, community_id):
        """One community."""
        return service.get_community(current_api_user(), community_id)

    @blp.arguments(CommunityUpdateSchema)
    @blp.response(200, CommunitySchema)
    def patch(self, data, community_id):
        """Rename a community."""
        return service.update_community(current_api_user(), community_id, data)
