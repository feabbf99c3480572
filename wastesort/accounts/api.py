"""``/api/v1/users`` (administrators; street administrators for their own point staff) and
``/api/v1/tokens``."""

from flask.views import MethodView

from ..api.auth import current_api_user
from ..api.core import Blueprint, page_of, paged
from . import service, tokens
from .schemas import (
    NewTokenSchema,
    TokenInSchema,
    TokenQuery,
    TokenSchema,
    UserQuery,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint("accounts", __name__, url_prefix="/api/v1",
                description="Users and their roles (administrators; street administrators manage "
                            "the point staff of their own town or street), and API tokens.")


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQuery, location="query")
    @blp.response(200, page_of(UserSchema))
    def get(self, args):
        """Users by id: everyone for administrators, their own point staff for street
        administrators."""
        return paged(service.users_query, args)

    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create a user with a role and, for street administrators and point staff, a scope
        (street administrators: point staff of a point in their town or street only)."""
        return service.add_user(current_api_user(), data)


@blp.route("/users/<int:user_id>")
class UserItem(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user."""
        return service.get_user(current_api_user(), user_id)

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data, user_id):
        """Change a user's role and scope, e-mail, password or active flag (street
        administrators: the password, e-mail and active flag of their own point staff)."""
        return service.update_user(current_api_user(), user_id, data)


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.arguments(TokenQuery, location="query")
    @blp.response(200, page_of(TokenSchema))
    def get(self, args):
        """Tokens (never the tokens themselves): one's own, or anyone's for administrators."""
        return paged(tokens.tokens_query, args)

    @blp.arguments(TokenInSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data):
        """Issue a token (administrators); the answer is the only place it is shown."""
        caller = current_api_user()
        token, plain = tokens.create_token_for(caller, data.get("user_id", caller.id),
                                               data["name"])
        token.token = plain
        return token


@blp.get("/tokens/<int:token_id>")
@blp.response(200, TokenSchema)
def get_token(token_id):
    """One token's details."""
    return tokens.get_token(current_api_user(), token_id)


@blp.post("/tokens/<int:token_id>/revoke")
@blp.response(200, TokenSchema)
def revoke_token(token_id):
    """Revoke a token: from now on it answers 401."""
    return tokens.revoke_token(current_api_user(), token_id)
