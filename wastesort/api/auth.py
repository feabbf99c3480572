"""Bearer-token authentication for every API blueprint (see :mod:`wastesort.api.core`).

``current_api_user()`` is the caller of the current API request; ``token_required`` protects a
view registered outside :data:`wastesort.api.core.api` (blueprints registered through it are
protected already).
"""

import functools

from flask import request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from ..accounts.models import User
from ..accounts.tokens import user_for_token

# Kept on the request, not on ``g``: a test's app context outlives several requests.
ENVIRON_KEY = "wastesort.api_user"


def _unauthorized(message: str) -> Unauthorized:
    return Unauthorized(message, www_authenticate=WWWAuthenticate("bearer", {"realm": "api"}))


def authenticate() -> None:
    """Set the caller from ``Authorization: Bearer <token>``, or answer 401."""
    if request.environ.get(ENVIRON_KEY) is not None:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Send an API token: Authorization: Bearer <token>.")
    user = user_for_token(token.strip())
    if user is None:
        raise _unauthorized("The token is wrong, revoked or expired, or its user is inactive.")
    request.environ[ENVIRON_KEY] = user


def current_api_user() -> User:
    """The authenticated caller (authenticating now if nothing did yet)."""
    authenticate()
    return request.environ[ENVIRON_KEY]


def token_required(view):
    """Decorator: 401 unless the request carries a valid token."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        authenticate()
        return view(*args, **kwargs)

    return wrapper
