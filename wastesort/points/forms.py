"""The recycling-point form (HTML); the rules stay in points/service.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, SelectField, StringField
from wtforms.validators import Optional

from ..pages import optional_int
from ..picker import PickerField
from .models import PointKind

KIND_LABELS = {PointKind.STATION: _l("staffed station"),
               PointKind.KIOSK: _l("intelligent recycling kiosk")}


class PointForm(FlaskForm):
    township_id = SelectField(_l("Town or street"), coerce=optional_int, choices=[],
                              validate_choice=False)
    community_id = PickerField(_l("Community (optional)"), kind="communities")
    name = StringField(_l("Name"))
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    latitude = DecimalField(_l("Latitude"), places=6, validators=[Optional()])
    longitude = DecimalField(_l("Longitude"), places=6, validators=[Optional()])
    active = BooleanField(_l("Active (accepts postings)"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, str(KIND_LABELS[k])) for k in PointKind]

    def data_for_service(self) -> dict:
        def number(field):
            return float(field.data) if field.data is not None else None

        return {"township_id": self.township_id.data, "community_id": self.community_id.data,
                "name": self.name.data, "kind": self.kind.data,
                "latitude": number(self.latitude), "longitude": number(self.longitude),
                "active": bool(self.active.data)}
