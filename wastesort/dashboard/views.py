"""The manager's dashboard and its drill-down: the city, a district, a town or street, a
community — each level with its trends (12 months by stream, coverage, the inspection rates
where there are any) and links to the level below.

The city's page fits a screen and a half: today against the capacity, the 30-day and 12-month
trends by stream, the nine districts side by side, the red and black lists of the last month,
the forecast; the lists of every day in warning and of every town and street are folded away.
Tonnage is set against the city's disposal capacity, a city-wide figure; a street
administrator (or a point's staff) lands on its own town's or street's page and may open its
communities; reading another area is "not found". Every figure comes from
:mod:`wastesort.metrics` (through :mod:`.figures`, which keeps what is costly once a day).
"""

import datetime as dt

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.scope import TOWNSHIP_ROLES, reads_everything
from ..areas.models import Community, District, Township
from ..collections.forms import CATEGORY_LABELS
from ..errors_domain import NotFound
from ..extensions import db
from ..metrics.capacity import daily_capacity
from ..metrics.coverage import community_coverage, coverage_levels
from ..metrics.formulas import coverage_percent
from ..metrics.inspections import month_to_date
from ..metrics.trends import Scope
from ..pages import login_required_for, number, pct
from ..timeutil import local_today
from .charts import (
    coverage_chart,
    districts_chart,
    months_chart,
    percent_lines_chart,
    tonnage_chart,
)
from .figures import last_month_ranking, trends

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
login_required_for(bp)

DAYS = 30
SORT_KEYS = {
    "name": lambda r: (r.get("district_name", ""), r["name"]),
    "households": lambda r: r["households"],
    "coverage": lambda r: -1 if r["coverage_percent"] is None else r["coverage_percent"],
    "points": lambda r: r["recycling_points"],
}


def _own_township_id() -> int | None:
    """The town or street a user who does not read everything is limited to (None: the
    city's figures, for a facility operator)."""
    if current_user.role in TOWNSHIP_ROLES:
        return current_user.township_id
    point = current_user.recycling_point
    return point.township_id if point is not None else None


def _may_read_township(township_id: int) -> bool:
    return reads_everything(current_user) or _own_township_id() == township_id


@bp.get("/")
def index():
    """The city (administrators, managers, facility operators), one district of it
    (``?district_id=``), or the user's own town or street."""
    if reads_everything(current_user):
        district_id = request.args.get("district_id", type=int)
        if district_id is not None and db.session.get(District, district_id) is not None:
            return _district_page(district_id)
        return _city_page()
    own = _own_township_id()
    return _township_page(own) if own is not None else _city_page()


@bp.get("/district/<int:district_id>")
def district(district_id: int):
    """A district: its trends and its towns and streets."""
    if not reads_everything(current_user) or db.session.get(District, district_id) is None:
        raise NotFound()
    return _district_page(district_id)


@bp.get("/township/<int:township_id>")
def township(township_id: int):
    """A town or street: its trends and its communities."""
    if not _may_read_township(township_id):
        raise NotFound()
    return _township_page(township_id)


@bp.get("/community/<int:community_id>")
def community(community_id: int):
    """A community: its trends (tonnage of the recycling points attached to it)."""
    found = db.session.get(Community, community_id)
    if found is None or not _may_read_township(found.township_id):
        raise NotFound()
    return _community_page(found)


# --------------------------------------------------------------------------- the pieces

def _labels() -> dict:
    cfg = current_app.config
    return {"category_labels": {c.value: label for c, label in CATEGORY_LABELS.items()},
            "warning_percent": cfg["CAPACITY_WARNING_PERCENT"],
            "full_percent": cfg["COVERAGE_FULL_PERCENT"], "day_count": DAYS}


def _capacity_days(today: dt.date) -> tuple[list[dict], dict]:
    days = daily_capacity(today - dt.timedelta(days=DAYS - 1), today)
    cfg = current_app.config
    chart = tonnage_chart(
        days, days[-1]["capacity_t"], cfg["CAPACITY_WARNING_PERCENT"],
        title=_("Tonnes collected per day, last %(n)s days", n=DAYS),
        capacity_label=_("capacity %(t)s t/day", t=number(days[-1]["capacity_t"])),
        warning_label=_("warning %(p)s", p=pct(cfg["CAPACITY_WARNING_PERCENT"], 0)))
    return days, chart


def _trend_charts(name: str, figures: dict, capacity_t: float | None,
                  forecast: list[dict] | None = None) -> dict:
    charts = {
        "months": months_chart(
            figures["months"], capacity_t,
            title=_("%(area)s: tonnes per day by month, last 12 months", area=name),
            capacity_label=_("capacity %(t)s t/day", t=number(capacity_t))
            if capacity_t else None, forecast=forecast,
            forecast_label=_("forecast") if forecast else None),
        "coverage": percent_lines_chart(
            figures["coverage"], [("coverage_percent", _("coverage"), "#2e7d4f")],
            title=_("%(area)s: coverage at each month's end", area=name)),
    }
    if figures["rates"]:
        charts["rates"] = percent_lines_chart(
            figures["rates"], [("participation_percent", _("participation"), "#1f5fa8"),
                               ("accuracy_percent", _("accuracy"), "#b7791f")],
            title=_("%(area)s: participation and accuracy by month", area=name))
    return charts


def _sorted(rows: list[dict]) -> tuple[list[dict], str, str]:
    sort = request.args.get("sort", "coverage")
    sort = sort if sort in SORT_KEYS else "coverage"
    direction = "desc" if request.args.get("dir") == "desc" else "asc"
    rows.sort(key=SORT_KEYS[sort], reverse=direction == "desc")
    return rows, sort, direction


def _districts_menu() -> list[District]:
    return db.session.scalars(select(District).order_by(District.code)).all() \
        if reads_everything(current_user) else []


def _city_page():
    """The city on a screen and a half."""
    from .forecast_view import forecast_for_dashboard

    today = local_today()
    days, tonnage = _capacity_days(today)
    summary, districts, townships = coverage_levels(today)
    ranking = last_month_ranking(today)
    per_household = {d["id"]: d for d in ranking["districts"]}
    for row in districts:
        row["kg_per_household_day"] = per_household.get(row["id"], {}).get(
            "kg_per_household_day") or {}
    figures = trends(today, Scope(), summary)
    forecast = forecast_for_dashboard(today)
    scope_name = _("Chongqing (whole city)")
    charts = {"tonnage": tonnage,
              **_trend_charts(scope_name, figures, days[-1]["capacity_t"],
                              forecast["months"] if forecast else None),
              "districts": districts_chart(districts, title=_(
                  "The districts side by side: kg per household and day by stream, and "
                  "coverage")),
              "coverage_units": coverage_chart(
                  districts, current_app.config["COVERAGE_FULL_PERCENT"],
                  title=_("Coverage of households by %(unit)s", unit=_("district")),
                  threshold_label=_("covered from %(p)s",
                                    p=pct(current_app.config["COVERAGE_FULL_PERCENT"], 0)))}
    townships, sort, direction = _sorted(townships)
    return render_template(
        "dashboard/index.html", level="city", today=days[-1], days=days,
        alerts=[d for d in reversed(days) if d["status"] != "ok"], summary=summary,
        districts=districts, rows=townships, ranking=ranking, charts=charts, trends=figures,
        forecast=forecast, scope_name=scope_name, sort=sort, direction=direction,
        district_menu=_districts_menu(), district_id=None, township=None,
        unit_label=_("towns and streets"), inspections=month_to_date(today), **_labels())


def _district_page(district_id: int):
    today = local_today()
    days, tonnage = _capacity_days(today)
    summary, districts, townships = coverage_levels(today, district_id=district_id)
    district_row = districts[0] if districts else summary
    district_obj = db.session.get(District, district_id)
    figures = trends(today, Scope(district_id=district_id), district_row)
    charts = {"tonnage": tonnage, **_trend_charts(district_obj.name, figures, None),
              "coverage_units": coverage_chart(
                  townships, current_app.config["COVERAGE_FULL_PERCENT"],
                  title=_("Coverage of households by %(unit)s", unit=_("towns and streets")),
                  threshold_label=_("covered from %(p)s",
                                    p=pct(current_app.config["COVERAGE_FULL_PERCENT"], 0)))}
    townships, sort, direction = _sorted(townships)
    return render_template(
        "dashboard/index.html", level="district", today=days[-1], days=days,
        alerts=[d for d in reversed(days) if d["status"] != "ok"], summary=district_row,
        rows=townships, charts=charts, trends=figures, scope_name=district_obj.name,
        district=district_obj, sort=sort, direction=direction, district_menu=_districts_menu(),
        district_id=district_id, township=None, unit_label=_("towns and streets"),
        inspections=month_to_date(today, district_id=district_id), **_labels())


def _township_page(township_id: int):
    today = local_today()
    township_obj = db.session.get(Township, township_id)
    if township_obj is None:
        raise NotFound()
    days, tonnage = _capacity_days(today)
    communities = community_coverage(today, township_id=township_id)
    summary = _added_up(communities)
    figures = trends(today, Scope(township_id=township_id), summary)
    charts = {"tonnage": tonnage, **_trend_charts(township_obj.name, figures, None),
              "coverage_units": coverage_chart(
                  communities, current_app.config["COVERAGE_FULL_PERCENT"],
                  title=_("Coverage of households by %(unit)s", unit=_("communities")),
                  threshold_label=_("covered from %(p)s",
                                    p=pct(current_app.config["COVERAGE_FULL_PERCENT"], 0)))}
    communities, sort, direction = _sorted(communities)
    return render_template(
        "dashboard/index.html", level="township", today=days[-1], days=days,
        alerts=[d for d in reversed(days) if d["status"] != "ok"], summary=summary,
        rows=communities, charts=charts, trends=figures, scope_name=township_obj.name,
        district=township_obj.district, township=township_obj,
        sort=sort, direction=direction,
        district_menu=_districts_menu(), district_id=None, unit_label=_("communities"),
        inspections=month_to_date(today, township_id=township_id), **_labels())


def _added_up(communities: list[dict]) -> dict:
    """A town's or street's coverage from its communities' rows (as the district and city
    rows add up their towns and streets): one count of the bins and tallies, not two."""
    households = sum(r["households"] for r in communities)
    covered = sum(r["households_covered"] for r in communities)
    percent = coverage_percent(households, covered)
    return {"households": households, "households_covered": covered,
            "coverage_percent": percent,
            "recycling_points": sum(r["recycling_points"] for r in communities),
            "covered": percent is not None
            and percent >= current_app.config["COVERAGE_FULL_PERCENT"]}


def _community_page(found: Community):
    today = local_today()
    township_obj = found.township
    row = next((r for r in community_coverage(today, township_id=township_obj.id)
                if r["id"] == found.id), None)
    figures = trends(today, Scope(community_id=found.id), row)
    charts = _trend_charts(found.name, figures, None)
    return render_template(
        "dashboard/community.html", community=found, township=township_obj,
        district=township_obj.district, summary=row, charts=charts, trends=figures,
        **_labels())
