"""Rules for users: a role's scope must match the role, usernames are unique. Administrators
manage every user; a street administrator their own point staff (accounts/staff.py)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ..areas.models import Township
from ..emails import clean_email
from ..errors_domain import NotFound, RuleViolation
from ..extensions import db
from ..points.models import RecyclingPoint
from ..rules import commit_unique, get_by_id, valid_id
from . import sessions
from .models import Role, User
from .passwords import new_password
from .scope import TOWNSHIP_ROLES, require_roles
from .staff import require_staff_change, require_staff_create, staff_query, writable_staff

MIN_PASSWORD_LENGTH = 8
MAX_USERNAME_LENGTH = 40


ROLE_VALUES = ", ".join(r.value for r in Role)
NEEDS_TOWNSHIP = {Role.STREET_ADMIN: _l("A street administrator needs an existing township."),
                  Role.INSPECTOR: _l("An inspector needs an existing township.")}
ONLY_THEY_HAVE_A_TOWNSHIP = _l("Only street administrators and inspectors have a township.")


def create_user(*, username: str, password: str, role: Role | str, email: str | None = None,
                township_id: int | None = None, recycling_point_id: int | None = None,
                treatment_facility_id: int | None = None) -> User:
    """Add a user to the session (the caller commits). Raises RuleViolation per field."""
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = [_l("Enter a username.")]
    elif len(username) > MAX_USERNAME_LENGTH:
        errors["username"] = [_l("At most %(n)s characters.", n=MAX_USERNAME_LENGTH)]
    elif db.session.scalar(select(func.count()).where(User.username == username)):
        errors["username"] = [_l("The username %(name)s is taken.", name=username)]
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = [_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)]
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = [_l("Choose one of: %(values)s.", values=ROLE_VALUES)]
        role = None
    if role in TOWNSHIP_ROLES:
        if get_by_id(Township, township_id) is None:
            errors["township_id"] = [NEEDS_TOWNSHIP[role]]
    elif township_id is not None:
        errors["township_id"] = [ONLY_THEY_HAVE_A_TOWNSHIP]
    if role is Role.POINT_STAFF:
        if get_by_id(RecyclingPoint, recycling_point_id) is None:
            errors["recycling_point_id"] = [_l("Point staff need an existing recycling point.")]
    elif recycling_point_id is not None:
        errors["recycling_point_id"] = [_l("Only point staff have a recycling point.")]
    check_facility_scope(errors, role, treatment_facility_id)
    if email is not None:
        email, problem = clean_email(email)
        if problem is not None:
            errors["email"] = [problem]
    if errors:
        raise RuleViolation(errors)
    user = User(username=username, role=role, email=email or None, township_id=township_id,
                recycling_point_id=recycling_point_id,
                treatment_facility_id=treatment_facility_id)
    user.set_password(password)
    db.session.add(user)
    return user


def users_query(caller: User, *, role: str | None = None, active: bool | None = None,
                name: str | None = None, township_id: int | None = None):
    """A SELECT of the users ``caller`` manages, by id: everyone for an administrator, their
    point staff for a street administrator, 403 for other roles. ``name`` is part of the
    username or e-mail address in any case; ``township_id`` the user's town or street, or
    that of a staff member's point."""
    if caller.role is Role.STREET_ADMIN:
        stmt = staff_query(caller)
    else:
        require_roles(caller, Role.ADMIN)
        stmt = select(User)
    if role is not None:
        stmt = stmt.where(User.role == Role(role))
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    if name:
        stmt = stmt.where(or_(User.username.icontains(name, autoescape=True),
                              User.email.icontains(name, autoescape=True)))
    if township_id is not None:
        points = select(RecyclingPoint.id).where(RecyclingPoint.township_id == township_id)
        stmt = stmt.where(or_(User.township_id == township_id,
                              User.recycling_point_id.in_(points)))
    return stmt.order_by(User.id)


def get_user(admin: User, user_id: int) -> User:
    found = db.session.scalar(users_query(admin).where(User.id == user_id)) \
        if valid_id(user_id) else None
    if found is None:
        raise NotFound(_l("No such user."))
    return found


def add_user(caller: User, data: dict) -> User:
    """An administrator creates any user, a street administrator point staff of their street
    (create_user's rules), and commits. Of two requests for one new username, the database's
    unique index lets one through; the other gets the message beside the username."""
    if caller.role is Role.STREET_ADMIN:
        require_staff_create(caller, data)
    else:
        require_roles(caller, Role.ADMIN)
    fields = ("username", "password", "role", "email", "township_id", "recycling_point_id",
              "treatment_facility_id")
    user = create_user(**{f: data.get(f) for f in fields})
    commit_unique("username", _l("The username %(name)s is taken.", name=user.username))
    return user


def add_user_with_new_password(caller: User, data: dict) -> tuple[User, str]:
    """As :func:`add_user`, with a password made here; returns (user, the plain password),
    which the caller shows once and keeps nowhere."""
    password = new_password()
    return add_user(caller, {**data, "password": password}), password


def reset_password(caller: User, user_id: int) -> tuple[User, str]:
    """Give a user a new password made here (ending their sessions, as every password change
    does); returns (user, the plain password), to be shown once."""
    password = new_password()
    return update_user(caller, user_id, {"password": password}), password


def update_user(admin: User, user_id: int, data: dict) -> User:
    """Change role and scope, e-mail, active flag or password. An administrator cannot
    deactivate or demote themself (so the last administrator cannot lock everyone out). A
    street administrator changes the password, e-mail and active flag of their own staff
    (403 for anyone else: accounts/staff.py)."""
    if admin.role is Role.STREET_ADMIN:
        user = writable_staff(admin, user_id)
        require_staff_change(user, data)
    else:
        user = get_user(admin, user_id)
    errors: dict[str, list[str]] = {}
    data = dict(data)
    if data.get("email"):  # None or "" clears it
        data["email"], problem = clean_email(data["email"])
        if problem is not None:
            errors["email"] = [problem]
    role = data.get("role", user.role)
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = [_l("Choose one of: %(values)s.", values=ROLE_VALUES)]
    township_id = data.get("township_id", user.township_id if role in TOWNSHIP_ROLES
                           else None)
    point_id = data.get("recycling_point_id",
                        user.recycling_point_id if role is Role.POINT_STAFF else None)
    if role in TOWNSHIP_ROLES and get_by_id(Township, township_id) is None:
        errors["township_id"] = [NEEDS_TOWNSHIP[role]]
    elif role not in TOWNSHIP_ROLES and township_id is not None:
        errors["township_id"] = [ONLY_THEY_HAVE_A_TOWNSHIP]
    if role is Role.POINT_STAFF and get_by_id(RecyclingPoint, point_id) is None:
        errors["recycling_point_id"] = [_l("Point staff need an existing recycling point.")]
    elif role is not Role.POINT_STAFF and point_id is not None:
        errors["recycling_point_id"] = [_l("Only point staff have a recycling point.")]
    facility_id = data.get("treatment_facility_id", user.treatment_facility_id
                           if role is Role.FACILITY_OPERATOR else None)
    check_facility_scope(errors, role, facility_id)
    if "password" in data and len(data["password"] or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = [_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)]
    if user.id == admin.id and (role is not Role.ADMIN or data.get("active") is False):
        errors["role" if role is not Role.ADMIN else "active"] = [
            _l("You cannot demote or deactivate yourself.")]
    if errors:
        raise RuleViolation(errors)
    # Sessions opened under the old password or the old rights end: a stolen cookie no longer
    # works, and nobody keeps rights taken away (the administrator's own page stays logged in).
    if (data.get("password") or data.get("active") is False
            or (role, township_id, point_id, facility_id)
            != (user.role, user.township_id, user.recycling_point_id,
                user.treatment_facility_id)):
        sessions.end_all_of(user.id, except_current=user.id == admin.id)
    user.role, user.township_id, user.recycling_point_id = role, township_id, point_id
    user.treatment_facility_id = facility_id
    if "email" in data:
        user.email = data["email"] or None
    if data.get("active") is not None:
        user.active = data["active"]
    if data.get("password"):
        user.set_password(data["password"])
    db.session.commit()
    return user


def check_facility_scope(errors: dict, role, facility_id) -> None:
    """A facility operator has exactly one existing treatment facility; nobody else has
    one."""
    from ..facilities.models import TreatmentFacility

    if role is Role.FACILITY_OPERATOR:
        if get_by_id(TreatmentFacility, facility_id) is None:
            errors["treatment_facility_id"] = [_l("A facility operator needs an existing "
                                                  "treatment facility.")]
    elif facility_id is not None:
        errors["treatment_facility_id"] = [_l("Only facility operators have a treatment "
                                              "facility.")]
