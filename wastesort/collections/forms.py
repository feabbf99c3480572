"""The collection form for recycling-point staff, and the void form."""

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import Optional

from ..enums import WasteCategory
from ..picker import PickerField

CATEGORY_LABELS = {
    WasteCategory.RECYCLABLE: _l("Recyclable (blue bin)"),
    WasteCategory.HAZARDOUS: _l("Hazardous (red bin)"),
    WasteCategory.KITCHEN: _l("Kitchen waste (green bin)"),
    WasteCategory.RESIDUAL: _l("Residual waste (grey bin)"),
}


class CollectionForm(FlaskForm):
    recycling_point_id = PickerField(_l("Recycling point"), kind="points", active_only=True)
    collected_on = DateField(_l("Date collected"),
                             validators=[Optional()])
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    weight_kg = IntegerField(_l("Weight (kg)"), validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": 1, "step": 1})
    # One key per rendered form: sending the same form twice (a double tap, a retry on a
    # poor connection) stores the collection once.
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [(c.value, str(CATEGORY_LABELS[c])) for c in WasteCategory]

    def data_for_service(self) -> dict:
        return {"recycling_point_id": self.recycling_point_id.data,
                "collected_on": self.collected_on.data, "category": self.category.data,
                "weight_kg": self.weight_kg.data}


class VoidForm(FlaskForm):
    reason = StringField(_l("Reason"))
