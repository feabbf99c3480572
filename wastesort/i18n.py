"""Languages: Simplified Chinese and English. The user's choice wins, then the browser's.

Every message is marked for translation where it is written: the services (shared with the API
and the commands) raise lazy strings (``lazy_gettext`` with named placeholders), which become
text in the language of whoever reads them — the page's, the API caller's (``Accept-Language``,
else the default), a command's (the default).
"""

import os
from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, lazy_gettext, refresh
from flask_login import current_user

from .brand import BRAND
from .extensions import babel

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    """A request: the user's choice, then the browser's (or API client's) Accept-Language.
    A command or the scheduler: the environment's language, as any Unix command reads it."""
    if not has_request_context():
        return environment_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if getattr(current_user, "is_authenticated", False) and current_user.locale:
        chosen = current_user.locale
    if chosen in supported:
        return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"])
    if best and best.startswith("zh"):
        return "zh_Hans_CN"
    if best == "en":
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def environment_locale() -> str | None:
    """``zh_Hans_CN`` or ``en`` from LC_ALL, LC_MESSAGES or LANG (the first one set); None for
    another language or the C locale."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            language = value.split(".")[0].split("@")[0].lower()
            if language.startswith("zh"):
                return "zh_Hans_CN"
            if language.startswith("en"):
                return "en"
            return None
    return None


def reads_chinese() -> bool:
    """Whether the current reader's language is Chinese: for what is written differently, not
    just translated (names in Chinese or English, 、 between them, addresses without spaces)."""
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_babel(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    # Flask-Babel caches the locale on ``g``, which lives as long as the application context:
    # choose afresh for every request even when requests share one (tests, CLI calls).
    app.before_request(refresh)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["brand"] = BRAND
    app.jinja_env.globals["error_texts"] = error_texts


# What each error status means, in words for the person at the browser.
ERROR_TEXTS = {
    400: lazy_gettext("The request could not be understood. If you sent a form, reload the "
                      "page and send it again."),
    401: lazy_gettext("Please log in."),
    403: lazy_gettext("You may not do this."),
    404: lazy_gettext("This page does not exist, or it is outside your area."),
    405: lazy_gettext("This page cannot be used that way."),
    409: lazy_gettext("This conflicts with a change made meanwhile."),
    413: lazy_gettext("The upload is too large."),
    422: lazy_gettext("The input is not valid."),
    429: lazy_gettext("Too many requests; wait a moment and try again."),
    500: lazy_gettext("Something went wrong on our side. Please try again later."),
    503: lazy_gettext("The service is unavailable for a moment. Please try again shortly."),
}


def error_texts(error) -> tuple[str, str | None]:
    """(what the status means, the specific reason when the service gave one), translated."""
    general = str(ERROR_TEXTS.get(error.code, error.name))
    detail = error.description
    if not detail or detail == type(error).description:
        return general, None
    return general, str(detail)
