"""Keyset pages of collections by day, latest day first (within a day the latest posted first).

:func:`wastesort.pages.keyset_paginate` pages by one unique column. Collections are paged by
two, (``collected_on``, ``id``), because a filter by days cannot be served in id order by any
index: at city scale PostgreSQL walked the primary key backwards through 2.7 million rows
(3.9 s) to find last December's postings, and SQLite sorted a month's 245,000 rows by id
(180 ms) for the latest 21. In day order each index the filters use ((day, category),
(point, day)) hands over the rows day by day, and only the first day's rows are sorted.

The cursor is ``DAY.ID`` (``?after=2026-11-03.41275``); the page is a
:class:`~wastesort.pages.KeysetPage`, shown by the same pager.
"""

import datetime as dt
import re

from flask import abort, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_

from ..extensions import db
from ..pages import KeysetPage, as_id
from .models import Collection

CURSOR = re.compile(r"(\d{4}-\d{2}-\d{2})\.(\d{1,10})")


def _cursor(name: str) -> tuple[dt.date, int] | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    match = CURSOR.fullmatch(raw)
    try:
        cursor = (dt.date.fromisoformat(match.group(1)), as_id(match.group(2))) if match else None
    except ValueError:
        cursor = None
    if cursor is None or cursor[1] is None:
        abort(400, description=_l("The page link is not valid; open the list again."))
    return cursor


def _beyond(cursor: tuple[dt.date, int], later: bool):
    """The rows after ``cursor`` in the list's order (``later``: before it, nearer the top);
    the plain bound on the day lets the index take the range."""
    day, row_id = cursor
    collected_on, id_ = Collection.collected_on, Collection.id
    if later:
        return and_(collected_on >= day,
                    or_(collected_on > day, and_(collected_on == day, id_ > row_id)))
    return and_(collected_on <= day,
                or_(collected_on < day, and_(collected_on == day, id_ < row_id)))


def paginate_by_day(stmt, per_page: int) -> KeysetPage:
    """One page of ``stmt`` (a SELECT of collections) from the request's ``after`` or
    ``before`` cursor, latest day first."""
    after, before = _cursor("after"), _cursor("before")
    stmt = stmt.order_by(None)
    items = None
    if before is not None and after is None:
        rows = db.session.scalars(stmt.where(_beyond(before, later=True))
                                  .order_by(Collection.collected_on.asc(), Collection.id.asc())
                                  .limit(per_page + 1)).all()
        if len(rows) > per_page:  # else: back at the start, shown as the first page
            items, has_prev, has_next = rows[:per_page][::-1], True, True
    if items is None:
        if after is not None:
            stmt = stmt.where(_beyond(after, later=False))
        rows = db.session.scalars(stmt.order_by(Collection.collected_on.desc(),
                                                Collection.id.desc())
                                  .limit(per_page + 1)).all()
        items, has_prev, has_next = rows[:per_page], after is not None, len(rows) > per_page
    args = {k: v for k, v in request.args.items() if k not in ("after", "before", "page")}

    def link(**cursor) -> str:
        return url_for(request.endpoint, **(request.view_args or {}), **args, **cursor)

    def key(row) -> str:
        return f"{row.collected_on.isoformat()}.{row.id}"

    return KeysetPage(
        items=items,
        next_url=link(after=key(items[-1])) if has_next and items else None,
        prev_url=link(before=key(items[0])) if has_prev and items else None,
        first_url=link() if has_prev else None)
