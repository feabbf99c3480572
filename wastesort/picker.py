"""The searchable picker of a community or a recycling point, instead of a dropdown of every
one (about 1,100 communities and 2,000 points at city scale).

The server renders a plain text input of the chosen id (it works without script: type the
number shown in the communities or points list) and beside it the name of the current choice;
``static/picker.js`` turns it into a search box that asks the JSON endpoints below. The
endpoints answer only what the user may read (the same scopes as the lists), at most
``LIMIT`` rows. The chosen id is checked again on the server by the feature's service.
"""

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_
from sqlalchemy.orm import joinedload
from wtforms import Field
from wtforms.widgets import html_params

from .accounts.models import Role
from .areas.models import Community, Township
from .areas.service import communities_query
from .extensions import db
from .pages import MAX_ID, as_id, login_required_for
from .points.models import RecyclingPoint
from .points.service import points_query

bp = Blueprint("picker", __name__, url_prefix="/pick")
login_required_for(bp)

LIMIT = 20


def init_picker(app) -> None:
    """Templates call ``picker(...)`` to render a picker input."""
    app.jinja_env.globals["picker"] = picker_input


def community_label(community: Community) -> str:
    return f"{community.township.name} · {community.name}"


def point_label(point: RecyclingPoint) -> str:
    return f"{point.township.name} · {point.name}"


def _search(stmt, name_column, q: str, id_column):
    if as_id(q):
        return stmt.where(or_(id_column == as_id(q), name_column.contains(q, autoescape=True),
                              Township.name.contains(q, autoescape=True)))
    if q:
        return stmt.where(or_(name_column.contains(q, autoescape=True),
                              Township.name.contains(q, autoescape=True)))
    return stmt


def _answer(rows, label) -> tuple:
    rows = list(rows)
    return jsonify({"results": [{"id": r.id, "label": label(r)} for r in rows[:LIMIT]],
                    "more": len(rows) > LIMIT})


@bp.get("/communities")
def communities():
    """Communities the user may read whose name (or town's or street's name) contains ``q``,
    or whose number is ``q``: ``{"results": [{"id", "label"}], "more": bool}``."""
    q = request.args.get("q", "").strip()[:60]
    stmt = communities_query(current_user)  # 403 for point staff
    stmt = _search(stmt.join(Township, Community.township_id == Township.id), Community.name,
                   q, Community.id)
    rows = db.session.scalars(stmt.options(joinedload(Community.township)).limit(LIMIT + 1))
    return _answer(rows, community_label)


@bp.get("/points")
def points():
    """Recycling points the user may read (``active=1``: accepting postings only), by name
    (or town's or street's name) or number, as for communities."""
    q = request.args.get("q", "").strip()[:80]
    active = True if request.args.get("active") == "1" else None
    stmt = points_query(current_user, active=active)
    stmt = _search(stmt.join(Township, RecyclingPoint.township_id == Township.id),
                   RecyclingPoint.name, q, RecyclingPoint.id)
    rows = db.session.scalars(stmt.options(joinedload(RecyclingPoint.township))
                              .limit(LIMIT + 1))
    return _answer(rows, point_label)


# --- the label of the current choice ------------------------------------------------------

def _label_of(kind: str, value) -> str | None:
    """The name of community or point ``value`` if the user may read it, else None."""
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    if kind == "communities":
        if current_user.role is Role.POINT_STAFF:
            return None
        row = db.session.scalar(communities_query(current_user)
                                .where(Community.id == value)
                                .options(joinedload(Community.township)))
        return community_label(row) if row else None
    row = db.session.scalar(points_query(current_user).where(RecyclingPoint.id == value)
                            .options(joinedload(RecyclingPoint.township)))
    return point_label(row) if row else None


def picker_input(name: str, kind: str, value=None, *, raw: str | None = None,
                 active_only: bool = False, **attrs) -> Markup:
    """The markup of a picker: a text input named ``name`` holding the id (what the server
    reads, with or without script) and the current choice's name beside it.

    ``kind`` is ``"communities"`` or ``"points"``; ``raw`` is what the user sent when it was
    not a number (shown back so it can be corrected).
    """
    source = url_for(f"picker.{kind}", **({"active": "1"} if active_only else {}))
    label = _label_of(kind, value)
    shown = raw if raw is not None else ("" if value is None else str(value))
    attrs.setdefault("id", name)
    placeholder = (_("Search by name or number") if kind == "communities"
                   else _("Search a point by name or number"))
    input_attrs = {
        "type": "text", "name": name, "value": shown, "inputmode": "numeric",
        "autocomplete": "off", "class": "picker-id", "data-picker": source,
        "data-picker-label": label or "", "data-picker-placeholder": placeholder,
        "data-picker-empty": _("Nothing found."),
        "data-picker-more": _("More found: type more of the name."),
        "data-picker-failed": _("The search failed; try again."),
        **attrs,
    }
    current = (Markup('<small class="picker-current" id="{}-current">{}</small>')
               .format(attrs["id"], label) if label else "")
    fallback = Markup('<small class="hint picker-fallback">{}</small>').format(
        _("Without script: enter the number shown in the list of communities.")
        if kind == "communities" else
        _("Without script: enter the number shown in the list of recycling points."))
    return Markup(f"<span class=\"picker\"><input {html_params(**input_attrs)}>"
                  f"{current}{fallback}</span>")


class PickerInput:
    """The WTForms widget of :class:`PickerField`."""

    def __call__(self, field, **kwargs):
        return picker_input(field.name, field.kind, field.data, raw=field.raw,
                            active_only=field.active_only, id=field.id, **kwargs)


class PickerField(Field):
    """The id of a community or a recycling point, chosen with the picker.

    Empty is None (the service says whether one is required); a number is the id (the service
    checks it exists and lies in the user's scope); anything else is a message beside the
    field."""

    widget = PickerInput()

    def __init__(self, label=None, validators=None, *, kind: str, active_only: bool = False,
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.kind, self.active_only, self.raw = kind, active_only, None

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.raw = None
        if raw == "" or raw == "None":
            self.data = None
        elif as_id(raw):
            self.data = as_id(raw)
        else:
            self.data, self.raw = None, raw[:100]
            raise ValueError(str(NOT_CHOSEN[self.kind]))

    def _value(self):
        return "" if self.data is None else str(self.data)


NOT_CHOSEN = {
    "communities": _l("Choose a community from the suggestions, or enter its number."),
    "points": _l("Choose a recycling point from the suggestions, or enter its number."),
}
