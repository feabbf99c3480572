"""``/api/v1/households``."""

from flask.views import MethodView

from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from . import service
from .schemas import HouseholdQuery, HouseholdSchema, HouseholdUpdateSchema

blp = Blueprint("households", __name__, url_prefix="/api/v1/households",
                description="Households by address (no names), covered from sorting_since.")


@blp.route("")
class Households(MethodView):
    @blp.arguments(HouseholdQuery, location="query")
    @blp.response(200, page_of(HouseholdSchema))
    def get(self, args):
        """Households by id, filtered by community, township, district or coverage."""
        return paged(service.households_query, args, service.count_households)

    @blp.arguments(HouseholdSchema)
    @blp.response(201, HouseholdSchema)
    def post(self, data):
        """Register a household (administrators; street administrators in their township)."""
        return service.create_household(current_api_user(), data)


@blp.route("/<int:household_id>")
class HouseholdItem(MethodView):
    @blp.response(200, HouseholdSchema)
    def get(self, household_id):
        """One household."""
        return service.get_household(current_api_user(), household_id)

    @blp.arguments(HouseholdUpdateSchema)
    @blp.response(200, HouseholdSchema)
    def patch(self, data, household_id):
        """Change some fields of a household."""
        return service.update_household(current_api_user(), household_id, data)
