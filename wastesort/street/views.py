""""My street today": a street administrator's own town or street (their landing page), and
the same page of any town or street for managers and administrators (linked from the
dashboard's coverage table).

Who may read which street is :mod:`wastesort.accounts.scope`'s rule: another street is "not
found" for a street administrator, and point staff read no town or street (403). Every figure
comes from :mod:`wastesort.metrics.street`.
"""

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..accounts.scope import township_scope
from ..areas.models import Township
from ..collections.forms import CATEGORY_LABELS
from ..enums import WasteCategory
from ..errors_domain import NotFound
from ..extensions import db
from ..metrics.bintasks import street_tasks
from ..metrics.inspections import recent_figures
from ..metrics.street import TREND_DAYS, street_today
from ..pages import login_required_for, tonnes
from ..timeutil import local_today
from .charts import trend_chart

bp = Blueprint("street_pages", __name__, url_prefix="/street")
login_required_for(bp)


@bp.get("/")
def today():
    """The user's own town or street; managers and administrators, who have none, choose one
    from the dashboard."""
    scope = township_scope(current_user)  # 403 for point staff
    if scope is None:
        return redirect(url_for("dashboard.index"))
    return _page(scope)


@bp.get("/<int:township_id>")
def township(township_id: int):
    """Any town or street in the user's scope (404 outside it, as for every registry page)."""
    scope = township_scope(current_user)
    if scope is not None and scope != township_id:
        raise NotFound()
    return _page(township_id)


def _page(township_id: int):
    township = db.session.scalar(db.select(Township).options(joinedload(Township.district))
                                 .where(Township.id == township_id))
    if township is None:
        raise NotFound()
    figures = street_today(township.id, local_today())
    average_t = figures["tonnage"]["rows"][-1]["average_t"]
    chart = trend_chart(
        figures["trend"], average_t,
        title=_("%(street)s: tonnes collected per day, last %(n)s days", street=township.name,
                n=TREND_DAYS),
        average_label=_("the street's average %(t)s per day", t=tonnes(average_t, 2)))
    labels = {c.value: str(label) for c, label in CATEGORY_LABELS.items()}
    labels["all"] = _("All categories")
    return render_template("street/today.html", township=township, chart=chart,
                           categories=[c.value for c in WasteCategory], category_labels=labels,
                           trend_days=TREND_DAYS,
                           bin_tasks=street_tasks(township.id),
                           inspections=recent_figures(local_today(), township_id=township.id),
                           own_street=township.id == current_user.township_id, **figures)
