"""The inspection pages: the inspector's phone form with their inspections of today
(``/inspections/new``, an inspector's landing page), the list of the inspections a user may
read, filtered (``/inspections/``), a void with a reason, and the photos, served only to those
who may read the inspection's community.

The form is parsed here; the rules are the service's (:mod:`.service`), the photo checks
:mod:`wastesort.storage`'s. Scope as everywhere: another town's or street's inspection is
"not found" (404), posting in another town or street is "forbidden" (403).
"""

import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import storage
from ..accounts.models import Role, User
from ..areas.models import Community
from ..collections.forms import CATEGORY_LABELS
from ..errors_domain import Conflict, Forbidden, NotFound, RuleViolation
from ..extensions import db
from ..metrics.formulas import accuracy_percent, participation_percent
from ..pages import (
    KeysetPage,
    keyset_paginate,
    login_required_for,
    moment,
    number,
    safe_next,
    show_rule_errors,
)
from ..points.models import RecyclingPoint
from ..timeutil import local_now, local_today
from . import photos as photo_service
from .forms import InspectionFilterForm, InspectionForm, InspectionVoidForm
from .models import CONTAMINATED, Inspection
from .service import (
    POSTERS,
    InspectionRules,
    Places,
    get_inspection,
    inspections_query,
    may_void,
    post_inspection,
    void_inspection,
)

bp = Blueprint("inspection_pages", __name__, url_prefix="/inspections")
login_required_for(bp)
# The form is a blueprint of its own: the navigation marks the page it is on by blueprint,
# and an inspector has both the form and the list in it.
form_bp = Blueprint("inspection_form", __name__, url_prefix="/inspections")
login_required_for(form_bp)

PER_PAGE = 20
# Where the service's messages go on the form (the rest go beside the field of their name).
ON_FORM = {"sorting_bin_id": "bin_serial", photo_service.FIELD: "photos"}


@form_bp.url_value_preprocessor
def _room_for_photos(endpoint, values):
    """The form carries up to MAX_PHOTOS photos, more than MAX_CONTENT_LENGTH allows. The
    limit is raised here because URL value preprocessors run before every ``before_request``
    function, CSRFProtect's included, which reads the body; and only for those who post
    inspections, so nobody else may send a large body."""
    if request.method == "POST" and current_user.is_authenticated \
            and current_user.role in POSTERS:
        request.max_content_length = storage.photo_body_limit(photo_service.MAX_PHOTOS,
                                                              encoding_overhead=1)


def _require_poster() -> None:
    if current_user.role not in POSTERS:
        raise Forbidden(_("Only inspectors, street administrators and administrators post "
                          "inspections."))


# --------------------------------------------------------------------------- the form

@form_bp.route("/new", methods=["GET", "POST"])
def new():
    """The inspection form (the time filled in: now), above the user's inspections of
    today. A valid form is stored, its photos attached, and the page shown again empty
    (POST/redirect/GET); a form sent twice is one inspection."""
    _require_poster()
    form = InspectionForm()
    if not form.is_submitted():
        form.fill_now(local_now())
        return _form_page(form)
    form.validate()
    if form.csrf_token.errors:  # an expired page: nothing is stored, the values stay
        form.form_errors.extend(form.csrf_token.errors)
        return _form_page(form, 422)
    record = form.record()
    pictures = _read_photos(form)
    if form.community_id.data is None and not form.community_id.errors:
        form.community_id.errors = [_("Choose the community inspected.")]
    if form.errors:  # what could not be read: the service's messages for the rest beside it
        rules = InspectionRules(current_user)
        _answer, problems = rules.check(record, Places([record]))
        if rules.outside:
            raise Forbidden(_("You may inspect the communities of your own town or street "
                              "only."))
        _show(form, {name: messages for name, messages in problems.items()
                     if not form[ON_FORM.get(name, name)].errors})
        return _form_page(form, 422)
    try:
        row, created = post_inspection(current_user, record, form.idempotency_key.data)
    except RuleViolation as exc:
        db.session.rollback()
        _show(form, exc.errors)
        return _form_page(form, 422)
    except Conflict:
        db.session.rollback()
        form.idempotency_key.data = uuid.uuid4().hex  # sent again: a new inspection
        form.form_errors.append(_("This form was saved before with other figures (see today's "
                                  "inspections below). Send it again to save these figures "
                                  "as another inspection."))
        return _form_page(form, 409)
    attached = _attach(row.id, pictures)
    community = db.session.get(Community, row.community_id).name
    if created:
        flash(_("Saved: the inspection of %(community)s at %(time)s.", community=community,
                time=moment(row.inspected_at)), "success")
    else:
        flash(_("Already saved (the form was sent twice), counted once: the inspection of "
                "%(community)s at %(time)s.", community=community,
                time=moment(row.inspected_at)), "success")
    if attached:
        flash(ngettext("%(num)s photo attached.", "%(num)s photos attached.", attached),
              "success")
    return redirect(url_for(".new"))


def _show(form: InspectionForm, errors: dict) -> None:
    show_rule_errors(form, {ON_FORM.get(name, name): messages
                            for name, messages in errors.items()})


def _read_photos(form: InspectionForm) -> list[bytes]:
    """The photos sent (at most MAX_PHOTOS), each checked by its content and size; messages
    on the ``photos`` field, naming the file."""
    files = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
    limit = current_app.config["PHOTO_MAX_BYTES"]
    if len(files) > photo_service.MAX_PHOTOS:
        form.photos.errors = [_("An inspection has at most %(n)s photos.",
                                n=photo_service.MAX_PHOTOS)]
        return []
    pictures, errors = [], []
    for upload in files:
        data = upload.read(limit + 1)
        try:
            storage.check_photo(data, form.photos.name)
        except RuleViolation as exc:
            errors.extend(_("%(label)s: %(value)s", label=upload.filename, value=message)
                          for messages in exc.errors.values() for message in messages)
        else:
            pictures.append(data)
    if errors:
        form.photos.errors = [*errors, _("Choose the photos again: a page sent back keeps no "
                                         "files.")]
    return pictures


def _attach(inspection_id: int, pictures: list[bytes]) -> int:
    """Attach the checked photos; a picture attached before (the form sent twice) counts once.
    A photo refused now (the inspection was voided meanwhile) is said in a message."""
    attached = 0
    for data in pictures:
        try:
            _photo, created = photo_service.attach_photo(current_user, inspection_id, data)
        except (RuleViolation, Conflict) as exc:
            db.session.rollback()
            flash(str(exc.description) if isinstance(exc, Conflict) else
                  " ".join(str(m) for ms in exc.errors.values() for m in ms), "error")
        else:
            attached += created
    return attached


def _form_page(form: InspectionForm, status: int = 200):
    """The form with the user's places (a town's or street's communities and points as
    lists; an administrator's as pickers) and their inspections of today."""
    township_id = current_user.township_id
    communities = points = None
    if township_id is not None:
        communities = db.session.execute(
            select(Community.id, Community.name).where(Community.township_id == township_id)
            .order_by(Community.name)).all()
        points = db.session.execute(
            select(RecyclingPoint.id, RecyclingPoint.name, Community.name)
            .join(Community, RecyclingPoint.community_id == Community.id)
            .where(RecyclingPoint.township_id == township_id, RecyclingPoint.active)
            .order_by(Community.name, RecyclingPoint.name)).all()
    today = local_today()
    todays = db.session.scalars(_with_places(inspections_query(
        current_user, inspector_id=current_user.id, date_from=today, date_to=today))).all()
    return render_template("inspections/new.html", form=form, communities=communities,
                           points=points, today=today, items=_items(todays),
                           here=url_for(".new"), max_photos=photo_service.MAX_PHOTOS,
                           photo_mb=f"{current_app.config['PHOTO_MAX_BYTES'] / 1_000_000:g}"
                           ), status


# --------------------------------------------------------------------------- the list

def _with_places(stmt):
    return stmt.options(joinedload(Inspection.community).joinedload(Community.township),
                        joinedload(Inspection.recycling_point),
                        joinedload(Inspection.sorting_bin), selectinload(Inspection.photos))


def _items(rows: list[Inspection]) -> list[dict]:
    """Each inspection with its own participation and accuracy, its contaminated bags or bins
    by category, who posted and voided it, and whether this user may void it."""
    ids = {r.inspector_id for r in rows} | {r.voided_by_id for r in rows}
    ids.discard(None)
    names = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids)))
                 .all()) if ids else {}
    may = current_user.role in POSTERS
    return [{"row": r, "inspector": names.get(r.inspector_id, "–"),
             "voided_by": names.get(r.voided_by_id, "–"),
             "participation_percent": participation_percent(r.households_seen,
                                                            r.households_sorted),
             "accuracy_percent": accuracy_percent(r.items_inspected, r.items_correct),
             "contaminated": " · ".join(
                 _("%(label)s: %(value)s", label=CATEGORY_LABELS[c], value=number(n))
                 for c, column in CONTAMINATED.items() if (n := getattr(r, column))),
             "may_void": may and not r.voided and may_void(current_user, r,
                                                           r.community.township_id)}
            for r in rows]


@bp.get("/")
def index():
    """The inspections the user may read, newest first, by community and days; 20 a page,
    each page found from the last row of the one before."""
    filter_form = InspectionFilterForm(formdata=request.args)
    status = 200
    if filter_form.validate():
        stmt = inspections_query(current_user, community_id=filter_form.community_id.data,
                                 date_from=filter_form.date_from.data,
                                 date_to=filter_form.date_to.data)  # 403: reads none
        page = keyset_paginate(_with_places(stmt), Inspection.id, descending=True,
                               per_page=PER_PAGE)
    else:
        inspections_query(current_user)  # 403 for roles that read none, before the messages
        page, status = KeysetPage([], None, None, None), 422
    township_id = current_user.township_id if current_user.role in (
        Role.STREET_ADMIN, Role.INSPECTOR) else None
    communities = db.session.execute(
        select(Community.id, Community.name).where(Community.township_id == township_id)
        .order_by(Community.name)).all() if township_id is not None else None
    return render_template("inspections/index.html", filter_form=filter_form, page=page,
                           items=_items(page.items), communities=communities,
                           may_post=current_user.role in POSTERS,
                           here=request.full_path.rstrip("?")), status


@bp.post("/<int:inspection_id>/void")
def void(inspection_id: int):
    """Void an inspection with a reason (a correction: nothing is deleted), then back to the
    list or to the page named by ``next``. Another town's or street's inspection is not
    found; one the user may read but not void (another inspector's) is forbidden."""
    row = get_inspection(current_user, inspection_id)
    form = InspectionVoidForm()
    back = safe_next(form.next.data) or url_for(".index")
    if not form.validate_on_submit():
        flash(_("The form has expired; please void the inspection again."), "error")
        return redirect(back)
    try:
        void_inspection(current_user, row.id, form.reason.data)
    except RuleViolation as exc:
        db.session.rollback()
        flash(" ".join(str(m) for ms in exc.errors.values() for m in ms), "error")
    except Conflict:
        db.session.rollback()
        flash(_("This inspection is already void."), "error")
    else:
        flash(_("Inspection voided: its figures are taken out of every total."), "success")
    return redirect(back)


@bp.get("/<int:inspection_id>/photos/<int:photo_id>")
def photo(inspection_id: int, photo_id: int):
    """A photo of an inspection the user may read; for anyone else it does not exist."""
    try:
        return photo_service.photo_file(current_user, inspection_id, photo_id)
    except Forbidden:
        raise NotFound() from None
