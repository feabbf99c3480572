"""The rules the rankings' page and API share: which period, who sees what, in which order.

Managers and administrators see every town and street (and any one's communities); a street
administrator sees its own town's or street's place among them and its communities, not the
other places. The period is a calendar month or a Monday-to-Sunday week; by default the last
complete one (what the monthly report publishes); a running period counts its complete days.
"""

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.models import Role, User
from ..accounts.scope import require_roles
from ..areas.models import District, Township
from ..errors_domain import NotFound, RuleViolation
from ..extensions import db
from ..metrics.daily_cache import once_a_day
from ..metrics.rankings import LEVELS, RANKED, order, rankings, red_and_black
from ..reports.models import ReportPeriod
from ..reports.periods import period_bounds, previous_period
from ..timeutil import local_today

PERIODS = (ReportPeriod.MONTH.value, ReportPeriod.WEEK.value)
FIRST_DAY = dt.date(2000, 1, 1)


def period_of(period: str, day: dt.date | None, today: dt.date
              ) -> tuple[dt.date, dt.date, tuple[dt.date, dt.date]]:
    """(first, last, the previous period) of the ``period`` holding ``day``; by default the
    last complete one. A running period ends yesterday; one with no complete day is refused."""
    kind = ReportPeriod(period)
    if day is None:
        day = period_bounds(kind, today)[0] - dt.timedelta(days=1)
    if day < FIRST_DAY:
        raise RuleViolation({"day": [_l("Rankings start on %(day)s at the earliest.",
                                        day=FIRST_DAY.isoformat())]})
    first, last = period_bounds(kind, day)
    last = min(last, today - dt.timedelta(days=1))
    if last < first:
        raise RuleViolation({"day": [_l("This period has no complete day yet.")]})
    return first, last, previous_period(kind, first)


def _check(level: str, period: str, by: str) -> None:
    errors = {}
    if level not in LEVELS:
        errors["level"] = [_l("Choose one of: %(values)s.", values=", ".join(LEVELS))]
    if period not in PERIODS:
        errors["period"] = [_l("Choose one of: %(values)s.", values=", ".join(PERIODS))]
    if by not in RANKED:
        errors["by"] = [_l("Choose one of: %(values)s.", values=", ".join(RANKED))]
    if errors:
        raise RuleViolation(errors)


def _kept(today: dt.date, level: str, first: dt.date, last: dt.date, previous: tuple,
          township_id: int | None) -> dict:
    """The ranking of complete days, made at the day's first view and kept for the day
    (``daily_figures``): every town and street for two months is ~60 ms of SQL, and the page
    and the API are asked for the same few periods all day. A posting for a past day shows
    from the next day on."""
    def make() -> dict:
        found = rankings(level, first, last, previous, township_id=township_id)
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in found.items()}

    scope = f"{first.isoformat()}:{township_id or 'all'}"
    kept = once_a_day(f"ranking:{level}:{(last - first).days + 1}", scope, today, make).figures
    return {**kept, **{k: dt.date.fromisoformat(kept[k]) for k in
                       ("first", "last", "previous_first", "previous_last")}}


def ranking_view(user: User, *, level: str = "township", period: str = "month",
                 day: dt.date | None = None, by: str = "composite",
                 township_id: int | None = None, district_id: int | None = None) -> dict:
    """The ranking the user may see: the figures of :func:`rankings`, the rows in the order of
    ``by`` (places without a value last), and the red and black lists on ``by``."""
    require_roles(user, Role.ADMIN, Role.MANAGER, Role.STREET_ADMIN)
    _check(level, period, by)
    own = user.township_id if user.role is Role.STREET_ADMIN else None
    if own is not None:
        if township_id not in (None, own):
            raise NotFound(_l("No such town or street in your scope."))
        district_id = None
        township_id = own if level == "community" else None
    township = None
    if level == "community":
        if township_id is None:
            raise RuleViolation({"township_id": [_l("Choose a town or street.")]})
        township = db.session.get(Township, township_id)
        if township is None:
            raise NotFound(_l("No such town or street."))
    if district_id is not None and db.session.get(District, district_id) is None:
        raise NotFound(_l("No such district."))
    today = local_today()
    first, last, previous = period_of(period, day, today)
    result = _kept(today, level, first, last, previous, township_id)
    rows = result["rows"]
    size = current_app.config["RANKING_LIST_SIZE"]
    red, black = red_and_black(rows, by, size)
    ordered = order(rows, by)
    ordered += [r for r in rows if r not in ordered]
    if own is not None and level == "township":  # its own place, not the others'
        ordered, red, black = [r for r in ordered if r["id"] == own], [], []
    elif district_id is not None:
        ordered = [r for r in ordered if r["district_id"] == district_id]
    return {**result, "period": period, "by": by, "list_size": size, "rows": ordered,
            "red": red, "black": black, "township": township, "district_id": district_id,
            "places": len(rows)}
