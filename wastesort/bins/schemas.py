"""API shapes of sorting bins."""

import marshmallow as ma

from ..api.core import PageArgs
from ..api.fields import Choice, Id, Int, Text, all_optional
from ..enums import WasteCategory
from .models import BinStatus
from .service import MAX_CAPACITY_L


class BinSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    community_id = Id(required=True)
    serial = Text(32, min_length=1, required=True, metadata={"description": "Unique."})
    category = Choice(WasteCategory, required=True)
    capacity_l = Int(1, MAX_CAPACITY_L, required=True)
    status = Choice(BinStatus)


BinUpdateSchema = all_optional(BinSchema, "BinUpdateSchema")


class BinQuery(PageArgs):
    community_id = Id(query=True)
    township_id = Id(query=True)
    category = Choice(WasteCategory)
    status = Choice(BinStatus)
