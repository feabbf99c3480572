"""Treatment-facility pages: everyone but point staff reads; administrators change them."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.scope import require_roles
from ..areas.models import District
from ..extensions import db
from ..metrics.capacity import city_capacity_t_per_day
from ..pages import form_page, login_required_for, paginate
from .forms import TYPE_LABELS, FacilityForm
from .service import create_facility, facilities_query, get_facility, update_facility

bp = Blueprint("facility_pages", __name__, url_prefix="/facilities")
login_required_for(bp)


def _choices(form: FacilityForm) -> None:
    form.district_id.choices = [(d.id, d.name) for d in db.session.scalars(
        select(District).order_by(District.code))]


@bp.get("/")
def index():
    """Every facility with type and capacity, and the city's total capacity."""
    facility_type = request.args.get("type") if request.args.get("type") in \
        {t.value for t in TYPE_LABELS} else None
    stmt = facilities_query(current_user, facility_type=facility_type)
    return render_template("facilities/index.html", page=paginate(stmt), types=TYPE_LABELS,
                           facility_type=facility_type, capacity=city_capacity_t_per_day())


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Add a facility (administrators)."""
    require_roles(current_user, Role.ADMIN)
    form = FacilityForm()
    _choices(form)
    return form_page(form, lambda: create_facility(current_user, form.data_for_service()),
                     template="registry_form.html", heading=_("New treatment facility"),
                     cancel_url=url_for(".index"), done_url=lambda f: url_for(".index"),
                     done_message=lambda f: _("Facility %(name)s saved.", name=f.name))


@bp.route("/<int:facility_id>", methods=["GET", "POST"])
def edit(facility_id: int):
    """Change a facility; deactivating it removes its capacity from the city's."""
    facility = get_facility(current_user, facility_id)
    require_roles(current_user, Role.ADMIN)
    form = FacilityForm(obj=facility)
    if request.method == "GET":
        form.facility_type.data = facility.facility_type.value
    _choices(form)
    return form_page(form, lambda: update_facility(current_user, facility.id,
                                                   form.data_for_service()),
                     template="registry_form.html",
                     heading=_("Edit facility %(name)s", name=facility.name),
                     cancel_url=url_for(".index"), done_url=lambda f: url_for(".index"),
                     done_message=lambda f: _("Facility %(name)s saved.", name=f.name))
