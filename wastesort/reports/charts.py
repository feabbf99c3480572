"""A report's chart as PNG bytes, drawn from its stored figures with matplotlib's Agg canvas.

``Figure`` + ``FigureCanvasAgg`` directly (no pyplot): no global state, safe in web workers
and the scheduler's threads. Labels are ASCII unless a CJK font is installed, so a Chinese
name never turns into empty boxes (and matplotlib's missing-glyph warnings).
"""

import io
from functools import cache

from .models import Report, ReportKind

CATEGORY_COLOURS = {"recyclable": "#1f6fb2", "hazardous": "#c0392b", "kitchen": "#2e8b57",
                    "residual": "#7f8c8d"}


@cache
def _cjk_font() -> str | None:
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if any(mark in font.name for mark in ("CJK", "WenQuanYi", "Noto Sans SC", "Source Han")):
            return font.name
    return None


def chart_png(report: Report) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if report.kind is ReportKind.CAPACITY:
        _capacity(axes, report.figures)
    else:
        _coverage(axes, report.figures)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _capacity(axes, figures: dict) -> None:
    from matplotlib.ticker import StrMethodFormatter

    days = figures["daily"]
    labels = [d["day"][5:] for d in days]  # MM-DD
    bottom = [0.0] * len(days)
    for category, colour in CATEGORY_COLOURS.items():
        values = [d["by_category_t"][category] for d in days]
        axes.bar(labels, values, bottom=bottom, color=colour, label=f"{category} (t)")
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    capacity_t = figures["total"]["capacity_t_per_day"]
    axes.axhline(capacity_t, color="black", linewidth=1.2,
                 label=f"capacity {capacity_t:,} t/day")
    warning_t = capacity_t * figures["warning_percent"] / 100
    axes.axhline(warning_t, color="orange", linestyle="--", linewidth=1,
                 label=f"warning {figures['warning_percent']} %")
    axes.set_ylabel("tonnes per day (t)")
    axes.set_title(f"Collected against capacity, {figures['period_start']} to "
                   f"{figures['period_end']}")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3)
    if len(labels) > 10:
        axes.tick_params(axis="x", labelrotation=90, labelsize="small")


def _coverage(axes, figures: dict) -> None:
    cjk = _cjk_font()
    if figures["scope"] == "city":
        rows = figures["districts"]
        labels = [(d["name"] if cjk else d["name_en"]) for d in rows]
    else:
        rows = figures["townships"]
        labels = [(t["name"] if cjk else f"{t['kind']} #{t['id']}") for t in rows]
    if cjk:
        axes.tick_params(labelfontfamily=cjk)
    values = [r["coverage_percent"] or 0 for r in rows]
    colours = ["#2e8b57" if v >= figures["full_coverage_percent"] else "#c0392b" for v in values]
    axes.barh(labels, values, color=colours)
    axes.axvline(figures["full_coverage_percent"], color="black", linestyle="--", linewidth=1,
                 label=f"full coverage {figures['full_coverage_percent']} %")
    axes.set_xlim(0, 100)
    axes.set_xlabel("households covered (%)")
    axes.invert_yaxis()
    axes.set_title(f"Coverage as of {figures['as_of']}")
    axes.legend(fontsize="small", loc="lower right")
