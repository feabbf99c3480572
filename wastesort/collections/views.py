"""The collection page: point staff post the day's weighings (from a phone) and void a
wrong one with a reason; others read the postings of their scope."""

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..accounts.models import Role
from ..errors_domain import Conflict, RuleViolation
from ..extensions import db
from ..pages import day as format_day
from ..pages import keyset_paginate, login_required_for, number, show_rule_errors
from ..timeutil import local_today
from .forms import CATEGORY_LABELS, CollectionForm, VoidForm
from .models import Collection
from .service import (
    check_collection,
    get_collection,
    post_collection,
    visible_collections,
    void_collection,
)

bp = Blueprint("collection_pages", __name__, url_prefix="/collections")
login_required_for(bp)

POSTERS = (Role.ADMIN, Role.POINT_STAFF)


def _page(form: CollectionForm | None, status: int = 200):
    """The page with the latest postings first (by id: the order they were stored in),
    20 at a time, each page found from the last id of the one before."""
    stmt = visible_collections(current_user).options(joinedload(Collection.recycling_point))
    page = keyset_paginate(stmt, Collection.id, descending=True, per_page=20)
    return render_template("collections/index.html", form=form, page=page,
                           void_form=VoidForm(), labels=CATEGORY_LABELS), status


@bp.route("/", methods=["GET", "POST"])
def index():
    """The posting form (defaults: the user's own point and today) above recent postings."""
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


@bp.post("/<int:collection_id>/void")
def void(collection_id: int):
    """Void one posting with a reason (a correction: nothing is deleted)."""
    row = get_collection(current_user, collection_id)  # 404 outside the user's scope
    form = VoidForm()
    if not form.validate_on_submit():
        flash(_("Give a reason of 1 to 200 characters to void a posting."), "error")
        return redirect(url_for(".index"))
    try:
        void_collection(current_user, row.id, form.reason.data)
    except RuleViolation as exc:
        db.session.rollback()
        flash(" ".join(_(str(m)) for ms in exc.errors.values() for m in ms), "error")
    except Conflict:
        db.session.rollback()
        flash(_("This posting is already void."), "error")
    else:
        flash(_("Posting voided."), "success")
    return redirect(url_for(".index"))
