"""The collection page: point staff post the day's weighings (from a phone); everyone reads the
postings of their scope, filtered, with the totals of the filter and as CSV or XLSX; point
staff, street administrators and administrators void a wrong one with a reason."""

import uuid

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import Role, User
from ..errors_domain import Conflict, RuleViolation
from ..extensions import db
from ..metrics.collected import collection_totals
from ..pages import (
    KeysetPage,
    login_required_for,
    number,
    safe_next,
    show_rule_errors,
)
from ..pages import day as format_day
from ..spreadsheets import XLSX_TYPE, chunks, started
from ..timeutil import local_today
from . import export
from .forms import CATEGORY_LABELS, CollectionFilterForm, CollectionForm, VoidForm
from .models import Collection
from .paging import paginate_by_day
from .service import (
    VOIDERS,
    check_collection,
    collections_query,
    filters_by_poster_name,
    get_collection,
    post_collection,
    posters_query,
    void_collection,
)

bp = Blueprint("collection_pages", __name__, url_prefix="/collections")
login_required_for(bp)

POSTERS = (Role.ADMIN, Role.POINT_STAFF)
POSTER_SUGGESTIONS = 200  # names offered to the poster filter; beyond, it is typed


def _filters(form: CollectionFilterForm) -> dict | None:
    """The service's filters from the query string, or None with the messages beside the
    filter form's fields."""
    if not form.validate():
        return None
    try:
        return filters_by_poster_name(current_user, form.data_for_service())
    except RuleViolation as exc:
        show_rule_errors(form, exc.errors)
        return None


def _page(form: CollectionForm | None, status: int = 200):
    """The page: the posting form (for posters), the filters, the totals of the filter, and
    the postings it selects, latest day first (within a day the latest posted), 20 at a
    time, each page found from the last row of the one before (collections/paging.py)."""
    filter_form = CollectionFilterForm(formdata=request.args)
    filters = _filters(filter_form)
    if filters is None:
        page, totals, people = KeysetPage([], None, None, None), None, {}
        status = 422 if status == 200 else status
    else:
        stmt = collections_query(current_user, **filters).options(
            selectinload(Collection.recycling_point))
        page = paginate_by_day(stmt, per_page=20)
        totals = collection_totals(current_user, **filters)
        people = _usernames(page.items)
    return render_template(
        "collections/index.html", form=form, page=page, filter_form=filter_form,
        totals=totals, people=people,
        labels={c: str(label) for c, label in CATEGORY_LABELS.items()},
        may_void=current_user.role in VOIDERS, here=request.full_path.rstrip("?"),
        export_args=_export_args(), posters=_poster_suggestions()), status


def _poster_suggestions() -> list[str]:
    """The names the poster filter offers: a street's staff and the administrators; none
    where there are more than POSTER_SUGGESTIONS (the city's: typed instead)."""
    names = db.session.scalars(posters_query(current_user).with_only_columns(User.username)
                               .limit(POSTER_SUGGESTIONS + 1)).all()
    return names if len(names) <= POSTER_SUGGESTIONS else []


def _usernames(rows) -> dict[int, str]:
    """Who posted and who voided the rows of a page, in one query."""
    ids = {r.posted_by_id for r in rows} | {r.voided_by_id for r in rows}
    ids.discard(None)
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids)))
                .all()) if ids else {}


def _export_args() -> dict:
    return {k: v for k, v in request.args.items() if k not in ("after", "before", "page")}


@bp.route("/", methods=["GET", "POST"])
def index():
    """The posting form (defaults: the user's own point and today) above the filtered
    postings."""
    if current_user.role not in POSTERS:
        return _page(None)
    form = CollectionForm()
    if request.method == "GET":
        form.collected_on.data = local_today()
        if current_user.role is Role.POINT_STAFF:
            form.recycling_point_id.data = current_user.recycling_point_id
    if form.validate_on_submit():
        try:
            row, created = post_collection(current_user, form.data_for_service(),
                                           idempotency_key=form.idempotency_key.data)
        except RuleViolation as exc:
            db.session.rollback()
            show_rule_errors(form, exc.errors)
        except Conflict:
            db.session.rollback()
            form.form_errors.append(_("This form was already sent with other values; "
                                      "please enter the collection again."))
            form.idempotency_key.data = uuid.uuid4().hex
        else:
            message = _("Saved: %(weight)s kg of %(category)s on %(day)s.",
                        weight=number(row.weight_kg), category=CATEGORY_LABELS[row.category],
                        day=format_day(row.collected_on))
            if not created:
                message = _("Already saved (the form was sent twice): counted once.")
            flash(message, "success")
            return redirect(url_for(".index"))
    elif form.is_submitted() and "csrf_token" not in form.errors:
        # A field that did not parse hides nothing else: show the rules' other messages too.
        _record, problems = check_collection(current_user, form.data_for_service())
        show_rule_errors(form, {name: messages for name, messages in problems.items()
                                if not getattr(form, name).errors})
    return _page(form, 422 if form.errors else 200)


@bp.get("/export.<any(csv, xlsx):fmt>")
def export_file(fmt: str):
    """The postings the list's filters select, as CSV (streamed) or XLSX; invalid filters give
    the page back with the messages beside them."""
    filters = _filters(CollectionFilterForm(formdata=request.args))
    if filters is None:
        return _page(None)
    rows = export.export_rows(current_user, **filters)
    name = f"collections-{local_today().isoformat()}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(stream_with_context(started(export.csv_pieces(rows))),
                        mimetype="text/csv", headers=disposition)
    return Response(chunks(export.xlsx_file(rows)), mimetype=XLSX_TYPE, headers=disposition)


@bp.post("/<int:collection_id>/void")
def void(collection_id: int):
    """Void one posting with a reason (a correction: nothing is deleted), then back to the
    list, or to the page named by the form's ``next`` (a path on this site only)."""
    row = get_collection(current_user, collection_id)  # 404 outside the user's scope
    form = VoidForm()
    back = safe_next(form.next.data) or url_for(".index")
    if not form.validate_on_submit():
        flash(_("The form has expired; please void the posting again."), "error")
        return redirect(back)
    try:
        void_collection(current_user, row.id, form.reason.data)
    except RuleViolation as exc:
        db.session.rollback()
        flash(" ".join(str(m) for ms in exc.errors.values() for m in ms), "error")
    except Conflict:
        db.session.rollback()
        flash(_("This posting is already void."), "error")
    else:
        flash(_("Posting voided: it is listed among the voided postings now."), "success")
    return redirect(back)
