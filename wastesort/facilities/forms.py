"""The treatment-facility form (HTML); the rules stay in facilities/service.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
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
