"""Treatment facilities: city infrastructure whose capacities in force add up to the city's
disposal capacity (docs/metrics.md). Only administrators change them; administrators,
managers and street administrators read them (the capacity figures concern everyone), point
staff do not. Already-typed dicts in, RuleViolation by field out; commits.

The registry keeps a facility's design capacity and whether it is in operation; the capacity
the figures use has a history (facilities/capacity.py). A new facility's history starts on
``in_service_from`` (today by default); changing the capacity or the active flag here changes
it from today on (capacity 0 while not active). Another day: facilities/capacity.py.
"""

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts.models import Role, User
from ..accounts.scope import require_roles
from ..areas.models import District
from ..enums import FacilityType
from ..errors_domain import NotFound, RuleViolation
from ..extensions import db
from ..rules import apply, check_choice, check_int, check_text, commit_unique, get_by_id
from ..timeutil import local_today
from .capacity import EARLIEST_DAY, MAX_CAPACITY_T_PER_DAY, record
from .models import FacilityCapacity, TreatmentFacility

FIELDS = ("name", "district_id", "facility_type", "capacity_t_per_day", "active")
NAME_TAKEN = _l("A facility of this name exists.")
READERS = (Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN)


def facilities_query(user: User, *, facility_type: str | None = None,
                     district_id: int | None = None, active: bool | None = None):
    """A SELECT of the facilities, ordered by id (403 for point staff)."""
    require_roles(user, *READERS)
    stmt = select(TreatmentFacility)
    if facility_type is not None:
        stmt = stmt.where(TreatmentFacility.facility_type == FacilityType(facility_type))
    if district_id is not None:
        stmt = stmt.where(TreatmentFacility.district_id == district_id)
    if active is not None:
        stmt = stmt.where(TreatmentFacility.active.is_(active))
    return stmt.order_by(TreatmentFacility.id)


def get_facility(user: User, facility_id: int) -> TreatmentFacility:
    require_roles(user, *READERS)
    facility = get_by_id(TreatmentFacility, facility_id)
    if facility is None:
        raise NotFound(_l("No such facility."))
    return facility


def create_facility(user: User, data: dict) -> TreatmentFacility:
    """Add a facility: name, district_id, facility_type, capacity_t_per_day, active, and
    in_service_from (the first day its capacity counts; today when not given)."""
    require_roles(user, Role.ADMIN)
    data = dict(data)
    errors = _check(data, creating=True)
    since = data.pop("in_service_from", None) or local_today()
    if not isinstance(since, dt.date) or not EARLIEST_DAY <= since <= local_today():
        errors["in_service_from"] = [_l("Enter a day from %(first)s to today.",
                                        first=EARLIEST_DAY.isoformat())]
    if errors:
        raise RuleViolation(errors)
    facility = TreatmentFacility(active=True)
    apply(facility, data, FIELDS)
    db.session.add(facility)
    db.session.add(FacilityCapacity(facility=facility, effective_from=since,
                                    capacity_t_per_day=facility.capacity_t_per_day
                                    if facility.active else 0, created_by_id=user.id))
    commit_unique("name", NAME_TAKEN)
    return facility


def update_facility(user: User, facility_id: int, data: dict) -> TreatmentFacility:
    """Change the given fields; a new capacity or active flag counts from today on
    (deactivating removes its capacity from the city's)."""
    require_roles(user, Role.ADMIN)
    facility = get_facility(user, facility_id)
    data = dict(data)
    errors = _check(data, creating=False, current=facility)
    if errors:
        raise RuleViolation(errors)
    before = (facility.capacity_t_per_day, facility.active)
    apply(facility, data, FIELDS)
    if (facility.capacity_t_per_day, facility.active) != before:
        record(facility.id, local_today(), facility.capacity_t_per_day if facility.active
               else 0, None, user.id)
    commit_unique("name", NAME_TAKEN)
    return facility


def _check(data: dict, *, creating: bool, current: TreatmentFacility | None = None) -> dict:
    errors: dict = {}
    check_text(errors, data, "name", 100, required=creating or "name" in data)
    if (creating or "district_id" in data) and \
            get_by_id(District, data.get("district_id")) is None:
        errors["district_id"] = [_l("No such district.")]
    check_choice(errors, data, "facility_type", FacilityType, required=creating)
    check_int(errors, data, "capacity_t_per_day", 1, MAX_CAPACITY_T_PER_DAY, required=creating)
    for field in ("facility_type", "capacity_t_per_day", "active"):
        if field in data and data[field] is None and field not in errors:
            del data[field]
    name = data.get("name")
    if "name" not in errors and name and (current is None or name != current.name) and \
            db.session.scalar(select(func.count()).where(TreatmentFacility.name == name)):
        errors["name"] = [NAME_TAKEN]
    return errors
