"""E-mail addresses: one rule for every way an address comes in.

The pages (WTForms), the API (marshmallow) and the commands all end in a service that calls
:func:`clean_email`, and the forms and schemas refuse the same addresses up front with the same
message through :class:`EmailAddress` and :func:`validate_email`, so an address the user form
takes is never refused by the subscription form or the other way round.

The rule is deliberately plain (no quoted local parts, no IP literals, no comments): one
``local@domain`` with a dotted domain, at most 254 characters in all (RFC 5321's limit on a
path) and 64 in the local part. Such an address passes every SMTP server we hand it to.
"""

import re

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64
# Anything printable except spaces and the characters that separate or quote addresses.
_LOCAL = r"[^\s@<>,;:\"()\[\]\\]+"
# Dotted labels of letters (any script: internationalised domains), digits and inner hyphens.
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
ADDRESS = re.compile(rf"(?P<local>{_LOCAL})@(?P<domain>{_LABEL}(?:\.{_LABEL})+)")

ONE_ADDRESS = _l("Enter one e-mail address, like name@example.org.")


def email_problem(value) -> str | None:
    """Why ``value`` (already trimmed) is not an address we take, or None."""
    if not isinstance(value, str) or not value:
        return ONE_ADDRESS
    if len(value) > MAX_LENGTH:
        return _l("At most %(n)s characters.", n=MAX_LENGTH)
    match = ADDRESS.fullmatch(value)
    if match is None or len(match["local"]) > MAX_LOCAL_LENGTH or not value.isprintable():
        return ONE_ADDRESS
    return None


def clean_email(value) -> tuple[str, str | None]:
    """(the address as stored, the problem or None): trimmed, the domain in lower case
    (domains are case-insensitive; the local part is the receiving server's business)."""
    value = value.strip() if isinstance(value, str) else ""
    problem = email_problem(value)
    if problem is not None:
        return value, problem
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}", None


class EmailAddress:
    """WTForms validator: the field's text is one address (:func:`email_problem`)."""

    def __call__(self, form, field) -> None:
        _, problem = clean_email(field.data)
        if problem is not None:
            raise ValidationError(str(problem))


def validate_email(value) -> None:
    """marshmallow validator: the value is one address (:func:`email_problem`)."""
    _, problem = clean_email(value)
    if problem is not None:
        raise ma.ValidationError(str(problem))
