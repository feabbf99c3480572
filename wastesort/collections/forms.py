"""The collection form for recycling-point staff, the list's filters, and the void form."""

import datetime as dt
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from ..enums import WasteCategory
from ..picker import PickerField
from ..timeutil import local_today

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
    """A void from the list (or from another page that names where to return: ``next``)."""

    reason = StringField(_l("Reason"))
    next = HiddenField()


# The void choice of the filter and what the service takes for it (None: both).
VOIDED_CHOICES = {"no": False, "yes": True, "all": None}
LIST_DAYS = 30  # the days listed unless the first day is chosen (or cleared: every day)


def _first_listed_day() -> dt.date:
    return local_today() - dt.timedelta(days=LIST_DAYS - 1)


class CollectionFilterForm(FlaskForm):
    """The list's filters, read from the query string (a GET form: bookmarkable, no CSRF).
    Void records are left out unless asked for: the totals then are the tonnage collected,
    the figure every other page shows. Without ``from`` the list starts 30 days back (the
    month a street checks, summed from the daily tonnage); ``from=`` (empty) lists every day."""

    class Meta:
        csrf = False

    recycling_point_id = PickerField(_l("Recycling point"), kind="points", id="filter-point")
    category = SelectField(_l("Category"), choices=[], default="", id="filter-category")
    date_from = DateField(_l("First day"), name="from", id="filter-from",
                          default=_first_listed_day, validators=[Optional()])
    date_to = DateField(_l("Last day"), name="to", id="filter-to",
                        validators=[Optional()])
    poster = StringField(_l("Posted by"), id="filter-poster",
                         validators=[Optional(), Length(max=80)],
                         render_kw={"list": "posters", "autocomplete": "off"})
    voided = SelectField(_l("Voided postings"), default="no", id="filter-voided", choices=[
        SelectChoice("no", _l("Left out")), SelectChoice("yes", _l("Only voided")),
        SelectChoice("all", _l("Included"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", _l("All")), *(
            SelectChoice(c.value, CATEGORY_LABELS[c]) for c in WasteCategory)]

    def validate_date_to(self, field):
        # imported here: the service imports the reports, which read this module's labels
        from .service import DAYS_REVERSED

        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(str(DAYS_REVERSED))

    def data_for_service(self) -> dict:
        """The filters as :func:`~wastesort.collections.service.collections_query` takes them,
        the poster still by name (the service finds them within the caller's scope)."""
        return {"recycling_point_id": self.recycling_point_id.data,
                "category": self.category.data or None, "date_from": self.date_from.data,
                "date_to": self.date_to.data, "voided": VOIDED_CHOICES[self.voided.data],
                "poster": (self.poster.data or "").strip() or None}
