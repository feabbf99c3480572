"""The ranking page (红黑榜): managers and administrators, and street administrators for their
own town or street. The form is a GET: a ranking is a bookmarkable address."""

import datetime as dt

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Role
from ..areas.models import District, Township
from ..errors_domain import Forbidden, RuleViolation
from ..extensions import db
from ..metrics.rankings import RANKED
from ..pages import login_required_for, number, optional_int, pct
from .labels import FIELDS, FIGURE_LABELS, LEVEL_LABELS, PERIOD_LABELS, UNITS
from .service import PERIODS, ranking_view

bp = Blueprint("ranking_pages", __name__, url_prefix="/rankings")
login_required_for(bp)


@bp.before_request
def _roles():
    if current_user.role not in (Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN):
        raise Forbidden(_("Rankings are for managers, administrators and street "
                          "administrators."))


def _day(text: str | None, errors: dict) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        errors["day"] = [_("Enter a date as YYYY-MM-DD, not %(value)s.", value=repr(text))]
        return None


@bp.get("/")
def index():
    """Every town and street (or one's communities) ranked for a month or week on the chosen
    figure, with the red and black lists and each place's movement."""
    args = request.args
    errors: dict = {}
    choice = {"level": args.get("level") or "township", "period": args.get("period") or "month",
              "by": args.get("by") or "composite",
              "township_id": optional_int(args.get("township_id")),
              "district_id": optional_int(args.get("district_id"))}
    day = _day(args.get("day"), errors)
    view, status = None, 200
    if not errors:
        try:
            view = ranking_view(current_user, day=day, **choice)
        except RuleViolation as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()}
    if errors:
        status = 422
    weights = [_("%(figure)s %(weight)s", figure=FIGURE_LABELS[k], weight=number(w))
               for k, w in view["weights"].items()] if view else []
    shown = [k for k in RANKED if k == "composite" or k in view["figures"]] if view else []
    if view:
        for row in view["rows"]:  # formatted here: a macro per cell was half the page's time
            row["cells"] = [shown_value(row, key) for key in shown]
    manager = current_user.role in (Role.ADMIN, Role.MANAGER)
    districts = db.session.scalars(select(District).order_by(District.code)).all() \
        if manager else []
    townships = db.session.execute(
        select(Township.id, Township.name, District.name).join(District)
        .order_by(District.code, Township.name)).all() if manager else []
    return render_template(
        "rankings/index.html", view=view, errors=errors, choice=choice,
        day=args.get("day", ""), manager=manager, districts=districts, townships=townships,
        ranked=RANKED, periods=PERIODS, labels=FIGURE_LABELS, units=UNITS, fields=FIELDS,
        period_labels=PERIOD_LABELS, level_labels=LEVEL_LABELS, weights=weights,
        shown=shown), status


def shown_value(row: dict, key: str) -> str:
    """One figure of a row with its unit, as the page shows it."""
    value = row[FIELDS[key]]
    if value is None:
        return "–"
    if UNITS[key] == "percent":
        return pct(value, 2)
    if UNITS[key] == "kg":
        return _("%(kg)s kg", kg=number(value, 3))
    return number(value, 2)
