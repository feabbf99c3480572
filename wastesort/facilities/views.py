"""Treatment-facility pages: everyone but point staff reads; administrators change them."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.scope import require_roles
from ..areas.models import District
from ..errors_domain import RuleViolation
from ..extensions import db
from ..metrics.capacity import city_capacity_t_per_day, facility_capacities
from ..pages import form_page, login_required_for, paginate, show_rule_errors
from ..timeutil import local_today
from . import capacity
from .forms import TYPE_LABELS, CapacityForm, FacilityForm, NewFacilityForm
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
    page = paginate(stmt)
    today = local_today()
    in_force = facility_capacities(today, today)
    return render_template("facilities/index.html", page=page, types=TYPE_LABELS,
                           facility_type=facility_type, capacity=city_capacity_t_per_day(),
                           in_force={i: days[0] for i, days in in_force.items()})


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Add a facility (administrators)."""
    require_roles(current_user, Role.ADMIN)
    form = NewFacilityForm()
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


@bp.route("/<int:facility_id>/capacity", methods=["GET", "POST"])
def capacity_history(facility_id: int):
    """The facility's capacity over time (everyone who reads facilities); administrators set
    it from a day on (a new line, maintenance, a closure, a planned change) and call off a
    planned change."""
    facility = get_facility(current_user, facility_id)
    form = CapacityForm() if current_user.role is Role.ADMIN else None
    if form is not None and form.validate_on_submit():
        try:
            period = capacity.set_capacity(current_user, facility.id, form.data_for_service())
        except RuleViolation as exc:
            db.session.rollback()
            show_rule_errors(form, exc.errors)
        else:
            flash(_("Capacity of %(t)s t/day from %(day)s saved.",
                    t=period.capacity_t_per_day, day=period.effective_from.isoformat()),
                  "success")
            return redirect(url_for(".capacity_history", facility_id=facility.id))
    return render_template("facilities/capacity.html", facility=facility, form=form,
                           periods=capacity.history(facility), today=local_today(),
                           types=TYPE_LABELS), 422 if form is not None and form.errors else 200


@bp.post("/<int:facility_id>/capacity/<int:period_id>/remove")
def remove_capacity(facility_id: int, period_id: int):
    """Call off a planned change (administrators; the app's CSRF check guards the form)."""
    try:
        capacity.remove_planned(current_user, facility_id, period_id)
    except RuleViolation as exc:
        db.session.rollback()
        for messages in exc.errors.values():
            flash(" ".join(str(m) for m in messages), "error")
    else:
        flash(_("The planned change was called off."), "success")
    return redirect(url_for(".capacity_history", facility_id=facility_id))
