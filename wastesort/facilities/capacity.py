"""A facility's capacity over time: the periods the figures measure each day against.

A period starts on a local day and lasts until the facility's next one: a new line, a week of
maintenance (capacity 0, then a period back at the old capacity), a closure, or a planned
change entered ahead of time. Administrators set them; everyone who reads the facilities reads
them. A period set for a day that already starts one replaces its capacity and note (a
correction); only a period that has not started yet can be removed (the past stays as it was
measured). No aggregate follows a capacity, so no lock is needed: the unique (facility, day)
index settles two administrators entering the same day at once.
"""

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import Role, User
from ..accounts.scope import require_roles
from ..errors_domain import NotFound, RuleViolation
from ..extensions import db
from ..rules import check_int, check_text, commit_unique, get_by_id
from ..timeutil import local_today
from .models import FacilityCapacity, TreatmentFacility

MAX_CAPACITY_T_PER_DAY = 100_000
EARLIEST_DAY = dt.date(2000, 1, 1)  # the history the migration starts from
MAX_DAYS_AHEAD = 3660  # a planned change up to ten years ahead
SAME_DAY = _l("Another change for this day was saved at the same moment; look again.")


def history(facility: TreatmentFacility) -> list[FacilityCapacity]:
    """The facility's periods, latest first (the caller has read the facility)."""
    return list(db.session.scalars(
        select(FacilityCapacity).where(FacilityCapacity.treatment_facility_id == facility.id)
        .order_by(FacilityCapacity.effective_from.desc())))


def set_capacity(user: User, facility_id: int, data: dict) -> FacilityCapacity:
    """Set the capacity from ``effective_from`` (a date) on: capacity_t_per_day (0 closes it),
    note (optional). Administrators only; commits."""
    require_roles(user, Role.ADMIN)
    facility = get_by_id(TreatmentFacility, facility_id)
    if facility is None:
        raise NotFound(_l("No such facility."))
    data = dict(data)
    errors: dict = {}
    day = data.get("effective_from")
    today = local_today()
    if not isinstance(day, dt.date):
        errors["effective_from"] = [_l("Enter the first day of the new capacity "
                                       "(YYYY-MM-DD).")]
    elif not EARLIEST_DAY <= day <= today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors["effective_from"] = [_l("Enter a day from %(first)s to %(last)s.",
                                       first=EARLIEST_DAY.isoformat(),
                                       last=(today + dt.timedelta(days=MAX_DAYS_AHEAD))
                                       .isoformat())]
    check_int(errors, data, "capacity_t_per_day", 0, MAX_CAPACITY_T_PER_DAY, required=True)
    check_text(errors, data, "note", 200, required=False)
    if errors:
        raise RuleViolation(errors)
    period = record(facility.id, day, data["capacity_t_per_day"], data.get("note") or None,
                    user.id)
    commit_unique("effective_from", SAME_DAY)
    return period


def record(facility_id: int, day: dt.date, capacity_t_per_day: int, note: str | None,
           user_id: int | None) -> FacilityCapacity:
    """Add (or replace) the period starting on ``day``, in the session (the caller commits)."""
    period = db.session.scalar(select(FacilityCapacity).where(
        FacilityCapacity.treatment_facility_id == facility_id,
        FacilityCapacity.effective_from == day))
    if period is None:
        period = FacilityCapacity(treatment_facility_id=facility_id, effective_from=day)
        db.session.add(period)
    period.capacity_t_per_day = capacity_t_per_day
    period.note = note
    period.created_by_id = user_id
    return period


def remove_planned(user: User, facility_id: int, period_id: int) -> None:
    """Remove a period that starts after today (a planned change called off)."""
    require_roles(user, Role.ADMIN)
    period = get_by_id(FacilityCapacity, period_id)
    if period is None or period.treatment_facility_id != facility_id:
        raise NotFound(_l("No such capacity change."))
    if period.effective_from <= local_today():
        raise RuleViolation({"effective_from": [_l(
            "Only a change that has not started yet can be removed; enter a new one to change "
            "the capacity from a day on.")]})
    db.session.delete(period)
    db.session.commit()
