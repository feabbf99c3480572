"""Throttling, by Flask-Limiter: failed logins per account and per client address, and API
writes per token, each answered 429 with ``Retry-After``.

The counts live in ``RATELIMIT_STORAGE_URI``: Redis in production, so that every gunicorn
worker and every server shares them; the embedded default keeps them in each worker's memory
(``memory://``), which needs nothing else running but lets each worker count on its own. If
Redis goes away the limiter falls back to memory rather than failing the request.

Only failed logins count (a 422: a wrong name or password, or an empty form), so an office
behind one address logging in all morning is never stopped; a correct password after the
limit is refused too, which is the point.
"""

import hashlib
import math
import time

from flask import Flask, current_app, render_template, request
from flask_babel import ngettext
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many

from .config import ConfigError

EXTENSION_KEY = "wastesort.limiter"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
LIMIT_SETTINGS = ("LOGIN_FAILURES_PER_ACCOUNT", "LOGIN_FAILURES_PER_ADDRESS",
                  "API_WRITES_PER_TOKEN")


def client_address() -> str:
    """The client's address (``ProxyFix`` puts the proxy's ``X-Forwarded-For`` there)."""
    return get_remote_address() or "-"


def login_username() -> str:
    """The account a login attempt names (at most 40 characters, as a username)."""
    return "user:" + (request.form.get("username") or "").strip()[:40]


def api_token() -> str:
    """The bearer token of an API request, as its hash (a Redis key then reveals nothing)."""
    _scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if not token:
        return "address:" + client_address()
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def login_failed(response) -> bool:
    return response.status_code == 422


def _not_an_api_request() -> bool:
    return not request.path.startswith("/api/")


def per_account_limit() -> str:
    return current_app.config["LOGIN_FAILURES_PER_ACCOUNT"]


def per_address_limit() -> str:
    return current_app.config["LOGIN_FAILURES_PER_ADDRESS"]


def seconds_to_wait() -> int:
    """How long until the limit just hit lets a request through again (at least a second)."""
    current = current_app.extensions[EXTENSION_KEY].current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


def too_many_requests(error: RateLimitExceeded):
    """The 429: the login form again with the message beside the password, or the usual
    error page or JSON; ``Retry-After`` either way."""
    from .errors import error_response

    wait = seconds_to_wait()
    minutes = max(1, math.ceil(wait / 60))
    if request.endpoint == "auth.login":
        from .accounts.forms import LoginForm

        form = LoginForm()
        form.password.errors = [ngettext(
            "Too many failed logins. Try again in %(num)s minute.",
            "Too many failed logins. Try again in %(num)s minutes.", minutes)]
        response = current_app.make_response(
            (render_template("accounts/login.html", form=form), 429))
    else:
        error.description = ngettext("Too many requests. Try again in %(num)s second.",
                                     "Too many requests. Try again in %(num)s seconds.", wait)
        response = error_response(error)
    response.headers["Retry-After"] = str(wait)
    return response


def init_throttle(app: Flask) -> None:
    """A limiter for ``app`` (after the blueprints: it limits the login view by name).

    One limiter per application, not one shared at import: Flask-Limiter keeps some settings
    (the key prefix, the strategy) from the first application it was given."""
    cfg = app.config
    for key in LIMIT_SETTINGS:
        try:
            if not isinstance(cfg.get(key), str) or not parse_many(cfg[key]):
                raise ValueError
        except ValueError:
            raise ConfigError(f"{key}: not a rate limit such as '10 per 15 minutes', got "
                              f"{cfg.get(key)!r}") from None
    limiter = Limiter(key_func=client_address, application_limits=[ApplicationLimit(
        limit_provider=lambda: current_app.config["API_WRITES_PER_TOKEN"],
        key_function=api_token, scope="api-writes", methods=WRITE_METHODS,
        exempt_when=_not_an_api_request)])
    login_view = app.view_functions["auth.login"]
    for limit, key in ((per_account_limit, login_username), (per_address_limit, client_address)):
        login_view = limiter.limit(limit, key_func=key, methods=["POST"],
                                   deduct_when=login_failed)(login_view)
    app.view_functions["auth.login"] = login_view
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_requests)
