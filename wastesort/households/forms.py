"""The household form and the import form (HTML); the rules stay in households/service.py
and households/importing.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import Optional

from ..pages import optional_int
from ..picker import PickerField


class HouseholdForm(FlaskForm):
    community_id = PickerField(_l("Community"), kind="communities")
    code = StringField(_l("Household code"))
    building = StringField(_l("Building"))
    unit = StringField(_l("Unit"))
    room = StringField(_l("Room"))
    members = IntegerField(_l("Members"), default=1, validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": 1})
    sorting_since = DateField(_l("Sorting since"), validators=[Optional()])

    def data_for_service(self) -> dict:
        return {"community_id": self.community_id.data, "code": self.code.data,
                "building": self.building.data or "", "unit": self.unit.data or "",
                "room": self.room.data or "", "members": self.members.data,
                "sorting_since": self.sorting_since.data}


class ImportForm(FlaskForm):
    township_id = SelectField(_l("Town or street"), coerce=optional_int, choices=[],
                              validate_choice=False)
    file = FileField(_l("Spreadsheet (CSV or XLSX)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))])


class ConfirmImportForm(FlaskForm):
    token = HiddenField()
