"""The treatment-facility form (HTML); the rules stay in facilities/service.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import Optional

from ..enums import FacilityType
from ..pages import optional_int

TYPE_LABELS = {
    FacilityType.INCINERATION: _l("incineration"),
    FacilityType.KITCHEN_WASTE: _l("kitchen-waste treatment"),
    FacilityType.HAZARDOUS_WASTE: _l("hazardous-waste treatment"),
    FacilityType.RECYCLABLES_SORTING: _l("recyclables sorting"),
    FacilityType.OTHER: _l("other"),
    FacilityType.LANDFILL: _l("sanitary landfill"),
}


class FacilityForm(FlaskForm):
    name = StringField(_l("Name"))
    district_id = SelectField(_l("District"), coerce=optional_int, choices=[],
                              validate_choice=False)
    facility_type = SelectField(_l("Type"), choices=[], validate_choice=False)
    capacity_t_per_day = IntegerField(_l("Capacity (t/day)"), validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": 1})
    active = BooleanField(_l("Active (counts towards the city's capacity)"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.facility_type.choices = [(t.value, str(TYPE_LABELS[t])) for t in FacilityType]

    def data_for_service(self) -> dict:
        return {"name": self.name.data, "district_id": self.district_id.data,
                "facility_type": self.facility_type.data,
                "capacity_t_per_day": self.capacity_t_per_day.data,
                "active": bool(self.active.data)}


class NewFacilityForm(FacilityForm):
    in_service_from = DateField(_l("In service since (its capacity counts from this day)"),
                                validators=[Optional()])

    def data_for_service(self) -> dict:
        return {**super().data_for_service(), "in_service_from": self.in_service_from.data}


class CapacityForm(FlaskForm):
    """A capacity from a day on: a new line, maintenance (0), a closure, a planned change."""

    effective_from = DateField(_l("From (first day)"), validators=[Optional()])
    capacity_t_per_day = IntegerField(_l("Capacity (t/day; 0 while closed)"),
                                      validators=[Optional()],
                                      render_kw={"inputmode": "numeric", "min": 0})
    note = StringField(_l("Note (optional)"))

    def data_for_service(self) -> dict:
        return {"effective_from": self.effective_from.data,
                "capacity_t_per_day": self.capacity_t_per_day.data, "note": self.note.data}
