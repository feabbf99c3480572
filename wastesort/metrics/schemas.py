"""API shapes of the figures (definitions: docs/metrics.md)."""

import marshmallow as ma

from ..api.fields import Id
from ..enums import FacilityType, WasteCategory
from .capacity import MAX_RANGE_DAYS
from .coverage import LEVELS
from .formulas import CapacityStatus


def _by_category(field_factory) -> type[ma.Schema]:
    name = "ByCategory" + field_factory.__name__.title() + "Schema"
    return type(name, (ma.Schema,), {c.value: field_factory() for c in WasteCategory})


def _one_of(enum_cls) -> ma.fields.String:
    """The metrics functions answer plain strings; the schema documents their vocabulary."""
    return ma.fields.String(required=True, validate=ma.validate.OneOf([m.value for m in enum_cls]))


def _tonnes():
    return ma.fields.Float(required=True)


def _count():
    return ma.fields.Integer(required=True)


def _per_thousand():
    return ma.fields.Float(required=True, allow_none=True)


class CapacityQuery(ma.Schema):
    date_from = ma.fields.Date(data_key="from", metadata={"description": "Default: 29 days "
                                                                        "before ``to``."})
    date_to = ma.fields.Date(data_key="to", metadata={"description": "Default: today (local)."})

    @ma.validates_schema
    def _range(self, data, **_kwargs):
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and last < first:
            raise ma.ValidationError("The range ends before it starts.", "to")
        if first and last and (last - first).days + 1 > MAX_RANGE_DAYS:
            raise ma.ValidationError(f"At most {MAX_RANGE_DAYS} days at once.", "to")


class StreamSchema(ma.Schema):
    category = _one_of(WasteCategory)
    facility_type = _one_of(FacilityType)
    collected_t = _tonnes()
    capacity_t = _count()
    utilisation_percent = ma.fields.Float(required=True, allow_none=True)
    headroom_t = _tonnes()
    status = _one_of(CapacityStatus)


class CapacityDaySchema(ma.Schema):
    day = ma.fields.Date(required=True)
    collected_t = _tonnes()
    by_category_t = ma.fields.Nested(_by_category(_tonnes), required=True)
    capacity_t = _count()
    utilisation_percent = ma.fields.Float(required=True, allow_none=True)
    headroom_t = _tonnes()
    status = _one_of(CapacityStatus)
    streams = ma.fields.List(ma.fields.Nested(StreamSchema), required=True)


class CapacityReportSchema(ma.Schema):
    date_from = ma.fields.Date(data_key="from", required=True)
    date_to = ma.fields.Date(data_key="to", required=True)
    warning_percent = ma.fields.Float(required=True)
    days = ma.fields.List(ma.fields.Nested(CapacityDaySchema), required=True)


class CoverageQuery(ma.Schema):
    level = ma.fields.String(load_default="city", validate=ma.validate.OneOf(LEVELS))
    as_of = ma.fields.Date(metadata={"description": "Default: today (local)."})
    district_id = Id(query=True)
    township_id = Id(query=True)


class CoverageRowSchema(ma.Schema):
    id = ma.fields.Integer(required=True, allow_none=True)
    name = ma.fields.String(required=True)
    name_en = ma.fields.String()
    kind = ma.fields.String()
    district_id = ma.fields.Integer()
    district_name = ma.fields.String()
    township_id = ma.fields.Integer()
    households = _count()
    households_covered = _count()
    coverage_percent = ma.fields.Float(required=True, allow_none=True)
    covered = ma.fields.Boolean(metadata={"description": "Township rows: at or above the "
                                                         "full-coverage threshold."})
    townships = ma.fields.Integer(metadata={"description": "City and district rows."})
    townships_covered = ma.fields.Integer()
    bins = ma.fields.Nested(_by_category(_count), required=True)
    bins_per_1000_households = ma.fields.Nested(_by_category(_per_thousand), required=True)
    recycling_points = _count()


class CoverageReportSchema(ma.Schema):
    level = ma.fields.String(required=True)
    as_of = ma.fields.Date(required=True)
    full_percent = ma.fields.Float(required=True)
    rows = ma.fields.List(ma.fields.Nested(CoverageRowSchema), required=True)
