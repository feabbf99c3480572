"""Who may see and change what: the one place the role × scope rules live.

``admin`` does everything; ``manager`` reads everything; ``street_admin`` reads and writes the
registry of one township; ``inspector`` reads that registry of one township (the communities,
recycling points and bins it inspects, not the household register) and posts its inspections;
``point_staff`` posts and reads the collections of one point.
Reading outside one's scope is "not found" (404, existence does not leak); writing outside it
is "forbidden" (403).
"""

from flask_babel import lazy_gettext as _l

from ..errors_domain import Forbidden, NotFound
from .models import Role, User

READ_ALL = (Role.ADMIN, Role.MANAGER)
TOWNSHIP_ROLES = (Role.STREET_ADMIN, Role.INSPECTOR)  # scoped to ``user.township_id``


def reads_everything(user: User) -> bool:
    return user.role in READ_ALL


def township_scope(user: User) -> int | None:
    """The township a street administrator or an inspector is limited to; None means "all
    townships"."""
    if reads_everything(user):
        return None
    if user.role in TOWNSHIP_ROLES:
        return user.township_id
    raise Forbidden(_l("Your role cannot see the registry of towns and streets."))


def household_scope(user: User) -> int | None:
    """As :func:`township_scope`, without inspectors: they inspect at the waste points and need
    no addresses, so the household register stays with those who keep it."""
    if user.role is Role.INSPECTOR:
        raise Forbidden(_l("Your role cannot see the household register."))
    return township_scope(user)


def require_roles(user: User, *roles: Role) -> None:
    if user.role not in roles:
        raise Forbidden(_l("Your role may not do this."))


def require_registry_write(user: User, township_id: int) -> None:
    """Admins write everywhere, street administrators only in their own township."""
    if user.role is Role.ADMIN:
        return
    if user.role is Role.STREET_ADMIN and user.township_id == township_id:
        return
    raise Forbidden(_l("You may change the registry of your own town or street only."))


def require_visible(user: User, township_id: int | None) -> None:
    """404 unless the user may read things of ``township_id``."""
    scope = township_scope(user) if user.role is not Role.POINT_STAFF else -1
    if scope is not None and scope != township_id:
        raise NotFound()


def limit_to_scope(user: User, stmt, township_column, scope_of=township_scope):
    """``stmt`` limited to the townships ``user`` may read (403 for roles that read none);
    ``scope_of`` is :func:`township_scope` or :func:`household_scope`."""
    scope = scope_of(user)
    return stmt if scope is None else stmt.where(township_column == scope)
