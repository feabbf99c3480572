"""Session log-in for the pages (Flask-Login)."""

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

from ..extensions import login_manager
from . import sessions
from .models import User

# What a session keeps across logging in and out: the language chosen before.
KEPT_ACROSS_LOGIN = ("locale",)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a live login session (see wastesort.accounts.sessions), else nobody."""
    user = sessions.user_of(user_id, session.get(sessions.SESSION_KEY))
    if user is None:
        _renew_session()  # ended or expired: forget it, so the next request does not ask again
    return user


def log_in(user: User) -> None:
    """Start a fresh session for ``user``: nothing from before the login is carried over but
    the language (no session fixation), and the cookie lasts the absolute lifetime."""
    _renew_session()
    session[sessions.SESSION_KEY] = sessions.begin(user)
    session.permanent = True
    login_user(user)


def log_out() -> None:
    """End this session for good: a copy of the cookie no longer logs anyone in."""
    sessions.end_current()
    logout_user()
    _renew_session()


def _renew_session() -> None:
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)
    # The CSRF token this request may have made belonged to the old session.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus building a signer for requests that send no
    cookie (every API call and kiosk posting): ~0.1 ms each, for an empty session."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_login(app: Flask) -> None:
    app.session_interface = CookieSessions()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to access this page.")
    app.permanent_session_lifetime = app.config["SESSION_ABSOLUTE_HOURS"] * 3600
