"""What the web pages share: the navigation each role sees, the number and date filters of the
templates, and the small helpers the page views use.

Views stay thin: they parse a form, call the feature's service (where the rules live), and
show a :class:`~wastesort.errors_domain.RuleViolation`'s messages beside the fields.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale, lazy_gettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import String

from .accounts.models import Role
from .extensions import db, login_manager

MAX_PAGE = 10_000  # a bounded page number: an offset past this is never useful
PER_PAGE = 50
MAX_ID = 2**31 - 1  # the largest id: a PostgreSQL ``integer`` column


def init_pages(app: Flask) -> None:
    """The navigation and the number and date filters every page template uses. The page
    blueprints themselves are registered where the application is made (wastesort/__init__.py),
    so this module, imported by every feature's views for its helpers, imports none of them."""
    app.context_processor(_navigation)
    app.jinja_env.filters.update(tonnes=tonnes, kg=kg, pct=pct, number=number,
                                 day=day, moment=moment)
    app.jinja_env.globals.update(role_label=role_label, sort_link=sort_link,
                                 can_write_registry=can_write_registry)


def login_required_for(bp: Blueprint) -> None:
    """Every page of ``bp`` needs a logged-in user (else: to the login page)."""

    @bp.before_request
    def _require_login():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None


# --- navigation --------------------------------------------------------------------------

NAV = (
    # endpoint, label, roles that see it
    ("street_pages.today", lazy_gettext("My street"), (Role.STREET_ADMIN,)),
    ("post_pages.index", lazy_gettext("Post collections"), (Role.POINT_STAFF,)),
    ("intake_pages.index", lazy_gettext("Weighbridge"), (Role.FACILITY_OPERATOR,)),
    ("inspection_form.new", lazy_gettext("Inspect"), (Role.INSPECTOR,)),
    ("dashboard.index", lazy_gettext("Dashboard"), tuple(Role)),
    ("collection_pages.index", lazy_gettext("Collections"),
     tuple(r for r in Role if r is not Role.FACILITY_OPERATOR)),
    ("community_pages.index", lazy_gettext("Communities"),
     (Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN)),
    ("household_pages.index", lazy_gettext("Households"),
     (Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN)),
    ("bin_pages.index", lazy_gettext("Bins"), (Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN)),
    ("bintask_pages.index", lazy_gettext("Bin problems"),
     (Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN, Role.INSPECTOR, Role.POINT_STAFF)),
    ("point_pages.index", lazy_gettext("Recycling points"),
     (Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN)),
    ("facility_pages.index", lazy_gettext("Facilities"),
     (Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN)),
    ("intake_pages.facilities", lazy_gettext("Facility intake"), (Role.ADMIN, Role.MANAGER)),
    ("inspection_pages.index", lazy_gettext("Inspections"),
     (Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN, Role.INSPECTOR)),
    ("ranking_pages.index", lazy_gettext("Rankings"),
     (Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN)),
    ("reports.index", lazy_gettext("Reports"), (Role.ADMIN, Role.MANAGER)),
    ("users.index", lazy_gettext("Users"), (Role.ADMIN,)),
    ("staff_pages.index", lazy_gettext("Staff"), (Role.STREET_ADMIN,)),
    ("token_pages.index", lazy_gettext("API tokens"), (Role.ADMIN,)),
)


def nav_items(user) -> list[tuple[str, str]]:
    """(url, label) of the pages ``user`` may open; the reports link only once the reports
    pages exist."""
    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    for endpoint, label, roles in NAV:
        if user.role in roles and endpoint in current_app.view_functions:
            items.append((endpoint, url_for(endpoint), label))
    return items


def _navigation() -> dict:
    return {"nav_items": nav_items(current_user), "languages": language_choices()}


def language_choices() -> list[tuple[str, str]]:
    # Each language is named in itself, so anyone can find their own.
    names = {"zh_Hans_CN": "简体中文", "en": "English"}
    return [(code, names.get(code, code)) for code in current_app.config["LANGUAGES"]]


ROLE_LABELS = {
    Role.ADMIN: lazy_gettext("Administrator"),
    Role.MANAGER: lazy_gettext("Manager"),
    Role.STREET_ADMIN: lazy_gettext("Street administrator"),
    Role.POINT_STAFF: lazy_gettext("Recycling-point staff"),
    Role.INSPECTOR: lazy_gettext("Inspector"),
    Role.FACILITY_OPERATOR: lazy_gettext("Facility operator"),
}


def role_label(role) -> str:
    return str(ROLE_LABELS.get(Role(role), role))


# --- figures always with their units, in the user's locale -------------------------------

def number(value, digits: int = 0) -> str:
    """``value`` grouped in thousands with ``digits`` decimals (half to even), in the user's
    locale: what Babel's ``#,##0.0…`` pattern gives, without parsing the pattern again for
    each of the hundreds of figures of a page."""
    if value is None:
        return "–"
    exact = Decimal(str(value)) if isinstance(value, (int, float, Decimal)) \
        and not isinstance(value, bool) else None
    if exact is None or not exact.is_finite():
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern)
    quantum = _QUANTA.get(digits) or Decimal(1).scaleb(-digits)
    text = format(exact.quantize(quantum, rounding=ROUND_HALF_EVEN), ",f")
    symbols = _request_symbols()
    return text.translate(symbols) if symbols else text


def _request_symbols() -> dict | None:
    """The symbol table of the request's locale, looked up once per request."""
    environ = request.environ if request else {}
    key = "wastesort.number_symbols"
    if key not in environ:
        locale = get_locale()
        environ[key] = _symbols(str(locale or current_app.config["BABEL_DEFAULT_LOCALE"]))
    return environ[key]


_QUANTA = {n: Decimal(1).scaleb(-n) for n in range(4)}


@lru_cache(maxsize=8)
def _symbols(locale: str) -> dict | None:
    """The locale's group, decimal and minus signs where they differ from ``,.-``."""
    from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

    mapping = {",": get_group_symbol(locale), ".": get_decimal_symbol(locale),
               "-": get_minus_sign_symbol(locale)}
    table = {ord(k): v for k, v in mapping.items() if k != v}
    return table or None


def tonnes(value, digits: int = 1) -> str:
    return "–" if value is None else f"{number(value, digits)} t"


def kg(value) -> str:
    return "–" if value is None else f"{number(value)} kg"


def pct(value, digits: int = 1) -> str:
    return "–" if value is None else f"{number(value, digits)} %"


def day(value, form: str = "medium") -> str:
    return "" if value is None else format_date(value, form)


def moment(value) -> str:
    return "" if value is None else format_datetime(value, "short")


# --- forms and lists ---------------------------------------------------------------------

def show_rule_errors(form, errors: dict) -> None:
    """Put a RuleViolation's messages beside the fields they concern; the rest on the form."""
    for name, messages in errors.items():
        field = getattr(form, name, None)
        texts = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *texts]
        else:
            form.form_errors.extend(texts)


def page_number() -> int:
    page = request.args.get("page", 1, type=int)
    return min(max(page or 1, 1), MAX_PAGE)


def paginate(stmt, per_page: int = PER_PAGE):
    return db.paginate(stmt, page=page_number(), per_page=per_page, error_out=False,
                       count=True)


@dataclass
class KeysetPage:
    """One page of a long list, found by the key of its neighbour instead of an offset and
    without counting the whole list: ``?after=ID`` is the page after the row ``ID`` (in the
    list's order), ``?before=ID`` the page before it. Bookmarkable, and as fast on page
    10,000 as on page 1."""

    items: list
    next_url: str | None  # None on the last page
    prev_url: str | None  # None on the first page
    first_url: str | None  # None when this is the first page


def as_id(text: str) -> int | None:
    """``text`` as a row id (digits 0-9 only, within the id range), else None."""
    if text.isascii() and text.isdigit() and len(text) <= 12 and int(text) <= MAX_ID:
        return int(text)
    return None


def _cursor(name: str, text_length: int | None = None) -> int | str | None:
    """The ``name`` argument as a cursor: a row id, or for a text key (``text_length``
    characters at most) the text itself."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if text_length is not None:
        cursor = raw if len(raw) <= text_length and raw.isprintable() else None
    else:
        cursor = as_id(raw)
    if cursor is None:
        abort(400, description=lazy_gettext("The page link is not valid; open the list "
                                            "again."))
    return cursor


def keyset_paginate(stmt, key, *, descending: bool = False,
                    per_page: int = PER_PAGE) -> KeysetPage:
    """``stmt`` (a SELECT of one entity) ordered by its unique column ``key`` (an integer, or
    a string such as the household code), one page of ``per_page`` rows from the cursor in
    the request's ``after`` or ``before`` argument."""
    text_length = (key.type.length or 256) if isinstance(key.type, String) else None
    after, before = _cursor("after", text_length), _cursor("before", text_length)
    stmt = stmt.order_by(None)
    forwards = key.desc() if descending else key.asc()
    backwards = key.asc() if descending else key.desc()
    items = None
    if before is not None and after is None:
        rows = db.session.scalars(
            stmt.where(key > before if descending else key < before)
            .order_by(backwards).limit(per_page + 1)).all()
        if len(rows) > per_page:  # else: back at the start, shown as the first page
            items, has_prev, has_next = rows[:per_page][::-1], True, True
    if items is None:
        if after is not None:
            stmt = stmt.where(key < after if descending else key > after)
        rows = db.session.scalars(stmt.order_by(forwards).limit(per_page + 1)).all()
        items, has_prev, has_next = rows[:per_page], after is not None, len(rows) > per_page
    args = {k: v for k, v in request.args.items() if k not in ("after", "before", "page")}

    def link(**cursor) -> str:
        return url_for(request.endpoint, **(request.view_args or {}), **args, **cursor)

    name = key.key
    return KeysetPage(
        items=items,
        next_url=link(after=getattr(items[-1], name)) if has_next and items else None,
        prev_url=link(before=getattr(items[0], name)) if has_prev and items else None,
        first_url=link() if has_prev else None)


def sort_link(column: str, label: str, current: str, direction: str) -> Markup:
    """A table header link that sorts by ``column`` (again: the other way)."""
    new_dir = "desc" if current == column and direction == "asc" else "asc"
    args = {**request.args.to_dict(), "sort": column, "dir": new_dir}
    arrow = ("▲" if direction == "asc" else "▼") if current == column else ""
    aria = (' aria-sort="ascending"' if direction == "asc" else ' aria-sort="descending"') \
        if current == column else ""
    return Markup('<a href="{}"{}>{} {}</a>').format(
        url_for(request.endpoint, **(request.view_args or {}), **args), Markup(aria), label,
        arrow)


MAX_NEXT_LENGTH = 2000


def safe_next(target: str | None) -> str | None:
    """A redirect target after login or a language switch: a path on this site only (no open
    redirect). Browsers drop tabs and line breaks inside a URL and read a backslash as a
    slash, so ``/<TAB>/evil.example`` would become ``//evil.example``; control characters
    are refused outright (a line break would not even fit in the Location header)."""
    if not target or len(target) > MAX_NEXT_LENGTH or not target.startswith("/"):
        return None
    if any(c < " " or c == "\x7f" or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return None
    return target


def optional_int(value):
    """A select's value as an id, or None when empty (or not a number at all)."""
    if value is None or value == "" or value == "None":
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def form_page(form, save, *, template: str, done_url, done_message, **context):
    """The one flow of every create and edit page: on a valid POST call ``save()`` (the
    service, which holds the rules); on a RuleViolation show its messages beside the fields
    and answer 422; on success flash ``done_message(obj)`` and redirect to ``done_url(obj)``."""
    from flask import flash, redirect, render_template

    from .errors_domain import RuleViolation

    if form.validate_on_submit():
        try:
            obj = save()
        except RuleViolation as exc:
            db.session.rollback()
            show_rule_errors(form, exc.errors)
        else:
            flash(done_message(obj), "success")
            return redirect(done_url(obj))
    return render_template(template, form=form, **context), 422 if form.errors else 200


def can_write_registry(user) -> bool:
    """Whether to offer the create and edit buttons (the service still decides)."""
    return user.role in (Role.ADMIN, Role.STREET_ADMIN)
