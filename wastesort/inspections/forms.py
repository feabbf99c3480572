"""The inspector's phone form and the inspections list's filters (HTML forms). They only read
what was typed into the values the service takes; every rule of an inspection is
:class:`~wastesort.inspections.service.InspectionRules`'."""

import datetime as dt
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, Optional

from ..bins.models import SortingBin
from ..collections.forms import CATEGORY_LABELS
from ..enums import WasteCategory
from ..extensions import db
from ..picker import PickerField
from ..timeutil import city_zone
from .models import CONTAMINATED
from .service import MAX_NOTES_LENGTH

COUNT_INPUT = {"inputmode": "numeric", "min": 0, "step": 1, "autocomplete": "off",
               "class": "count"}
MINUTE = "%Y-%m-%dT%H:%M"
MAX_SERIAL_LENGTH = 32


class InspectionForm(FlaskForm):
    """One inspection as typed on a phone. The key is made by the server when the form is
    shown and sent back hidden: the same form sent twice (a lost answer, a reload) is one
    inspection. The time is shown filled in (now, in the city), so a resent form carries the
    same time and stays the same inspection."""

    community_id = PickerField(_l("Community"), kind="communities")
    recycling_point_id = PickerField(_l("Recycling point (optional)"), kind="points",
                                     active_only=True)
    bin_serial = StringField(_l("Bin serial number (optional)"),
                             validators=[Optional(), Length(max=MAX_SERIAL_LENGTH)],
                             render_kw={"autocomplete": "off", "maxlength": MAX_SERIAL_LENGTH})
    inspected_at = DateTimeLocalField(
        _l("Inspected at"), format=MINUTE,
        validators=[InputRequired(message=_l("Enter the date and time of the inspection."))])
    households_seen = IntegerField(_l("Households seen putting out waste"),
                                   validators=[Optional()], render_kw=COUNT_INPUT)
    households_sorted = IntegerField(_l("Of these, households that sorted"),
                                     validators=[Optional()], render_kw=COUNT_INPUT)
    items_inspected = IntegerField(_l("Bags or bins inspected"), validators=[Optional()],
                                   render_kw=COUNT_INPUT)
    items_correct = IntegerField(_l("Of these, sorted correctly"), validators=[Optional()],
                                 render_kw=COUNT_INPUT)
    contaminated_recyclable = IntegerField(CATEGORY_LABELS[WasteCategory.RECYCLABLE],
                                           validators=[Optional()], render_kw=COUNT_INPUT)
    contaminated_hazardous = IntegerField(CATEGORY_LABELS[WasteCategory.HAZARDOUS],
                                          validators=[Optional()], render_kw=COUNT_INPUT)
    contaminated_kitchen = IntegerField(CATEGORY_LABELS[WasteCategory.KITCHEN],
                                        validators=[Optional()], render_kw=COUNT_INPUT)
    contaminated_residual = IntegerField(CATEGORY_LABELS[WasteCategory.RESIDUAL],
                                         validators=[Optional()], render_kw=COUNT_INPUT)
    notes = TextAreaField(_l("Notes (optional)"), render_kw={"maxlength": MAX_NOTES_LENGTH,
                                                             "rows": 3})
    photos = MultipleFileField(_l("Photos (optional)"), render_kw={
        "accept": "image/*", "capture": "environment"})
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)

    def fill_now(self, now: dt.datetime) -> None:
        """A new form: the time of the inspection is now (to the minute, city time)."""
        self.inspected_at.data = now.astimezone(city_zone()).replace(second=0, microsecond=0,
                                                                     tzinfo=None)

    def record(self) -> dict:
        """The values as the service takes them (None where a box was empty or unreadable;
        the contaminated boxes left empty are 0). The bin is found by its serial number among
        the bins of the chosen community; an unknown one is a message on ``bin_serial``."""
        at = self.inspected_at.data
        record = {
            "community_id": self.community_id.data,
            "recycling_point_id": self.recycling_point_id.data,
            "sorting_bin_id": self._bin_id(),
            "inspected_at": at.replace(tzinfo=city_zone()) if at is not None else None,
            "notes": (self.notes.data or "").strip() or None,
        }
        for name in ("households_seen", "households_sorted", "items_inspected",
                     "items_correct", *CONTAMINATED.values()):
            value = self[name].data
            record[name] = 0 if value is None and name in CONTAMINATED.values() else value
        return record

    def _bin_id(self) -> int | None:
        serial = (self.bin_serial.data or "").strip()
        if not serial or self.bin_serial.errors:
            return None
        found = db.session.scalar(select(SortingBin.id).where(
            SortingBin.serial == serial, SortingBin.community_id == self.community_id.data)) \
            if self.community_id.data is not None else None
        if found is None and self.community_id.data is not None:
            self.bin_serial.errors = [*self.bin_serial.errors, str(_l(
                "No bin of this community has the serial number %(serial)s.", serial=serial))]
        return found


class InspectionVoidForm(FlaskForm):
    """A void from the list or from the form page's list of today (``next``: where to go
    back to)."""

    reason = StringField(_l("Reason"))
    next = HiddenField()


DAYS_REVERSED = _l("The last day is before the first.")  # as the collections list says


class InspectionFilterForm(FlaskForm):
    """The list's filters from the query string (a GET form: bookmarkable, no CSRF)."""

    class Meta:
        csrf = False

    community_id = PickerField(_l("Community"), kind="communities", id="filter-community")
    date_from = DateField(_l("First day"), name="from", id="filter-from",
                          validators=[Optional()])
    date_to = DateField(_l("Last day"), name="to", id="filter-to", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(str(DAYS_REVERSED))
