"""Languages: Simplified Chinese and English. The user's choice wins, then the browser's."""

from pathlib import Path

from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from .extensions import babel

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
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


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_babel(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    app.jinja_env.globals["get_locale"] = get_locale
