"""API shapes of treatment facilities."""

import marshmallow as ma

from ..api.core import PageArgs
from ..api.fields import Bool, Choice, Id, Int, Text, all_optional
from ..enums import FacilityType
from .service import MAX_CAPACITY_T_PER_DAY


class FacilitySchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = Text(100, min_length=1, required=True)
    district_id = Id(required=True)
    facility_type = Choice(FacilityType, required=True)
    capacity_t_per_day = Int(1, MAX_CAPACITY_T_PER_DAY, required=True,
                             metadata={"description": "Whole tonnes per day."})
    active = Bool()


FacilityUpdateSchema = all_optional(FacilitySchema, "FacilityUpdateSchema")


class FacilityCreateSchema(FacilitySchema):
    in_service_from = ma.fields.Date(load_only=True, metadata={
        "description": "The first local day its capacity counts (today when left out); "
                       "later changes: /facilities/{id}/capacity."})


class CapacityPeriodSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    effective_from = ma.fields.Date(required=True, metadata={
        "description": "The first local day of this capacity; it lasts until the next "
                       "period. A day after today is a planned change."})
    capacity_t_per_day = Int(0, MAX_CAPACITY_T_PER_DAY, required=True, metadata={
        "description": "Whole tonnes per day; 0 while closed (maintenance, a closure)."})
    note = Text(200, allow_none=True)
    created_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class FacilityQuery(PageArgs):
    facility_type = Choice(FacilityType)
    district_id = Id(query=True)
    active = ma.fields.Boolean()
