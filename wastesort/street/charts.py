"""The street page's 30-day trend as SVG, drawn like the dashboard's charts (no script, no CDN,
readable on a phone): bars of tonnes per day stacked by category, under the street's own
average as a dashed line. Every text is the caller's (translated) or a number with its unit;
the categories' colours are the ones of the page's ``.cat-*`` dots, named in the caption."""

import math

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..collections.forms import CATEGORY_LABELS
from ..dashboard.charts import WIDTH, _svg, nice_step
from ..enums import WasteCategory
from ..pages import day, tonnes

CATEGORY_COLOURS = {WasteCategory.RECYCLABLE: "#1f5fa8", WasteCategory.HAZARDOUS: "#c0392b",
                    WasteCategory.KITCHEN: "#2e7d4f", WasteCategory.RESIDUAL: "#6b6f6c"}
AVERAGE_COLOUR = "#b7791f"


def trend_chart(days: list[dict], average_t: float | None, *, title: str,
                average_label: str) -> Markup:
    """One bar per day (``days``: the ``street_trend`` rows), stacked by category, and the
    average's line with its name in a key above the plot, never over the bars."""
    height, left, right, top, bottom = 300, 64, 12, 34, 36
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak = max([average_t or 0, *(d["collected_t"] for d in days)]) or 1
    step_t = nice_step(peak * 1.1 / 4)
    top_t = step_t * math.ceil(peak * 1.1 / step_t)

    def y(t: float) -> float:
        return top + plot_h - plot_h * (t / top_t)

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
            'stroke="#d9e2dc"/>']
    digits = 0 if step_t >= 1 else (1 if step_t >= 0.1 else 2)
    for step in range(round(top_t / step_t) + 1):
        t = step_t * step
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                    'stroke="#eef2ef"/>'
                    f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="#5d6b62">{escape(tonnes(t, digits))}</text>')
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 1)
    # Translated and formatted once, not once per bar: the 120 bars' tooltips were a third of
    # the page's time.
    tip_text = _("%(day)s, %(category)s: %(t)s")
    labels = {c: str(label) for c, label in CATEGORY_LABELS.items()}
    for i, d in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        stacked = 0.0
        day_text = day(d["day"])
        for category, colour in CATEGORY_COLOURS.items():
            value = d["by_category_t"][category.value]
            if value <= 0:
                continue
            tip = tip_text % {"day": day_text, "category": labels[category],
                              "t": tonnes(value)}
            body.append(f'<rect class="bar cat-{category.value}" x="{x:.1f}" '
                        f'y="{y(stacked + value):.1f}" width="{bar_w:.1f}" '
                        f'height="{y(stacked) - y(stacked + value):.1f}" fill="{colour}">'
                        f'<title>{escape(tip)}</title></rect>')
            stacked += value
        if i % max(len(days) // 6, 1) == 0 or i == len(days) - 1:
            anchor = "end" if i == len(days) - 1 else "middle"
            body.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" '
                        f'text-anchor="{anchor}" font-size="11" fill="#5d6b62">'
                        f'{escape(day(d["day"], "M/d"))}</text>')
    if average_t is not None:
        body.append(f'<line class="average" x1="{left}" x2="{left + plot_w}" '
                    f'y1="{y(average_t):.1f}" y2="{y(average_t):.1f}" stroke="{AVERAGE_COLOUR}" '
                    'stroke-width="2" stroke-dasharray="6 4"/>')
        key_y = top - 14
        body.append(f'<line x1="{left}" x2="{left + 24}" y1="{key_y - 4}" y2="{key_y - 4}" '
                    f'stroke="{AVERAGE_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
                    f'<text class="key" x="{left + 30}" y="{key_y}" font-size="12" '
                    f'fill="{AVERAGE_COLOUR}">{escape(average_label)}</text>')
    return _svg(height, title, body)
