"""Recycling-point pages: list, create, edit (deactivating a point stops its postings)."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..accounts.scope import require_registry_write
from ..areas.views import township_choices
from ..pages import form_page, login_required_for, paginate
from .forms import KIND_LABELS, PointForm
from .models import RecyclingPoint
from .service import create_point, get_point, points_query, update_point

bp = Blueprint("point_pages", __name__, url_prefix="/points")
login_required_for(bp)


def _choices(form: PointForm) -> None:
    form.township_id.choices = township_choices()


@bp.get("/")
def index():
    """Recycling points of the user's scope; search by name."""
    q = request.args.get("q", "").strip()[:80]
    township_id = request.args.get("township_id", type=int)
    stmt = points_query(current_user, township_id=township_id).options(
        joinedload(RecyclingPoint.township), joinedload(RecyclingPoint.community))
    if q:
        stmt = stmt.where(RecyclingPoint.name.contains(q, autoescape=True))
    return render_template("points/index.html", page=paginate(stmt), q=q,
                           township_id=township_id, townships=township_choices(),
                           kinds=KIND_LABELS)


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Add a staffed station or a kiosk to a town or street the user may write."""
    form = PointForm()
    _choices(form)
    if request.method == "GET" and current_user.township_id:
        form.township_id.data = current_user.township_id
    return form_page(form, lambda: create_point(current_user, form.data_for_service()),
                     template="registry_form.html", heading=_("New recycling point"),
                     cancel_url=url_for(".index"), done_url=lambda p: url_for(".index"),
                     done_message=lambda p: _("Recycling point %(name)s saved.", name=p.name))


@bp.route("/<int:point_id>", methods=["GET", "POST"])
def edit(point_id: int):
    """Change a point's place, name, kind, position or whether it is active."""
    point = get_point(current_user, point_id)
    require_registry_write(current_user, point.township_id)
    form = PointForm(obj=point)
    if request.method == "GET":
        form.kind.data = point.kind.value
    _choices(form)
    return form_page(form, lambda: update_point(current_user, point.id, form.data_for_service()),
                     template="registry_form.html",
                     heading=_("Edit recycling point %(name)s", name=point.name),
                     cancel_url=url_for(".index"), done_url=lambda p: url_for(".index"),
                     done_message=lambda p: _("Recycling point %(name)s saved.", name=p.name))
