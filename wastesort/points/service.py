"""Recycling points (staffed stations and kiosks) of a township, optionally of one community.

Point staff read their own point only (a kiosk learns its own settings); street
administrators read and write their township's points. Already-typed dicts in,
RuleViolation by field out; commits.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import Role, User
from ..accounts.scope import limit_to_scope, require_registry_write
from ..areas.models import Community, Township
from ..collections.models import Collection
from ..errors_domain import NotFound, RuleViolation
from ..extensions import db
from ..locking import locked, retry_conflicts
from ..rules import apply, check_choice, check_text, get_by_id, valid_id
from .models import PointKind, RecyclingPoint

MOVED_WITH_COLLECTIONS = _l("This point has collections in its town or street; "
                            "register a new point there instead.")
FIELDS = ("township_id", "community_id", "name", "kind", "latitude", "longitude", "active")


def points_query(user: User, *, township_id: int | None = None,
                 community_id: int | None = None, active: bool | None = None,
                 kind: str | None = None):
    """A SELECT of the recycling points ``user`` may read, ordered by id."""
    stmt = select(RecyclingPoint)
    if user.role is Role.POINT_STAFF:
        stmt = stmt.where(RecyclingPoint.id == user.recycling_point_id)
    else:
        stmt = limit_to_scope(user, stmt, RecyclingPoint.township_id)
    if township_id is not None:
        stmt = stmt.where(RecyclingPoint.township_id == township_id)
    if community_id is not None:
        stmt = stmt.where(RecyclingPoint.community_id == community_id)
    if active is not None:
        stmt = stmt.where(RecyclingPoint.active.is_(active))
    if kind is not None:
        stmt = stmt.where(RecyclingPoint.kind == PointKind(kind))
    return stmt.order_by(RecyclingPoint.id)


def get_point(user: User, point_id: int) -> RecyclingPoint:
    point = db.session.scalar(points_query(user).where(RecyclingPoint.id == point_id)) \
        if valid_id(point_id) else None
    if point is None:
        raise NotFound(_l("No such recycling point."))
    return point


def create_point(user: User, data: dict) -> RecyclingPoint:
    """Add a point: township_id, community_id (optional, inside that township), name, kind,
    latitude and longitude (optional), active (default true)."""
    data = dict(data)
    errors = _check(user, data, creating=True)
    if errors:
        raise RuleViolation(errors)
    point = RecyclingPoint(active=True)
    apply(point, data, FIELDS)
    db.session.add(point)
    db.session.commit()
    return point


@retry_conflicts
def update_point(user: User, point_id: int, data: dict) -> RecyclingPoint:
    """Change the given fields; deactivating a point stops new postings for it.

    The point is read under a row lock held to the commit, and only then is it asked whether
    it has collections: a posting for it holds the point (``FOR KEY SHARE`` on PostgreSQL, the
    write lock on SQLite) until it commits, so a move either waits and is refused, or goes
    first and the posting counts for the new town or street."""
    point = locked(RecyclingPoint, point_id) if valid_id(point_id) else None
    if point is None:
        raise NotFound(_l("No such recycling point."))
    require_registry_write(user, point.township_id)
    data = dict(data)
    errors = _check(user, data, creating=False, current=point)
    if errors:
        raise RuleViolation(errors)
    apply(point, data, FIELDS)
    db.session.commit()
    return point


def _check(user: User, data: dict, *, creating: bool,
           current: RecyclingPoint | None = None) -> dict:
    errors: dict = {}
    township_id = data.get("township_id") if creating or "township_id" in data \
        else current.township_id
    if creating or "township_id" in data:
        if get_by_id(Township, township_id) is None:
            errors["township_id"] = [_l("No such town or street.")]
        else:
            require_registry_write(user, township_id)
            if current is not None and township_id != current.township_id and _has_collections(
                    current.id):
                # its tonnage history (daily_tonnage) stays with the town or street it was
                # weighed in; moving the point would rewrite that history
                errors["township_id"] = [MOVED_WITH_COLLECTIONS]
    community_id = data.get("community_id") if "community_id" in data else (
        current.community_id if current is not None else None)
    if community_id is not None and "township_id" not in errors:
        community = get_by_id(Community, community_id)
        if community is None or community.township_id != township_id:
            errors["community_id"] = [_l("No such community in this town or street.")]
    check_text(errors, data, "name", 80, required=creating or "name" in data)
    check_choice(errors, data, "kind", PointKind, required=creating)
    for field, bound in (("latitude", 90), ("longitude", 180)):
        value = data.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not -bound <= value <= bound):
            errors[field] = [_l("Enter a number from %(low)s to %(high)s.", low=-bound,
                                high=bound)]
    for field in ("kind", "active"):
        if field in data and data[field] is None and field not in errors:
            del data[field]
    return errors


def _has_collections(point_id: int) -> bool:
    return db.session.scalar(select(Collection.id).where(
        Collection.recycling_point_id == point_id).limit(1)) is not None
