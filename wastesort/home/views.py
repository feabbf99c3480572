from flask import Blueprint, render_template
from sqlalchemy import func, select

from ..extensions import db
from ..facilities.models import TreatmentFacility
from ..metrics.capacity import daily_capacity
from ..metrics.coverage import coverage
from ..timeutil import local_today

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Districts, towns and streets, households and their coverage, facilities and today's
    tonnage against the disposal capacity: open to anyone, aggregates only."""
    today = local_today()
    city = coverage("city", today)[0]
    districts = coverage("district", today)
    facilities = db.session.scalar(
        select(func.count()).select_from(TreatmentFacility).where(TreatmentFacility.active))
    return render_template("home/index.html", today=today, city=city, districts=districts,
                           facilities=facilities, day=daily_capacity(today, today)[0])
