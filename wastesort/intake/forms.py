"""The ticket form, the void form and the import forms (HTML); the rules stay in
intake/service.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import Optional

from ..pages import optional_int
from .labels import STREAM_LABELS


class TicketForm(FlaskForm):
    treatment_facility_id = SelectField(_l("Facility"), coerce=optional_int, choices=[],
                                        validate_choice=False)
    ticket_number = StringField(_l("Ticket number"))
    arrived_at = DateTimeLocalField(_l("Arrival (city time)"), format="%Y-%m-%dT%H:%M",
                                    validators=[Optional()])
    stream = SelectField(_l("Stream declared"), choices=[], validate_choice=False)
    net_weight_kg = IntegerField(_l("Net weight (kg)"), validators=[Optional()],
                                 render_kw={"inputmode": "numeric", "min": 1, "step": 1})
    township_id = SelectField(_l("From the town or street (optional)"), coerce=optional_int,
                              choices=[], validate_choice=False)
    vehicle_plate = StringField(_l("Vehicle plate (optional)"))

    def set_choices(self, facilities, townships) -> None:
        self.stream.choices = [(key, str(label)) for key, label in STREAM_LABELS.items()]
        self.treatment_facility_id.choices = [(f.id, f.name) for f in facilities]
        self.township_id.choices = [("", "—")] + [(t.id, f"{t.district.name} · {t.name}")
                                                  for t in townships]

    def data_for_service(self) -> dict:
        return {"treatment_facility_id": self.treatment_facility_id.data,
                "ticket_number": self.ticket_number.data or "",
                "arrived_at": self.arrived_at.data, "stream": self.stream.data,
                "net_weight_kg": self.net_weight_kg.data,
                "township_id": self.township_id.data,
                "vehicle_plate": self.vehicle_plate.data or None}


class TicketVoidForm(FlaskForm):
    reason = StringField(_l("Reason"))


class TicketImportForm(FlaskForm):
    treatment_facility_id = SelectField(_l("Facility"), coerce=optional_int, choices=[],
                                        validate_choice=False)
    file = FileField(_l("Weighbridge export (CSV or XLSX)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))])


class ConfirmTicketImportForm(FlaskForm):
    token = HiddenField()
