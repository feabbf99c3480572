"""The dashboard, scoped to the user: the city (administrators, managers, or one district of
it), or one town or street (its street administrator, or the township of a point's staff).

Tonnage is set against the city's disposal capacity, a city-wide figure, so that part is the
city's for everyone; coverage follows the user's scope. Every figure comes from
:mod:`wastesort.metrics`.
"""

import datetime as dt

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.scope import TOWNSHIP_ROLES, reads_everything
from ..areas.models import District, Township
from ..collections.forms import CATEGORY_LABELS
from ..extensions import db
from ..metrics.capacity import daily_capacity
from ..metrics.coverage import community_coverage, coverage_levels, township_coverage
from ..pages import login_required_for, number, pct
from ..timeutil import local_today
from .charts import coverage_chart, tonnage_chart

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
login_required_for(bp)

DAYS = 30
SORT_KEYS = {
    "name": lambda r: (r.get("district_name", ""), r["name"]),
    "households": lambda r: r["households"],
    "coverage": lambda r: -1 if r["coverage_percent"] is None else r["coverage_percent"],
    "points": lambda r: r["recycling_points"],
}


def _scope() -> tuple[int | None, Township | None]:
    """(district_id, township) the dashboard is limited to; (None, None) is the city."""
    if reads_everything(current_user):
        district_id = request.args.get("district_id", type=int)
        if district_id is not None and db.session.get(District, district_id) is None:
            district_id = None
        return district_id, None
    if current_user.role in TOWNSHIP_ROLES:
        return None, current_user.township
    point = current_user.recycling_point  # a facility operator has none: the city's figures
    return None, point.township if point is not None else None


@bp.get("/")
def index():
    """Tonnage of today and the last 30 days against capacity, utilisation and headroom,
    days in warning or over capacity, and coverage by town and street (chart and table)."""
    today = local_today()
    cfg = current_app.config
    days = daily_capacity(today - dt.timedelta(days=DAYS - 1), today)
    alerts = [d for d in reversed(days) if d["status"] != "ok"]
    district_id, township = _scope()
    if township is not None:
        summary = township_coverage(today, township_id=township.id)[0]
        rows = community_coverage(today, township_id=township.id)
        scope_name = township.name
    elif district_id is not None:
        # one count of the district's towns and streets gives both the rows and the total
        summary, districts, rows = coverage_levels(today, district_id=district_id)
        summary = districts[0] if districts else summary
        scope_name = districts[0]["name"] if districts else \
            db.session.get(District, district_id).name
    else:
        summary, _districts, rows = coverage_levels(today)
        scope_name = _("Chongqing (whole city)")
    sort = request.args.get("sort", "coverage")
    sort = sort if sort in SORT_KEYS else "coverage"
    direction = "desc" if request.args.get("dir") == "desc" else "asc"
    rows.sort(key=SORT_KEYS[sort], reverse=direction == "desc")
    unit_label = _("communities") if township is not None else _("towns and streets")
    charts = {
        "tonnage": tonnage_chart(
            days, days[-1]["capacity_t"], cfg["CAPACITY_WARNING_PERCENT"],
            title=_("Tonnes collected per day, last %(n)s days", n=DAYS),
            capacity_label=_("capacity %(t)s t/day", t=number(days[-1]["capacity_t"])),
            warning_label=_("warning %(p)s", p=pct(cfg["CAPACITY_WARNING_PERCENT"], 0))),
        "coverage": coverage_chart(
            rows, cfg["COVERAGE_FULL_PERCENT"],
            title=_("Coverage of households by %(unit)s", unit=unit_label),
            threshold_label=_("covered from %(p)s", p=pct(cfg["COVERAGE_FULL_PERCENT"], 0))),
    }
    districts = db.session.scalars(select(District).order_by(District.code)).all() \
        if reads_everything(current_user) else []
    return render_template(
        "dashboard/index.html", today=days[-1], days=days, alerts=alerts, summary=summary,
        rows=rows, township=township, scope_name=scope_name, charts=charts, sort=sort,
        direction=direction, districts=districts, district_id=district_id,
        warning_percent=cfg["CAPACITY_WARNING_PERCENT"],
        full_percent=cfg["COVERAGE_FULL_PERCENT"], unit_label=unit_label, day_count=DAYS,
        category_labels={c.value: label for c, label in CATEGORY_LABELS.items()})
