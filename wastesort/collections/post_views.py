"""``/post``: recycling-point staff post a day's four streams in one go from a phone, with their
point's totals of the day on the same screen. The rules are in :mod:`.quick`; this parses the
form, shows the answer beside the boxes, and redirects after a post (POST/redirect/GET), so a
reload never sends the form again and the next post gets new keys."""

from babel.lists import format_list
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import format_time, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField
from wtforms.validators import Optional

from ..accounts.models import Role
from ..enums import WasteCategory
from ..errors_domain import Forbidden
from ..pages import day as format_day
from ..pages import login_required_for, number
from ..timeutil import local_today
from . import quick
from .forms import CATEGORY_LABELS

bp = Blueprint("post_pages", __name__)
login_required_for(bp)

WEIGHT_INPUT = {"inputmode": "numeric", "min": 1, "step": 1, "autocomplete": "off",
                "class": "weight"}


class QuickPostForm(FlaskForm):
    """The date and one weight box per category, each box with the key the server made for it
    (a resend of this form is a replay) and, after a near-duplicate warning, the weight the
    person is asked to confirm."""

    collected_on = DateField(_l("Date collected"), validators=[Optional()])
    weight_recyclable = IntegerField(CATEGORY_LABELS[WasteCategory.RECYCLABLE],
                                     validators=[Optional()], render_kw=WEIGHT_INPUT)
    weight_hazardous = IntegerField(CATEGORY_LABELS[WasteCategory.HAZARDOUS],
                                    validators=[Optional()], render_kw=WEIGHT_INPUT)
    weight_kitchen = IntegerField(CATEGORY_LABELS[WasteCategory.KITCHEN],
                                  validators=[Optional()], render_kw=WEIGHT_INPUT)
    weight_residual = IntegerField(CATEGORY_LABELS[WasteCategory.RESIDUAL],
                                   validators=[Optional()], render_kw=WEIGHT_INPUT)
    key_recyclable = HiddenField(default=quick.new_key)
    key_hazardous = HiddenField(default=quick.new_key)
    key_kitchen = HiddenField(default=quick.new_key)
    key_residual = HiddenField(default=quick.new_key)
    # Rendered only beside a near duplicate; honoured only with the "post anyway" button.
    confirm_recyclable = HiddenField()
    confirm_hazardous = HiddenField()
    confirm_kitchen = HiddenField()
    confirm_residual = HiddenField()
    post_anyway = HiddenField()  # the confirming button's name; never rendered as a field

    def boxes(self, confirmed: bool) -> list[quick.Box]:
        return [quick.Box(category=c, weight_kg=self[f"weight_{c.value}"].data,
                          idempotency_key=self[f"key_{c.value}"].data or "",
                          confirmed_kg=_whole(self[f"confirm_{c.value}"].data) if confirmed
                          else None,
                          unreadable=bool(self[f"weight_{c.value}"].errors))
                for c in WasteCategory]

    def show(self, answer: quick.Answer) -> None:
        """The answer's messages beside the boxes and the date; a box whose key was used for
        another figure gets a new one."""
        for category, messages in answer.box_errors.items():
            self[f"weight_{category.value}"].errors.extend(str(m) for m in messages)
        if not self.collected_on.errors:  # a date that did not parse says so already
            self.collected_on.errors = [str(m) for m in answer.day_errors]
        self.form_errors.extend(str(m) for m in answer.form_errors)
        for category, key in answer.new_keys.items():
            self[f"key_{category.value}"].data = key


def _whole(text) -> int | None:
    return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() \
        and len(text) <= 9 else None


@bp.before_request
def _staff_only():
    if current_user.role is not Role.POINT_STAFF:
        raise Forbidden(quick.STAFF_ONLY)


@bp.route("/post", methods=["GET", "POST"])
def index():
    """The four boxes and the date (today in the city) above the point's totals of today."""
    form = QuickPostForm()
    if not form.is_submitted():
        form.collected_on.data = local_today()
        return _page(form)
    valid = form.validate()
    if form.csrf_token.errors:  # an expired page: nothing is posted, the values stay
        form.form_errors.extend(form.csrf_token.errors)
        return _page(form, status=422)
    answer = quick.post_boxes(current_user, form.collected_on.data,
                              form.boxes(confirmed=form.post_anyway.data == "1"))
    if answer.stored:
        _flash_saved(answer, form.collected_on.data)
        return redirect(url_for(".index"))
    form.show(answer)
    if not valid or form.errors or form.form_errors:
        return _page(form, answer.near_duplicates, status=422)
    return _page(form, answer.near_duplicates, status=409)


def _flash_saved(answer: quick.Answer, day) -> None:
    locale = get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]

    def items(pairs):
        return format_list([_("%(weight)s kg of %(category)s", weight=number(kg),
                              category=CATEGORY_LABELS[category]) for category, kg in pairs],
                           locale=locale)

    if answer.saved:
        flash(_("Saved for %(day)s: %(items)s.", day=format_day(day),
                items=items(answer.saved)), "success")
    if answer.replayed:
        flash(_("Already saved (the form was sent twice), counted once: %(items)s.",
                items=items(answer.replayed)), "success")


def _page(form: QuickPostForm, near: dict | None = None, status: int = 200):
    point_id = current_user.recycling_point_id
    today = local_today()
    totals = quick.day_totals_kg(point_id, today)
    warnings = {category: format_time(posted_at, "short")
                for category, posted_at in (near or {}).items()}
    return render_template(
        "collections/post.html", form=form, categories=list(WasteCategory),
        labels=CATEGORY_LABELS, point=current_user.recycling_point, today=today,
        totals=totals, total_kg=sum(totals.values()),
        postings=[(row, poster, format_time(row.posted_at, "short"))
                  for row, poster in quick.day_postings(point_id, today)],
        near=warnings, near_minutes=current_app.config["NEAR_DUPLICATE_MINUTES"]), status
