"""Community pages: list and search, create, rename (inside the user's scope)."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..pages import form_page, login_required_for, paginate
from .forms import CommunityForm
from .models import Community, Township
from .service import (
    communities_query,
    create_community,
    get_community,
    townships_query,
    update_community,
)

bp = Blueprint("community_pages", __name__, url_prefix="/communities")
login_required_for(bp)


def township_choices() -> list[tuple[int, str]]:
    """The towns and streets the user may read, for a select."""
    stmt = townships_query(current_user).options(joinedload(Township.district))
    return [(t.id, f"{t.district.name} · {t.name}") for t in db.session.scalars(stmt)]


@bp.get("/")
def index():
    """Communities of the user's scope, searchable by name and filterable by township."""
    q = request.args.get("q", "").strip()[:60]
    township_id = request.args.get("township_id", type=int)
    stmt = communities_query(current_user, township_id=township_id, name=q or None) \
        .options(joinedload(Community.township))
    return render_template("communities/index.html", page=paginate(stmt), q=q,
                           township_id=township_id, townships=township_choices())


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Add a community to a town or street the user may write."""
    form = CommunityForm()
    form.township_id.choices = township_choices()
    if request.method == "GET" and current_user.township_id:
        form.township_id.data = current_user.township_id
    return form_page(
        form, lambda: create_community(current_user, {"township_id": form.township_id.data,
                                                      "name": form.name.data}),
        template="registry_form.html", heading=_("New community"),
        cancel_url=url_for(".index"), done_url=lambda c: url_for(".index"),
        done_message=lambda c: _("Community %(name)s saved.", name=c.name))


@bp.route("/<int:community_id>", methods=["GET", "POST"])
def edit(community_id: int):
    """Rename a community (it stays in its town or street)."""
    community = get_community(current_user, community_id)
    form = CommunityForm(obj=community)
    form.township_id.choices = township_choices()
    return form_page(
        form, lambda: update_community(current_user, community.id, {"name": form.name.data}),
        template="registry_form.html", heading=_("Edit community %(name)s", name=community.name),
        fixed={"township_id": community.township.name}, cancel_url=url_for(".index"),
        done_url=lambda c: url_for(".index"),
        done_message=lambda c: _("Community %(name)s saved.", name=c.name))
