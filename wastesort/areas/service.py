"""Districts, towns and streets (read only: they come from the official division codes) and
communities (kept by administrators and by each township's street administrator).

Reading outside a caller's scope is "not found"; writing outside it is "forbidden"
(wastesort/accounts/scope.py). Functions take already-typed dicts, raise RuleViolation with
messages by field, and commit.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.scope import limit_to_scope, require_registry_write, township_scope
from ..errors_domain import NotFound, RuleViolation
from ..extensions import db
from ..rules import apply, check_text, commit_unique, get_by_id, valid_id
from .models import Community, District, Township, TownshipKind


def districts_query(user: User):
    """A SELECT of the districts ``user`` may read, by code (a street admin: its own)."""
    scope = township_scope(user)
    stmt = select(District).order_by(District.code, District.id)
    if scope is not None:
        stmt = stmt.where(District.id == select(Township.district_id)
                          .where(Township.id == scope).scalar_subquery())
    return stmt


def get_district(user: User, district_id: int) -> District:
    district = db.session.scalar(districts_query(user).where(District.id == district_id)) \
        if valid_id(district_id) else None
    if district is None:
        raise NotFound(_l("No such district."))
    return district


def townships_query(user: User, *, kind: str | None = None, district_id: int | None = None):
    """A SELECT of the towns and streets ``user`` may read, by district then name."""
    stmt = limit_to_scope(user, select(Township), Township.id)
    if kind is not None:
        stmt = stmt.where(Township.kind == TownshipKind(kind))
    if district_id is not None:
        stmt = stmt.where(Township.district_id == district_id)
    return stmt.order_by(Township.district_id, Township.name, Township.id)


def get_township(user: User, township_id: int) -> Township:
    township = db.session.scalar(townships_query(user).where(Township.id == township_id)) \
        if valid_id(township_id) else None
    if township is None:
        raise NotFound(_l("No such town or street."))
    return township


def communities_query(user: User, *, township_id: int | None = None,
                      district_id: int | None = None, name: str | None = None):
    """A SELECT of the communities ``user`` may read, by township then name."""
    stmt = limit_to_scope(user, select(Community), Community.township_id)
    if township_id is not None:
        stmt = stmt.where(Community.township_id == township_id)
    if district_id is not None:
        stmt = stmt.join(Township).where(Township.district_id == district_id)
    if name:
        stmt = stmt.where(Community.name.contains(name.strip()))
    return stmt.order_by(Community.township_id, Community.name, Community.id)


def get_community(user: User, community_id: int) -> Community:
    community = db.session.scalar(communities_query(user).where(Community.id == community_id)) \
        if valid_id(community_id) else None
    if community is None:
        raise NotFound(_l("No such community."))
    return community


def writable_community(user: User, community_id, errors: dict, field: str = "community_id"
                       ) -> Community | None:
    """The community a new or moved object goes into: must exist (else a message on
    ``field``) and lie in a township ``user`` may write (else 403)."""
    community = get_by_id(Community, community_id)
    if community is None:
        errors[field] = [_l("No such community.")]
        return None
    require_registry_write(user, community.township_id)
    return community


def create_community(user: User, data: dict) -> Community:
    """Add a community: ``township_id`` (int) and ``name`` (unique within the township)."""
    errors: dict = {}
    township = get_by_id(Township, data.get("township_id"))
    if township is None:
        errors["township_id"] = [_l("No such town or street.")]
    else:
        require_registry_write(user, township.id)
    check_text(errors, data, "name", 60, required=True)
    if not errors:
        _check_name_free(errors, township.id, data["name"])
    if errors:
        raise RuleViolation(errors)
    community = Community(township_id=township.id, name=data["name"])
    db.session.add(community)
    commit_unique("name", "A community of this name exists in this township.")
    return community


def update_community(user: User, community_id: int, data: dict) -> Community:
    """Rename a community (``name``); moving it to another township is not allowed."""
    community = get_by_id(Community, community_id)
    if community is None:
        raise NotFound(_l("No such community."))
    require_registry_write(user, community.township_id)
    errors: dict = {}
    check_text(errors, data, "name", 60, required=True)
    if not errors and data["name"] != community.name:
        _check_name_free(errors, community.township_id, data["name"])
    if errors:
        raise RuleViolation(errors)
    apply(community, data, ("name",))
    commit_unique("name", "A community of this name exists in this township.")
    return community


def _check_name_free(errors: dict, township_id: int, name: str) -> None:
    taken = db.session.scalar(select(func.count()).where(
        Community.township_id == township_id, Community.name == name))
    if taken:
        errors["name"] = [_l("A community of this name exists in this township.")]
