"""Sorting-bin pages: list and filter, create, edit (status when damaged or removed)."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..accounts.scope import require_registry_write
from ..areas.models import Community
from ..collections.forms import CATEGORY_LABELS
from ..enums import WasteCategory
from ..pages import form_page, login_required_for, paginate
from .forms import STATUS_LABELS, BinForm
from .models import BinStatus, SortingBin
from .service import bins_query, create_bin, get_bin, update_bin

bp = Blueprint("bin_pages", __name__, url_prefix="/bins")
login_required_for(bp)


@bp.get("/")
def index():
    """Bins of the user's scope by community, category and status; search by serial."""
    q = request.args.get("q", "").strip()[:32]
    category = request.args.get("category") if request.args.get("category") in \
        set(WasteCategory) else None
    status = request.args.get("status") if request.args.get("status") in set(BinStatus) else None
    community_id = request.args.get("community_id", type=int)
    stmt = bins_query(current_user, community_id=community_id, category=category,
                      status=status).options(
        joinedload(SortingBin.community).joinedload(Community.township))
    if q:
        stmt = stmt.where(SortingBin.serial.contains(q, autoescape=True))
    return render_template("bins/index.html", page=paginate(stmt), q=q, category=category,
                           status=status, community_id=community_id, categories=CATEGORY_LABELS,
                           statuses=STATUS_LABELS)


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Add a bin to a community the user may write."""
    form = BinForm()
    return form_page(form, lambda: create_bin(current_user, form.data_for_service()),
                     template="registry_form.html", heading=_("New bin"),
                     cancel_url=url_for(".index"), done_url=lambda b: url_for(".index"),
                     done_message=lambda b: _("Bin %(serial)s saved.", serial=b.serial))


@bp.route("/<int:bin_id>", methods=["GET", "POST"])
def edit(bin_id: int):
    """Change a bin: its community, category, capacity or status."""
    row = get_bin(current_user, bin_id)
    require_registry_write(current_user, row.community.township_id)
    form = BinForm(obj=row)
    if request.method == "GET":
        form.category.data, form.status.data = row.category.value, row.status.value
    return form_page(form, lambda: update_bin(current_user, row.id, form.data_for_service()),
                     template="registry_form.html", heading=_("Edit bin %(serial)s",
                                                              serial=row.serial),
                     cancel_url=url_for(".index"), done_url=lambda b: url_for(".index"),
                     done_message=lambda b: _("Bin %(serial)s saved.", serial=b.serial))
