"""Small checks the registry services share: text length, integer range, ids that exist.

Each adds a message to an ``errors`` dict by field, so a service reports every problem of a
submission at once (as :class:`~wastesort.errors_domain.RuleViolation`), never one at a time.
Services take already-typed values (schemas and forms parse), but still check ranges and lengths
because a too-long string or a 20-digit integer would otherwise reach the database and fail there.
"""

from flask_babel import lazy_gettext as _l

from .extensions import db

MAX_ID = 2**31 - 1  # INTEGER primary keys on both databases


def valid_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def get_by_id(model, value):
    """The row with primary key ``value``, or None (also for ids no row can have)."""
    return db.session.get(model, value) if valid_id(value) else None


def check_text(errors: dict, data: dict, field: str, max_length: int, *, required: bool) -> None:
    """Trim ``data[field]`` in place; complain when missing (if required) or too long."""
    if field not in data:
        if required:
            errors[field] = [_l("This field is required.")]
        return
    value = data[field]
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_l("Enter text.")]
        return
    value = data[field] = value.strip()
    if not value.isprintable():
        errors[field] = [_l("Use printable characters only (no control characters).")]
    elif required and not value:
        errors[field] = [_l("This field is required.")]
    elif len(value) > max_length:
        errors[field] = [_l("At most %(n)s characters.", n=max_length)]


def check_int(errors: dict, data: dict, field: str, low: int, high: int, *,
              required: bool) -> None:
    """Complain unless ``data[field]`` is an integer from ``low`` to ``high``."""
    if field not in data or data[field] is None:
        if required:
            errors[field] = [_l("This field is required.")]
        return
    value = data[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[field] = [_l("Enter a whole number from %(low)s to %(high)s.", low=f"{low:,}",
                               high=f"{high:,}")]


def check_choice(errors: dict, data: dict, field: str, enum_cls, *, required: bool) -> None:
    """Turn ``data[field]`` into a member of ``enum_cls`` in place, or complain."""
    if field not in data or data[field] is None:
        if required:
            errors[field] = [_l("This field is required.")]
        return
    try:
        data[field] = enum_cls(data[field])
    except ValueError:
        errors[field] = [_l("Choose one of: %(values)s.",
                            values=", ".join(m.value for m in enum_cls))]


def apply(row, data: dict, fields) -> None:
    """Copy the given ``fields`` present in ``data`` onto ``row``."""
    for field in fields:
        if field in data:
            setattr(row, field, data[field])


def commit_unique(field: str, message: str) -> None:
    """Commit; a unique constraint lost to a concurrent writer becomes a message on ``field``."""
    from sqlalchemy.exc import IntegrityError

    from .errors_domain import RuleViolation

    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RuleViolation({field: [message]}) from None
