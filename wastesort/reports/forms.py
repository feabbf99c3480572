"""The subscription form (HTML); the rules stay in reports/subscriptions.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.fields.choices import SelectChoice

from ..emails import EmailAddress


def _optional_id(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SubscriptionForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[EmailAddress()])
    kind = SelectField(_l("What"), choices=[
        SelectChoice("capacity", _l("Capacity report")),
        SelectChoice("coverage", _l("Coverage report")),
        SelectChoice("alert", _l("Capacity alerts")),
        SelectChoice("ranking", _l("Ranking report"))])
    period = SelectField(_l("Cadence"), choices=[
        SelectChoice("day", _l("Daily")), SelectChoice("week", _l("Weekly")),
        SelectChoice("month", _l("Monthly"))])
    district_id = SelectField(_l("District (coverage only)"), coerce=_optional_id, choices=[],
                              validate_choice=False)

    def set_districts(self, districts) -> None:
        self.district_id.choices = [SelectChoice("", _l("The whole city"))] + [
            SelectChoice(d.id, f"{d.name} ({d.name_en})") for d in districts]
