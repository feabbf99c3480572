"""``/api/v1/facilities``."""

from flask.views import MethodView

from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from . import service
from .schemas import FacilityQuery, FacilitySchema, FacilityUpdateSchema

blp = Blueprint("facilities", __name__, url_prefix="/api/v1/facilities",
                description="Treatment facilities; active ones make up the city's capacity.")


@blp.route("")
class Facilities(MethodView):
    @blp.arguments(FacilityQuery, location="query")
    @blp.response(200, page_of(FacilitySchema))
    def get(self, args):
        """Facilities by id."""
        return paged(service.facilities_query, args)

    @blp.arguments(FacilitySchema)
    @blp.response(201, FacilitySchema)
    def post(self, data):
        """Add a facility (administrators only)."""
        return service.create_facility(current_api_user(), data)


@blp.route("/<int:facility_id>")
class FacilityItem(MethodView):
    @blp.response(200, FacilitySchema)
    def get(self, facility_id):
        """One facility."""
        return service.get_facility(current_api_user(), facility_id)

    @blp.arguments(FacilityUpdateSchema)
    @blp.response(200, FacilitySchema)
    def patch(self, data, facility_id):
        """Change some fields (administrators only)."""
        return service.update_facility(current_api_user(), facility_id, data)
