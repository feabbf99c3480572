"""``/api/v1/facilities``."""

from flask.views import MethodView

from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from . import capacity, service
from .schemas import (
    CapacityPeriodSchema,
    FacilityCreateSchema,
    FacilityQuery,
    FacilitySchema,
    FacilityUpdateSchema,
)

blp = Blueprint("facilities", __name__, url_prefix="/api/v1/facilities",
                description="Treatment facilities; active ones make up the city's capacity.")


@blp.route("")
class Facilities(MethodView):
    @blp.arguments(FacilityQuery, location="query")
    @blp.response(200, page_of(FacilitySchema))
    def get(self, args):
        """Facilities by id."""
        return paged(service.facilities_query, args)

    @blp.arguments(FacilityCreateSchema)
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


@blp.route("/<int:facility_id>/capacity")
class FacilityCapacityHistory(MethodView):
    @blp.response(200, CapacityPeriodSchema(many=True))
    def get(self, facility_id):
        """The facility's capacity over time, latest period first: each lasts until the next
        (docs/metrics.md, "Capacity with a history")."""
        return capacity.history(service.get_facility(current_api_user(), facility_id))

    @blp.arguments(CapacityPeriodSchema)
    @blp.response(201, CapacityPeriodSchema)
    def post(self, data, facility_id):
        """Set the capacity from a day on (administrators only): a new line, maintenance
        (0, then the capacity again), a closure, or a planned change ahead of time. A day
        that starts a period already replaces its capacity."""
        return capacity.set_capacity(current_api_user(), facility_id, data)


@blp.delete("/<int:facility_id>/capacity/<int:period_id>")
@blp.response(204)
def remove_planned_capacity(facility_id, period_id):
    """Call off a planned change (one that has not started yet; administrators only)."""
    capacity.remove_planned(current_api_user(), facility_id, period_id)
