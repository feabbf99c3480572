"""API shapes of districts, towns and streets, and communities."""

import marshmallow as ma

from ..api.core import PageArgs
from ..api.fields import Choice, Id, Text
from .models import TownshipKind


class DistrictSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(dump_only=True, metadata={"description": "National division code."})
    name = ma.fields.String(dump_only=True)
    name_en = ma.fields.String(dump_only=True)


class TownshipSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    district_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(dump_only=True)
    kind = Choice(TownshipKind, dump_only=True, metadata={"description": "town (镇) or street "
                                                                         "(街道)"})


class TownshipQuery(PageArgs):
    kind = Choice(TownshipKind)
    district_id = Id(query=True)


class CommunitySchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    township_id = Id(required=True)
    name = Text(60, min_length=1, required=True)


class CommunityUpdateSchema(ma.Schema):
    name = Text(60, min_length=1, required=True)


class CommunityQuery(PageArgs):
    township_id = Id(query=True)
    district_id = Id(query=True)
    name = Text(60, metadata={"description": "Part of the name."})
