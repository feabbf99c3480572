"""API shapes of households."""

import marshmallow as ma

from ..api.core import PageArgs
from ..api.fields import Id, Int, Text, all_optional
from .service import MAX_MEMBERS


class HouseholdSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    community_id = Id(required=True)
    code = Text(32, min_length=1, required=True,
                metadata={"description": "Unique city-wide."})
    building = Text(20)
    unit = Text(10)
    room = Text(10)
    members = Int(1, MAX_MEMBERS)
    sorting_since = ma.fields.Date(allow_none=True, metadata={
        "description": "Local date the household joined sorting; null while not covered."})


HouseholdUpdateSchema = all_optional(HouseholdSchema, "HouseholdUpdateSchema")


class HouseholdQuery(PageArgs):
    community_id = Id(query=True)
    township_id = Id(query=True)
    district_id = Id(query=True)
    covered = ma.fields.Boolean(metadata={"description": "Sorting on ``as_of`` (or not)."})
    as_of = ma.fields.Date(metadata={"description": "Day ``covered`` refers to; default today."})
