"""A report's chart as PNG bytes, drawn from its stored figures in the reader's language.

``Figure`` + ``FigureCanvasAgg`` directly (no pyplot): no global state, safe in web workers and
the scheduler's threads. The language is Flask-Babel's current locale (a page's, or the one an
e-mail sets with ``force_locale``); every text names its font family explicitly, the CJK font
that :mod:`wastesort.fonts` loads by its path, so no text depends on matplotlib's font cache.

Nothing is written over the bars: the line labels and the colours are explained in a legend
below the plot, which the constrained layout keeps clear of the tick labels. A day report is
drawn with the 30 days up to it (``recent_days`` in its figures; computed for a report made
before they were stored), the day itself marked.
"""

import io

from flask_babel import force_locale
from flask_babel import gettext as _

from ..collections.forms import CATEGORY_LABELS
from ..enums import WasteCategory
from ..fonts import LATIN_FAMILY, chart_families, load_cjk_font
from ..i18n import reads_chinese
from ..pages import day, pct
from .models import Report, ReportKind, ReportPeriod
from .service import recent_days

CATEGORY_COLOURS = {WasteCategory.RECYCLABLE: "#1f6fb2", WasteCategory.HAZARDOUS: "#c0392b",
                    WasteCategory.KITCHEN: "#2e8b57", WasteCategory.RESIDUAL: "#7f8c8d"}
CONTEXT_ALPHA = 0.35  # the days around a day report's own, drawn faint
MARK_COLOUR = "#fde9a8"
SIZE_IN, DPI = (8, 4.5), 150  # shown at 800 × 450 (pages and e-mail); sharp on dense screens


def chart_png(report: Report) -> bytes:
    """The report's chart as PNG, in the current locale's language; its title is also the
    PNG's ``Title`` (text a mail reader or a test can read without seeing the picture)."""
    figure = chart_figure(report)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png",
                   metadata={"Software": None, "Title": figure.axes[0].get_title()})
    return buffer.getvalue()


def chart_figure(report: Report):
    """The report's chart as a matplotlib Figure (laid out when drawn). Call it inside a
    request or ``force_locale``: the language is the current locale's."""
    if load_cjk_font() is None:
        with force_locale("en"):  # no CJK glyphs to draw with: English, never empty boxes
            return _figure(report, [LATIN_FAMILY], cjk=False)
    return _figure(report, chart_families(reads_chinese()), cjk=True)


def _figure(report: Report, family: list[str], *, cjk: bool):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.tick_params(labelfontfamily=family, labelsize=9)
    if report.kind is ReportKind.RANKING:
        from .ranking import draw

        handles = draw(axes, report.figures, family, cjk=cjk)
    elif report.kind is ReportKind.CAPACITY:
        figures = report.figures
        if report.period is ReportPeriod.DAY and "recent_days" not in figures:
            figures = {**figures, "recent_days": recent_days(report.period_end)}  # made before
        handles = _capacity(axes, figures, family)
    else:
        handles = _coverage(axes, report.figures, family, cjk=cjk)
    _legend(figure, handles, family)
    return figure


def _legend(figure, handles: list, family: list[str]) -> None:
    """The legend below the plot, in as many columns as fit the figure's width."""
    renderer = figure.canvas.get_renderer()
    for ncols in (4, 3, 2, 1):
        legend = figure.legend(handles=handles, loc="outside lower center", ncols=ncols,
                               frameon=False, prop={"family": family, "size": 9})
        if legend.get_window_extent(renderer).width <= figure.bbox.width * 0.98 or ncols == 1:
            return
        legend.remove()


def _capacity(axes, figures: dict, family: list[str]) -> list:
    """Stacked bars of tonnes per day by waste stream under the capacity and warning lines."""
    import numpy as np
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import StrMethodFormatter

    days = figures.get("recent_days", figures["daily"])
    own = {d["day"] for d in figures["daily"]}
    marked = [i for i, d in enumerate(days) if d["day"] in own]
    context = len(marked) < len(days)
    x = np.arange(len(days))
    bottom = np.zeros(len(days))
    handles = []
    for category, colour in CATEGORY_COLOURS.items():
        values = np.array([d["by_category_t"][category.value] for d in days])
        faded = [(colour, 1.0 if i in marked else CONTEXT_ALPHA) for i in x]
        axes.bar(x, values, bottom=bottom, color=faded, width=0.8, zorder=2)
        bottom += values
        handles.append(Patch(color=colour, label=str(CATEGORY_LABELS[category])))
    capacity = np.array([d["capacity_t"] for d in days])
    edges = np.arange(len(days) + 1) - 0.5
    axes.stairs(capacity, edges, baseline=None, color="black", linewidth=1.2, zorder=3)
    axes.stairs(capacity * figures["warning_percent"] / 100, edges, baseline=None,
                color="#d68910", linestyle="--", linewidth=1.2, zorder=3)
    handles += [
        Line2D([], [], color="black", linewidth=1.2, label=_("Disposal capacity")),
        Line2D([], [], color="#d68910", linestyle="--", linewidth=1.2,
               label=_("Warning from %(p)s of capacity", p=pct(figures["warning_percent"], 0))),
    ]
    if context:
        axes.axvspan(marked[0] - 0.5, marked[-1] + 0.5, color=MARK_COLOUR, zorder=0)
        handles.append(Patch(color=MARK_COLOUR, label=_("Day of the report")))
    anchor = marked[-1] if context else len(days) - 1
    step = 1 if len(days) <= 10 else 5
    ticks = [i for i in x if (anchor - i) % step == 0]
    axes.set_xticks(ticks, [day(_date(days[i]["day"]), "M/d") for i in ticks])
    for i, label in zip(ticks, axes.get_xticklabels(), strict=True):
        if context and i in marked:
            label.set_bbox({"facecolor": MARK_COLOUR, "edgecolor": "none", "pad": 1.5})
    axes.set_xlim(-0.6, len(days) - 0.4)
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_ylabel(_("Tonnes per day"), fontfamily=family)
    start, end = _date(days[0]["day"]), _date(days[-1]["day"])
    axes.set_title(_("Collected against the disposal capacity, %(start)s to %(end)s",
                     start=day(start), end=day(end)), fontfamily=family)
    return handles


def _coverage(axes, figures: dict, family: list[str], *, cjk: bool) -> list:
    """One horizontal bar per district (the city) or per town and street (a district)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    full = figures["full_coverage_percent"]
    if figures["scope"] == "city":
        rows = figures["districts"]
        labels = [r["name"] if cjk and reads_chinese() else r["name_en"] for r in rows]
        title = _("Coverage of households by district, %(day)s", day=day(_date(figures["as_of"])))
    else:
        rows = figures["townships"]
        labels = [r["name"] if cjk else f"#{r['id']}" for r in rows]
        title = _("Coverage of households by town and street, %(day)s",
                  day=day(_date(figures["as_of"])))
    values = [r["coverage_percent"] or 0 for r in rows]
    covered = [v >= full for v in values]
    axes.barh(range(len(rows)), values, color=["#2e8b57" if c else "#c0392b" for c in covered],
              height=0.7, zorder=2)
    axes.set_yticks(range(len(rows)), labels)
    axes.tick_params(axis="y", labelsize=9 if len(rows) <= 12 else max(5.5, 108 / len(rows)))
    axes.axvline(full, color="black", linestyle="--", linewidth=1, zorder=3)
    axes.set_xlim(0, 100)
    axes.set_ylim(len(rows) - 0.5, -0.5)  # the first row at the top
    axes.set_xlabel(_("Households covered, per cent"), fontfamily=family)
    axes.set_title(title, fontfamily=family)
    return [Patch(color="#2e8b57", label=_("Covered")),
            Patch(color="#c0392b", label=_("Not yet covered")),
            Line2D([], [], color="black", linestyle="--", linewidth=1,
                   label=_("covered from %(p)s", p=pct(full, 0)))]


def _date(iso: str):
    import datetime as dt

    return dt.date.fromisoformat(iso)
