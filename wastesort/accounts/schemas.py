"""API shapes of users and tokens."""

import marshmallow as ma

from ..api.core import PageArgs
from ..api.fields import Bool, Choice, Id, PatchSchema, Text
from ..emails import validate_email
from .models import Role
from .service import MAX_USERNAME_LENGTH, MIN_PASSWORD_LENGTH


class UserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    username = Text(MAX_USERNAME_LENGTH, min_length=1, required=True)
    password = ma.fields.String(load_only=True, required=True,
                                validate=ma.validate.Length(MIN_PASSWORD_LENGTH, 200))
    role = Choice(Role, required=True)
    township_id = Id(allow_none=True, metadata={"description": "Street administrators only."})
    recycling_point_id = Id(allow_none=True, metadata={"description": "Point staff only."})
    treatment_facility_id = Id(allow_none=True, metadata={
        "description": "Facility operators only."})
    email = ma.fields.String(allow_none=True, validate=validate_email,
                             metadata={"format": "email"})
    locale = ma.fields.String(dump_only=True, allow_none=True)
    active = ma.fields.Boolean(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class UserUpdateSchema(PatchSchema):
    password = ma.fields.String(load_only=True,
                                validate=ma.validate.Length(MIN_PASSWORD_LENGTH, 200))
    role = Choice(Role)
    township_id = Id(allow_none=True)
    recycling_point_id = Id(allow_none=True)
    treatment_facility_id = Id(allow_none=True)
    email = ma.fields.String(allow_none=True, validate=validate_email,
                             metadata={"format": "email"})
    active = Bool()


class UserQuery(PageArgs):
    role = Choice(Role)
    active = ma.fields.Boolean()
    name = Text(100, metadata={"description": "Part of the username or e-mail address, in "
                                              "any case."})
    township_id = Id(query=True, metadata={
        "description": "The user's town or street, or that of a staff member's point."})


class TokenInSchema(ma.Schema):
    """A token to issue: for whom, and a label (required: it is how tokens are told apart)."""

    user_id = Id(metadata={"description": "Whose token; default the caller."})
    name = Text(80, min_length=1, required=True,
                metadata={"description": "A label, e.g. the kiosk it is for."})


class TokenSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    user_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(dump_only=True, metadata={
        "description": "The label given when it was issued (empty for some made by "
                       "`wastesort create-token`)."})
    prefix = ma.fields.String(dump_only=True, metadata={"description": "Tells tokens apart."})
    created_at = ma.fields.DateTime(dump_only=True)
    last_used_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    expires_at = ma.fields.DateTime(dump_only=True, metadata={
        "description": "From then on the token answers 401 (`API_TOKEN_LIFETIME_DAYS` after it "
                       "was issued)."})


class NewTokenSchema(TokenSchema):
    token = ma.fields.String(dump_only=True, metadata={
        "description": "The bearer token itself; shown only in this answer."})


class TokenQuery(PageArgs):
    user_id = Id(query=True)
