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


class FacilityQuery(PageArgs):
    facility_type = Choice(FacilityType)
    district_id = Id(query=True)
    active = ma.fields.Boolean()
