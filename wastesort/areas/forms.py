"""The community form (HTML); the rules stay in areas/service.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from ..pages import optional_int


class CommunityForm(FlaskForm):
    township_id = SelectField(_l("Town or street"), coerce=optional_int, choices=[],
                              validate_choice=False)
    name = StringField(_l("Name"))
