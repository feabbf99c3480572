"""The log-in, language and user forms (HTML); the rules stay in accounts/service.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..pages import optional_int
from ..picker import PickerField
from .models import Role


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter your username.")),
                                                       Length(max=40)])
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(_l("Enter your password."))])


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[])


class UserForm(FlaskForm):
    username = StringField(_l("Username"))
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    township_id = SelectField(_l("Town or street (street administrators)"), coerce=optional_int,
                              choices=[], validate_choice=False)
    recycling_point_id = PickerField(_l("Recycling point (point staff)"), kind="points",
                                     active_only=True)
    treatment_facility_id = SelectField(_l("Treatment facility (facility operators)"),
                                        coerce=optional_int, choices=[], validate_choice=False)
    email = EmailField(_l("E-mail"))
    password = PasswordField(_l("Password"))
    active = BooleanField(_l("Active"), default=True)

    def set_choices(self, townships, role_label) -> None:
        self.role.choices = [(r.value, role_label(r)) for r in Role]
        self.township_id.choices = [("", "—")] + [(t.id, f"{t.district.name} · {t.name}")
                                                  for t in townships]
        self.treatment_facility_id.choices = [("", "—")] + facility_choices()

    def data_for_service(self, creating: bool) -> dict:
        data = {"role": self.role.data, "email": (self.email.data or "").strip() or None,
                "township_id": self.township_id.data,
                "recycling_point_id": self.recycling_point_id.data,
                "treatment_facility_id": self.treatment_facility_id.data}
        if creating:
            data.update(username=self.username.data, password=self.password.data or "")
        else:
            data["active"] = bool(self.active.data)
            if self.password.data:
                data["password"] = self.password.data
        return data


def facility_choices() -> list[tuple[int, str]]:
    """(id, name) of every treatment facility, by name: a facility operator's scope."""
    from ..extensions import db
    from ..facilities.models import TreatmentFacility

    return [(f.id, f.name) for f in db.session.scalars(
        db.select(TreatmentFacility).order_by(TreatmentFacility.name))]


class StaffForm(FlaskForm):
    """A new point-staff account made by a street administrator; the service makes the
    password (shown once on the answer)."""

    username = StringField(_l("Username"))
    recycling_point_id = SelectField(_l("Recycling point"), coerce=optional_int, choices=[],
                                     validate_choice=False)  # the service decides (403 outside)
    email = EmailField(_l("E-mail (optional)"))

    def set_choices(self, points) -> None:
        self.recycling_point_id.choices = [("", "—")] + [(p.id, p.name) for p in points]

    def data_for_service(self) -> dict:
        return {"role": Role.POINT_STAFF.value, "username": self.username.data,
                "recycling_point_id": self.recycling_point_id.data,
                "email": (self.email.data or "").strip() or None}


class TokenForm(FlaskForm):
    """An API token to issue (administrators): for whom, and a label to tell it apart."""

    username = StringField(_l("Username"))
    name = StringField(_l("Label"))
