"""Log in and out, the language choice, and the users page (administrators)."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..areas.models import Township
from ..areas.views import township_choices
from ..errors_domain import RuleViolation
from ..extensions import db
from ..pages import as_id, login_required_for, paginate, role_label, safe_next, show_rule_errors
from ..points.models import RecyclingPoint
from .auth import log_in, log_out
from .forms import LanguageForm, LoginForm, UserForm
from .models import Role, User
from .passwords import needs_rehash, verify_nobody
from .scope import require_roles
from .service import add_user, get_user, update_user, users_query
from .sessions import last_logins

auth_bp = Blueprint("auth", __name__)
users_bp = Blueprint("users", __name__, url_prefix="/users")
login_required_for(users_bp)


@users_bp.before_request
def _administrators_only():
    """Every account is the administrators' (a street administrator's staff: /staff/)."""
    require_roles(current_user, Role.ADMIN)


def landing_url(user: User) -> str:
    """Where a user starts: the page of their daily work (point staff: the posting screen;
    street administrators: their street today; inspectors: the inspection form), managers
    and administrators the dashboard."""
    if user.role is Role.POINT_STAFF:
        return url_for("post_pages.index")
    if user.role is Role.STREET_ADMIN:
        return url_for("street_pages.today")
    if user.role is Role.FACILITY_OPERATOR:
        return url_for("intake_pages.index")
    if user.role is Role.INSPECTOR:  # the form, with their inspections of today below it
        return url_for("inspection_form.new")
    return url_for("dashboard.index")


@auth_bp.route("/login", methods=["GET", "POST"])
def login():
    """The log-in form; a wrong name or password gets one message that tells neither apart.
    Failed attempts are throttled per account and per address (wastesort.throttle)."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is None:
            verify_nobody(form.password.data)  # as slow as a wrong password: no name revealed
        if user is None or not user.check_password(form.password.data):
            form.password.errors.append(_("The username or the password is wrong."))
        elif not user.active:
            form.username.errors.append(_("This account is deactivated."))
        else:
            if needs_rehash(user.password_hash):  # made with older or weaker parameters
                user.set_password(form.password.data)
                db.session.commit()
            log_in(user)
            if user.locale is None and session.get("locale"):
                user.locale = session["locale"]  # keep the language chosen before logging in
                db.session.commit()
            return redirect(safe_next(request.args.get("next")) or landing_url(user))
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 422


@auth_bp.post("/logout")
def logout():
    """Log out (a POST with the CSRF token, so another site cannot log a user out)."""
    log_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@auth_bp.post("/language")
def language():
    """Remember the chosen language: in the session and, once logged in, on the user."""
    form = LanguageForm()
    form.language.choices = current_app.config["LANGUAGES"]
    if not form.validate_on_submit():
        abort(400)
    session["locale"] = form.language.data
    if current_user.is_authenticated:
        current_user.locale = form.language.data
        db.session.commit()
    refresh()
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))


def _choices(form: UserForm) -> None:
    townships = db.session.scalars(select(Township).options(joinedload(Township.district))
                                   .order_by(Township.district_id, Township.name))
    form.set_choices(townships, role_label)


MAX_NAME_FILTER = 100


@users_bp.get("/")
def index():
    """Every user with role and scope (administrators only, like every page here),
    found by part of the username or e-mail address, role, town or street, and active flag;
    the filters stay in the URL."""
    args = request.args
    name = args.get("q", "").strip()[:MAX_NAME_FILTER]
    filters = {"role": args.get("role") if args.get("role") in set(Role) else None,
               "active": {"1": True, "0": False}.get(args.get("active", "")),
               "name": name if name.isprintable() else None,
               "township_id": as_id(args.get("township_id", ""))}
    stmt = users_query(current_user, **filters).options(
        joinedload(User.township), joinedload(User.recycling_point)
        .joinedload(RecyclingPoint.township))
    page = paginate(stmt)
    return render_template("accounts/users.html", page=page, roles=list(Role),
                           townships=township_choices(), q=name, filters=filters,
                           last_login=last_logins(u.id for u in page.items))


@users_bp.route("/new", methods=["GET", "POST"])
def create():
    """Add a user with a role and, for street administrators and point staff, a scope."""
    form = UserForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            user = add_user(current_user, form.data_for_service(creating=True))
        except RuleViolation as exc:
            db.session.rollback()
            show_rule_errors(form, exc.errors)
        else:
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("users.index"))
    return _form_page(form, None)


@users_bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    """Change a user's role and scope, e-mail, password or active flag."""
    user = get_user(current_user, user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
    form.username.data = user.username  # the name is fixed once made
    _choices(form)
    if form.validate_on_submit():
        try:
            update_user(current_user, user.id, form.data_for_service(creating=False))
        except RuleViolation as exc:
            db.session.rollback()
            show_rule_errors(form, exc.errors)
        else:
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("users.index"))
    return _form_page(form, user)


def _form_page(form, user):
    status = 422 if form.errors else 200
    return render_template("accounts/user_form.html", form=form, user=user), status
