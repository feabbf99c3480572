"""Field types the API schemas share: bounded ids and integers, printable text.

Bounds matter for more than tidiness: a 20-digit id or a NUL character would otherwise reach
the database and fail there (a 500) instead of being refused here (a 422).
"""

import copy

import marshmallow as ma

from ..rules import MAX_ID


def printable(value: str) -> None:
    if not value.isprintable():
        raise ma.ValidationError("Use printable characters only (no control characters).")


def Id(*, query: bool = False, **kwargs) -> ma.fields.Integer:  # noqa: N802 (a field factory)
    """A row id: 1 to 2**31-1; strict (no "12" or 12.0) in a JSON body, parsed in a query."""
    return ma.fields.Integer(strict=not query, validate=ma.validate.Range(1, MAX_ID), **kwargs)


def Int(low: int, high: int, **kwargs) -> ma.fields.Integer:  # noqa: N802
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(low, high), **kwargs)


def Text(max_length: int, *, min_length: int = 0, **kwargs) -> ma.fields.String:  # noqa: N802
    return ma.fields.String(validate=[ma.validate.Length(min_length, max_length), printable],
                            **kwargs)


def Choice(enum_cls, **kwargs) -> ma.fields.Enum:  # noqa: N802
    return ma.fields.Enum(enum_cls, by_value=True, **kwargs)


def all_optional(schema_cls: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A copy of ``schema_cls`` with no required field: the body of a PATCH.

    (A ``partial=True`` instance would document as a second schema of the same name.)"""
    fields = {}
    for field_name, field in schema_cls._declared_fields.items():
        field = copy.copy(field)
        field.required = False
        fields[field_name] = field
    return type(name, (ma.Schema,), fields)
