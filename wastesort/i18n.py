"""Languages: Simplified Chinese and English. The user's choice wins, then the browser's.

The services (shared with the API) write their messages in English. The pages show them
through :func:`translate_message`, which finds each in the catalogue: fixed messages by their
text, messages with a number or a name in them by the patterns below.
"""

import re
from pathlib import Path

from flask import Flask, current_app, request, session
from flask_babel import get_locale, gettext, lazy_gettext, refresh
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
    # Flask-Babel caches the locale on ``g``, which lives as long as the application context:
    # choose afresh for every request even when requests share one (tests, CLI calls).
    app.before_request(refresh)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["tr"] = translate_message
    app.jinja_env.globals["error_texts"] = error_texts


# Fixed messages of the services and of WTForms, marked here so that extraction finds them.
SERVICE_MESSAGES = (
    lazy_gettext("This field is required."),
    lazy_gettext("Enter text."),
    lazy_gettext("No such community."),
    lazy_gettext("No such town or street."),
    lazy_gettext("This point has collections in its town or street; "
                 "register a new point there instead."),
    lazy_gettext("No such district."),
    lazy_gettext("No such community in this town or street."),
    lazy_gettext("A community of this name exists in this township."),
    lazy_gettext("A household with this code is registered already."),
    lazy_gettext("A household with this code is registered already. It belongs to another "
                 "town or street."),
    lazy_gettext("A bin with this serial number exists."),
    lazy_gettext("A facility of this name exists."),
    lazy_gettext("Enter a date that is not in the future."),
    lazy_gettext("Enter a date as YYYY-MM-DD."),
    lazy_gettext("Enter a username."),
    lazy_gettext("A street administrator needs an existing township."),
    lazy_gettext("Only a street administrator has a township."),
    lazy_gettext("Point staff need an existing recycling point."),
    lazy_gettext("Only point staff have a recycling point."),
    lazy_gettext("You cannot demote or deactivate yourself."),
    lazy_gettext("Enter the weight as a whole number of kilograms."),
    lazy_gettext("Enter the date collected (YYYY-MM-DD)."),
    lazy_gettext("No such recycling point."),
    lazy_gettext("This recycling point is not active."),
    lazy_gettext("You may post collections for your own point only."),
    lazy_gettext("The file is empty."),
    lazy_gettext("Upload a .csv or .xlsx file."),
    lazy_gettext("The CSV file is neither UTF-8 nor GB18030 text."),
    lazy_gettext("The XLSX file cannot be read; save it again as .xlsx."),
    lazy_gettext("The file has no households below the header."),
    lazy_gettext("The file has errors; nothing was stored."),
    lazy_gettext("Another change to the same households was saved at the same time; nothing "
                 "was stored. Import again."),
    lazy_gettext("Not a valid choice."),
    lazy_gettext("Not a valid integer value."),
    lazy_gettext("Not a valid decimal value."),
    lazy_gettext("Not a valid date value."),
    lazy_gettext("Invalid email address."),
    lazy_gettext("The CSRF token is missing."),
    lazy_gettext("The CSRF token has expired."),
    lazy_gettext("The CSRF tokens do not match."),
    lazy_gettext("Your role may not do this."),
    lazy_gettext("Your role cannot see the registry of towns and streets."),
    lazy_gettext("You may change the registry of your own town or street only."),
    lazy_gettext("Only recycling-point staff and administrators post collections."),
    lazy_gettext("You may void the collections of your own point only."),
    lazy_gettext("This collection is already void."),
    lazy_gettext("No such household."),
    lazy_gettext("No such bin."),
    lazy_gettext("No such facility."),
    lazy_gettext("No such collection."),
    lazy_gettext("No such user."),
    lazy_gettext("No such town or street in your scope."),
    # the database cannot serve right now (wastesort.errors): a 503
    lazy_gettext("The database is unavailable for a moment; try again."),
    lazy_gettext("The database is busy; try again in a moment."),
    lazy_gettext("The database cannot be written at the moment; try again later."),
)

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
    return general, translate_message(detail)

# Messages with a value in them: (pattern of the English text, message id with placeholders).
PATTERNS = (
    (re.compile(r"At most (?P<n>[\d,]+) characters\."),
     lambda m: gettext("At most %(n)s characters.", n=m["n"])),
    (re.compile(r"Enter a whole number from (?P<low>[\d,-]+) to (?P<high>[\d,]+)\."),
     lambda m: gettext("Enter a whole number from %(low)s to %(high)s.", **m.groupdict())),
    (re.compile(r"Enter a number from (?P<low>[\d,-]+) to (?P<high>[\d,]+)\."),
     lambda m: gettext("Enter a number from %(low)s to %(high)s.", **m.groupdict())),
    (re.compile(r"Choose one of: (?P<values>.*)\."),
     lambda m: gettext("Choose one of: %(values)s.", values=m["values"])),
    (re.compile(r"Use at least (?P<n>\d+) characters\."),
     lambda m: gettext("Use at least %(n)s characters.", n=m["n"])),
    (re.compile(r"The username (?P<name>.+) is taken\."),
     lambda m: gettext("The username %(name)s is taken.", name=m["name"])),
    (re.compile(r"The weight must be from 1 to (?P<max>[\d,]+) kg for one record\."),
     lambda m: gettext("The weight must be from 1 to %(max)s kg for one record.", max=m["max"])),
    (re.compile(r"The date is in the future \(today is (?P<today>[\d-]+) in the city\)\."),
     lambda m: gettext("The date is in the future (today is %(today)s in the city).",
                       today=m["today"])),
    (re.compile(r"Postings may go back at most (?P<n>\d+) days; ask an administrator for "
                r"older corrections\."),
     lambda m: gettext("Postings may go back at most %(n)s days; ask an administrator for "
                       "older corrections.", n=m["n"])),
    (re.compile(r"Enter a date from (?P<day>[\d-]+) on\."),
     lambda m: gettext("Enter a date from %(day)s on.", day=m["day"])),
    (re.compile(r"Point staff may void records of the last (?P<n>\d+) days only; ask an "
                r"administrator for older corrections\."),
     lambda m: gettext("Point staff may void records of the last %(n)s days only; ask an "
                       "administrator for older corrections.", n=m["n"])),
    (re.compile(r"No community named (?P<name>.+) in this town or street\."),
     lambda m: gettext("No community named %(name)s in this town or street.", name=m["name"])),
    (re.compile(r"The code (?P<code>.+) is also on row (?P<row>\d+)\."),
     lambda m: gettext("The code %(code)s is also on row %(row)s.", **m.groupdict())),
    (re.compile(r"The first row must name the columns; missing: (?P<missing>.+)\. "
                r"Expected: (?P<expected>.+)\."),
     lambda m: gettext("The first row must name the columns; missing: %(missing)s. "
                       "Expected: %(expected)s.", **m.groupdict())),
    (re.compile(r"Field must be between (?P<min>\d+) and (?P<max>\d+) characters long\."),
     lambda m: gettext("Field must be between %(min)s and %(max)s characters long.",
                       **m.groupdict())),
    (re.compile(r"Field cannot be longer than (?P<max>\d+) characters?\."),
     lambda m: gettext("At most %(n)s characters.", n=m["max"])),
)


def translate_message(text) -> str:
    """A service's (or WTForms') English message in the user's language."""
    text = str(text)
    translated = gettext(text)
    if translated != text:
        return translated
    for pattern, render in PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return render(match)
    return text
