"""The bin form (HTML); the rules stay in bins/service.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Optional

from ..bins.models import BinStatus
from ..collections.forms import CATEGORY_LABELS
from ..enums import WasteCategory
from ..picker import PickerField

STATUS_LABELS = {
    BinStatus.IN_SERVICE: _l("in service"),
    BinStatus.DAMAGED: _l("damaged"),
    BinStatus.REMOVED: _l("removed"),
}


class BinForm(FlaskForm):
    community_id = PickerField(_l("Community"), kind="communities")
    serial = StringField(_l("Serial number"))
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    capacity_l = IntegerField(_l("Capacity (litres)"), validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": 1})
    status = SelectField(_l("Status"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [(c.value, str(CATEGORY_LABELS[c])) for c in WasteCategory]
        self.status.choices = [(s.value, str(STATUS_LABELS[s])) for s in BinStatus]

    def data_for_service(self) -> dict:
        return {"community_id": self.community_id.data, "serial": self.serial.data,
                "category": self.category.data, "capacity_l": self.capacity_l.data,
                "status": self.status.data}
