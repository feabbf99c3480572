"""A street administrator's own point staff: the accounts of the recycling points of their town
or street, and nothing else.

One predicate decides (:func:`staff_query`): a user is a street administrator's staff when
their role is point staff and their point lies in the administrator's township. Every other
role, today's or one added later, is simply not point staff and stays out of reach. As
everywhere (accounts/scope.py), reading outside it is "not found" (404) and writing is
"forbidden" (403). The point decides the street, so staff follow their point if it ever moves.

A street administrator may create point staff, set their password, e-mail address and active
flag; the role and the point are the administrator's to change (a moved worker gets a new
account, so the old postings keep who made them).
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors_domain import Forbidden, NotFound
from ..extensions import db
from ..points.models import RecyclingPoint
from ..rules import get_by_id, valid_id
from .models import Role, User

# What a street administrator may change on their staff's accounts.
STAFF_CHANGES = frozenset({"password", "active", "email"})


def staff_query(street_admin: User):
    """A SELECT of the point staff of ``street_admin``'s township (any order)."""
    return (select(User)
            .join(RecyclingPoint, User.recycling_point_id == RecyclingPoint.id)
            .where(User.role == Role.POINT_STAFF,
                   RecyclingPoint.township_id == street_admin.township_id))


def is_staff_of(street_admin: User, user_id: int) -> bool:
    return valid_id(user_id) and db.session.scalar(
        staff_query(street_admin).where(User.id == user_id).with_only_columns(User.id)) \
        is not None


def writable_staff(street_admin: User, user_id: int) -> User:
    """The staff member ``user_id`` to change: 404 when no such user exists, 403 when the user
    is not this administrator's staff (another street, another role)."""
    user = get_by_id(User, user_id)
    if user is None:
        raise NotFound(_l("No such user."))
    if not is_staff_of(street_admin, user.id):
        raise Forbidden(_l("You may manage the point staff of your own town or street only."))
    return user


def require_staff_create(street_admin: User, data: dict) -> None:
    """403 unless the new account is point staff of a point in the administrator's street.
    A point that does not exist is left to the per-field message of ``create_user``."""
    if data.get("role") not in (Role.POINT_STAFF, Role.POINT_STAFF.value):
        raise Forbidden(_l("You may create point staff accounts only."))
    point = get_by_id(RecyclingPoint, data.get("recycling_point_id"))
    if point is not None and point.township_id != street_admin.township_id:
        raise Forbidden(_l("Choose a recycling point of your own town or street."))


def require_staff_change(user: User, data: dict) -> None:
    """403 for a change of role or point (sending the current values again is no change)."""
    current = {"role": user.role, "township_id": user.township_id,
               "recycling_point_id": user.recycling_point_id}
    for field, value in data.items():
        if field in STAFF_CHANGES:
            continue
        if field in current and _same(value, current[field]):
            continue
        raise Forbidden(_l("You may change the password, e-mail address and active flag of "
                           "your point staff only."))


def _same(value, current) -> bool:
    return value == current or (isinstance(current, Role) and value == current.value)
