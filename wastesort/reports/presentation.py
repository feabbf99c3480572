"""What the pages, e-mails and files show of a report: its name, its times and its stored
figures, arranged, in the reader's language. No figure is computed here; they were computed by
wastesort.metrics when the report was made.

A report is named by its kind and period ("2026年11月 处理能力月报", "Capacity report,
November 2026"), never by its id: the same name on the pages, in the e-mail's subject and in
the attachment's file name. Each name is one catalogue message, so a translation orders the
date and the kind as its language does.
"""

import datetime as dt

from babel.dates import format_skeleton
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _

from ..i18n import reads_chinese
from .models import Report, ReportKind, ReportPeriod

BELOW_FULL_SHOWN = 20


def long_date(day: dt.date | str) -> str:
    """30 November 2026 → "2026年11月30日" / "November 30, 2026"."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return format_date(day, "long")


def month_name(day: dt.date) -> str:
    """The month of ``day`` with its year: "2026年11月" / "November 2026"."""
    return format_skeleton("yMMMM", day, locale=get_locale())


def _period_title(kind: ReportKind, period: ReportPeriod, start: dt.date) -> str:
    year, week, _weekday = start.isocalendar()  # weeks run Monday to Sunday, as ISO's do
    if kind is ReportKind.RANKING:
        if period is ReportPeriod.WEEK:
            return _("Rankings of towns and streets, week %(week)s of %(year)s", week=week,
                     year=year)
        return _("Rankings of towns and streets, %(month)s", month=month_name(start))
    if kind is ReportKind.CAPACITY:
        if period is ReportPeriod.DAY:
            return _("Capacity report, %(day)s", day=long_date(start))
        if period is ReportPeriod.WEEK:
            return _("Capacity report, week %(week)s of %(year)s", week=week, year=year)
        return _("Capacity report, %(month)s", month=month_name(start))
    if period is ReportPeriod.DAY:
        return _("Coverage report, %(day)s", day=long_date(start))
    if period is ReportPeriod.WEEK:
        return _("Coverage report, week %(week)s of %(year)s", week=week, year=year)
    return _("Coverage report, %(month)s", month=month_name(start))


def report_title(report: Report) -> str:
    """The report's name by kind and period (and district, when not the whole city)."""
    title = _period_title(report.kind, report.period, report.period_start)
    if report.district is None:
        return title
    district = report.district.name if reads_chinese() \
        else report.district.name_en
    return _("%(title)s (%(district)s)", title=title, district=district)


def city_time(value: dt.datetime | None) -> str:
    """A stored (UTC) time as the city's clock shows it: "2026-11-30 07:00"."""
    if value is None:
        return "–"
    return format_datetime(value, "yyyy-MM-dd HH:mm")


def made_by_label(made_by: str) -> str:
    """Who made a report, in words: the stored value is a machine word or an API user."""
    labels = {"scheduler": _("the scheduler"), "catch-up": _("the scheduler, catching up"),
              "cli": _("a command on the server")}
    if made_by in labels:
        return labels[made_by]
    if made_by.startswith("api:"):
        return _("%(user)s through the API", user=made_by.removeprefix("api:"))
    return made_by


def report_context(report: Report) -> dict:
    figures = report.figures
    context = {"report": report, "figures": figures, "title": report_title(report)}
    if report.kind is ReportKind.COVERAGE:
        townships = {t["id"]: t for t in figures["townships"]}
        below = [townships[i] for i in figures["below_full"] if i in townships]
        context.update(below=below[:BELOW_FULL_SHOWN], below_count=len(below))
    elif report.kind is ReportKind.RANKING:
        from ..rankings.labels import FIGURE_LABELS
        from .ranking import lists

        red, black = lists(figures)
        context.update(red=red, black=black,
                       measured=[str(FIGURE_LABELS[k]) for k in figures["figures"]])
    return context


def fmt_num(value, digits: int = 0) -> str:
    """1234567.891 → "1,234,567.9" (digits=1); None → "–" (no figure, e.g. no households)."""
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def fmt_signed(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:+,.{digits}f}"
