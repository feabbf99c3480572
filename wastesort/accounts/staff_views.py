"""The staff page of a street administrator: the accounts of their own point staff, a form that
adds one, and the buttons that reset a password or (de)activate an account. The rules are the
service's (accounts/service.py, accounts/staff.py).

A password the service makes is shown once, in the answer to the POST that made it. It is never
carried to another page through a redirect: the session cookie would hold it, readable by
anyone with a copy of the cookie. Only its hash is stored, and every answer of the app is
``Cache-Control: no-store`` (wastesort/http_security.py), so Back does not show it again.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..errors_domain import Forbidden, RuleViolation
from ..extensions import db
from ..pages import keyset_paginate, login_required_for, show_rule_errors
from ..points.models import RecyclingPoint
from ..points.service import points_query
from .forms import StaffForm
from .models import Role, User
from .scope import require_roles
from .service import (
    add_user_with_new_password,
    get_user,
    reset_password,
    update_user,
    users_query,
)
from .sessions import last_logins

bp = Blueprint("staff_pages", __name__, url_prefix="/staff")
login_required_for(bp)


@bp.before_request
def _street_administrators_only():
    """Administrators manage every account on the users page; other roles have no staff."""
    require_roles(current_user, Role.STREET_ADMIN)


@bp.route("/", methods=["GET", "POST"])
def index():
    """The point staff of the user's town or street, by username, and the form that adds one
    (on success: the new password, on this answer only)."""
    form = StaffForm()
    points = db.session.scalars(points_query(current_user, active=True)
                                .order_by(None).order_by(RecyclingPoint.name))
    form.set_choices(points)
    status = 200
    if form.validate_on_submit():
        try:
            user, password = add_user_with_new_password(current_user, form.data_for_service())
        except RuleViolation as exc:
            db.session.rollback()
            show_rule_errors(form, exc.errors)
        except Forbidden as exc:  # a point of another street: typed, or a crafted request
            db.session.rollback()
            show_rule_errors(form, {"recycling_point_id": [exc.description]})
            status = 403
        else:
            return _password_page(user, password, created=True), 201
    if form.errors and status == 200:
        status = 422
    page = keyset_paginate(users_query(current_user).options(joinedload(User.recycling_point)),
                           User.username)
    return render_template("accounts/staff.html", form=form, page=page,
                           last_login=last_logins(u.id for u in page.items)), status


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
def password(user_id: int):
    """GET: asks to confirm (a reset logs the staff member out); POST: a new password for one
    of the user's staff, shown on this answer only, and the staff member's sessions end."""
    if request.method == "GET":
        user = get_user(current_user, user_id)  # 404 for anyone but the user's own staff
        return render_template("accounts/staff_reset.html", user=user)
    user, new_password = reset_password(current_user, user_id)
    return _password_page(user, new_password, created=False)


@bp.post("/<int:user_id>/active")
def active(user_id: int):
    """Deactivate an account (its sessions end at once, its login is refused) or reactivate
    it (``active`` is ``0`` or ``1``)."""
    value = request.form.get("active")
    if value not in ("0", "1"):
        abort(400)
    user = update_user(current_user, user_id, {"active": value == "1"})
    if user.active:
        flash(_("%(name)s can log in again.", name=user.username), "success")
    else:
        flash(_("%(name)s is deactivated: logged out everywhere, and logging in is refused.",
                name=user.username), "success")
    return redirect(url_for(".index"))


def _password_page(user: User, password: str, *, created: bool) -> str:
    return render_template("accounts/staff_password.html", user=user, password=password,
                           created=created)
