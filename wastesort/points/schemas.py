"""API shapes of recycling points."""

import marshmallow as ma

from ..api.core import PageArgs
from ..api.fields import Bool, Choice, Id, Number, Text, all_optional
from .models import PointKind


class PointSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    township_id = Id(required=True)
    community_id = Id(allow_none=True, metadata={"description": "Inside the township."})
    name = Text(80, min_length=1, required=True)
    kind = Choice(PointKind, required=True)
    latitude = Number(allow_none=True, validate=ma.validate.Range(-90, 90))
    longitude = Number(allow_none=True, validate=ma.validate.Range(-180, 180))
    active = Bool()


PointUpdateSchema = all_optional(PointSchema, "PointUpdateSchema")


class PointQuery(PageArgs):
    township_id = Id(query=True)
    community_id = Id(query=True)
    active = ma.fields.Boolean()
    kind = Choice(PointKind)
