"""What the pages and e-mails show of a report: its title and its stored figures, arranged.
No figure is computed here; they were computed by wastesort.metrics when the report was made."""

from flask_babel import gettext

from .models import Report, ReportKind, ReportPeriod

BELOW_FULL_SHOWN = 20


def report_title(report: Report) -> str:
    kind = gettext("Capacity report") if report.kind is ReportKind.CAPACITY \
        else gettext("Coverage report")
    if report.period is ReportPeriod.DAY:
        when = report.period_start.isoformat()
    else:
        when = gettext("%(start)s to %(end)s", start=report.period_start, end=report.period_end)
    scope = gettext("city") if report.district is None else report.district.name
    period = {"day": gettext("day"), "week": gettext("week"),
              "month": gettext("month")}[report.period.value]
    return f"{kind}, {period} {when} ({scope})"


def report_context(report: Report) -> dict:
    figures = report.figures
    context = {"report": report, "figures": figures, "title": report_title(report)}
    if report.kind is ReportKind.COVERAGE:
        townships = {t["id"]: t for t in figures["townships"]}
        below = [townships[i] for i in figures["below_full"] if i in townships]
        context.update(below=below[:BELOW_FULL_SHOWN], below_count=len(below))
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
