"""Rules for users: a role's scope must match the role, usernames are unique."""

from sqlalchemy import func, select

from ..areas.models import Township
from ..errors_domain import RuleViolation
from ..extensions import db
from ..points.models import RecyclingPoint
from .models import Role, User

MIN_PASSWORD_LENGTH = 8


def create_user(*, username: str, password: str, role: Role | str, email: str | None = None,
                township_id: int | None = None, recycling_point_id: int | None = None) -> User:
    """Add a user to the session (the caller commits). Raises RuleViolation per field."""
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = ["Enter a username."]
    elif db.session.scalar(select(func.count()).where(User.username == username)):
        errors["username"] = [f"The username {username!r} is taken."]
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"Use at least {MIN_PASSWORD_LENGTH} characters."]
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = [f"Choose one of: {', '.join(r.value for r in Role)}."]
        role = None
    if role is Role.STREET_ADMIN:
        if township_id is None or db.session.get(Township, township_id) is None:
            errors["township_id"] = ["A street administrator needs an existing township."]
    elif township_id is not None:
        errors["township_id"] = ["Only a street administrator has a township."]
    if role is Role.POINT_STAFF:
        if recycling_point_id is None or db.session.get(RecyclingPoint, recycling_point_id) is None:
            errors["recycling_point_id"] = ["Point staff need an existing recycling point."]
    elif recycling_point_id is not None:
        errors["recycling_point_id"] = ["Only point staff have a recycling point."]
    if errors:
        raise RuleViolation(errors)
    user = User(username=username, role=role, email=email or None, township_id=township_id,
                recycling_point_id=recycling_point_id)
    user.set_password(password)
    db.session.add(user)
    return user
