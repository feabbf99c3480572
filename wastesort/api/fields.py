"""Field types the API schemas share: bounded ids and integers, printable text, strict
booleans and numbers, and the bodies of PATCH requests.

Bounds matter for more than tidiness: a 20-digit id or a NUL character would otherwise reach
the database and fail there (a 500) instead of being refused here (a 422). In a JSON body a
field takes only its JSON type: ``true``/``false`` for a boolean (not ``0`` or ``"yes"``), a
number for a number (not ``"29.5"``), as the OpenAPI document says; query strings are text
and are parsed.
"""

import copy

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from ..rules import MAX_ID

PRINTABLE = _l("Use printable characters only (no control characters).")
# The part of the printable rule a JSON Schema pattern can say: no C0 or C1 control character.
# The whole rule is Python's str.isprintable (described on every text field).
PRINTABLE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
PRINTABLE_RULE = ("Printable text: no control characters, nor line or paragraph separators, "
                  "format characters, lone surrogates or unassigned code points; the only "
                  "space is U+0020 (Python's str.isprintable).")
AT_LEAST_ONE_FIELD = _l("Send at least one field to change.")
# marshmallow's own messages without placeholders, in the caller's language. Each is a list of
# one: marshmallow wraps only plain text in a list (and formats only plain text, so the fields
# whose messages have placeholders raise ours).
MESSAGES = {
    "required": [_l("This field is required.")],
    "null": [_l("This field may not be empty.")],
    "invalid": [_l("Not a valid value.")],
    "too_large": [_l("The number is too large.")],
    "special": [_l("Not a valid value.")],
}


INTEGER_MESSAGES = {**MESSAGES, "invalid": [_l("Enter a whole number.")]}
TEXT_MESSAGES = {**MESSAGES, "invalid": [_l("Enter text.")]}


def printable(value: str) -> None:
    if not value.isprintable():
        raise ma.ValidationError([PRINTABLE])


def Id(*, query: bool = False, **kwargs) -> ma.fields.Integer:  # noqa: N802 (a field factory)
    """A row id: 1 to 2**31-1; strict (no "12" or 12.0) in a JSON body, parsed in a query."""
    return ma.fields.Integer(strict=not query, validate=ma.validate.Range(1, MAX_ID),
                             error_messages=INTEGER_MESSAGES, **kwargs)


def Int(low: int, high: int, **kwargs) -> ma.fields.Integer:  # noqa: N802
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(low, high),
                             error_messages=INTEGER_MESSAGES, **kwargs)


def Text(max_length: int, *, min_length: int = 0, **kwargs) -> ma.fields.String:  # noqa: N802
    """A string of printable characters (documented: a pattern and the rule in words)."""
    metadata = dict(kwargs.pop("metadata", None) or {})
    described = metadata.get("description")
    metadata["description"] = f"{described} {PRINTABLE_RULE}" if described else PRINTABLE_RULE
    metadata.setdefault("pattern", PRINTABLE_PATTERN)
    return ma.fields.String(validate=[ma.validate.Length(min_length, max_length), printable],
                            metadata=metadata, error_messages=TEXT_MESSAGES, **kwargs)


def Choice(enum_cls, **kwargs) -> ma.fields.Enum:  # noqa: N802
    return ChoiceField(enum_cls, by_value=True, error_messages=MESSAGES, **kwargs)


class ChoiceField(ma.fields.Enum):
    """An enum by value; an unknown value is told the choices, in the caller's language."""

    def make_error(self, key: str, **kwargs) -> ma.ValidationError:
        if key == "unknown":
            return ma.ValidationError([_l("Choose one of: %(values)s.", values=self.choices_text)])
        return super().make_error(key, **kwargs)


class Bool(ma.fields.Boolean):
    """A JSON boolean: ``true`` or ``false`` only (marshmallow also takes 0, 1, "yes", "on")."""

    default_error_messages = {**MESSAGES, "invalid": [_l("Enter true or false.")]}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Number(ma.fields.Float):
    """A JSON number (marshmallow's Float also takes the string "29.5"); finite."""

    default_error_messages = {**MESSAGES, "invalid": [_l("Enter a number.")]}

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def max_from_setting(setting: str, default: int) -> dict:
    """Field metadata: the maximum is the setting ``setting`` (``default`` unless configured);
    the app's document shows its configured value (:func:`wastesort.api.contract_plugin`)."""
    return {"maximum": default, "x-maximum-setting": setting}


class PatchSchema(ma.Schema):
    """The body of a PATCH: any of the fields, but at least one (an empty body or ``{}``
    changes nothing and is refused; documented as ``minProperties: 1``)."""

    @ma.validates_schema
    def _at_least_one(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError([AT_LEAST_ONE_FIELD])


def all_optional(schema_cls: type[ma.Schema], name: str) -> type[PatchSchema]:
    """A copy of ``schema_cls`` with no required field and at least one field: the body of a
    PATCH. (A ``partial=True`` instance would document as a second schema of the same name.)"""
    fields = {}
    for field_name, field in schema_cls._declared_fields.items():
        field = copy.copy(field)
        field.required = False
        fields[field_name] = field
    return type(name, (PatchSchema,), fields)
