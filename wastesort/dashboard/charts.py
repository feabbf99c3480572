"""Charts drawn on the server as SVG: no script, no CDN, readable on a phone.

Each function takes figures already computed by :mod:`wastesort.metrics` and returns SVG
markup; every text in it comes from the caller (translated), is a number with its unit, or is
a translated phrase around them (the bars' tooltips).
"""

import math

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..pages import day, pct, tonnes

WIDTH = 720
STATUS_COLOURS = {"ok": "#2e7d4f", "warning": "#b7791f", "over": "#c0392b"}
CAPACITY_COLOUR, WARNING_COLOUR = "#c0392b", "#b7791f"


def nice_step(raw: float) -> float:
    """A round axis step (1, 2 or 5 times a power of ten) of at least ``raw``."""
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _svg(height: int, title: str, body: list[str], width: int = WIDTH) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}" class="chart" '
            f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>')
    return Markup(head + "".join(body) + "</svg>")


def tonnage_chart(days: list[dict], capacity_t: float, warning_percent: float, *, title: str,
                  capacity_label: str, warning_label: str) -> Markup:
    """Bars of tonnes collected per day, coloured by status, under the capacity line and the
    warning line. The lines are named in a key above the plot, never over the bars."""
    height, left, right, top, bottom = 318, 64, 12, 34, 36
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak = max([capacity_t, *(d["collected_t"] for d in days)]) or 1
    step_t = nice_step(peak * 1.1 / 4)
    top_t = step_t * math.ceil(peak * 1.1 / step_t)

    def y(t: float) -> float:
        return top + plot_h - plot_h * (t / top_t)

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
            'stroke="#d9e2dc"/>']
    for step in range(round(top_t / step_t) + 1):  # gridlines and the tonnage scale
        t = step_t * step
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                    'stroke="#eef2ef"/>'
                    f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="#5d6b62">{escape(tonnes(t, 0))}</text>')
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 1)
    for i, d in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        colour = STATUS_COLOURS.get(d["status"], "#2e7d4f")
        tip = _("%(day)s: %(t)s (%(percent)s of capacity)", day=day(d["day"]),
                t=tonnes(d["collected_t"]), percent=pct(d["utilisation_percent"]))
        body.append(f'<rect class="bar status-{d["status"]}" x="{x:.1f}" '
                    f'y="{y(d["collected_t"]):.1f}" width="{bar_w:.1f}" '
                    f'height="{top + plot_h - y(d["collected_t"]):.1f}" fill="{colour}">'
                    f'<title>{escape(tip)}</title></rect>')
        if i % max(len(days) // 6, 1) == 0 or i == len(days) - 1:
            anchor = "end" if i == len(days) - 1 else "middle"
            body.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" '
                        f'text-anchor="{anchor}" font-size="11" fill="#5d6b62">'
                        f'{escape(day(d["day"], "M/d"))}</text>')
    warning_t = capacity_t * warning_percent / 100
    for value, colour, dash in ((capacity_t, CAPACITY_COLOUR, ""),
                                (warning_t, WARNING_COLOUR, "6 4")):
        body.append(f'<line class="limit" x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" '
                    f'y2="{y(value):.1f}" stroke="{colour}" stroke-width="2" '
                    f'stroke-dasharray="{dash}"/>')
    # the key above the plot: the capacity's line at the left, the warning's at the right
    key_y, right_x = top - 14, left + plot_w
    body.append(f'<line x1="{left}" x2="{left + 24}" y1="{key_y - 4}" y2="{key_y - 4}" '
                f'stroke="{CAPACITY_COLOUR}" stroke-width="2"/>'
                f'<text class="key" x="{left + 30}" y="{key_y}" font-size="12" '
                f'fill="{CAPACITY_COLOUR}">{escape(capacity_label)}</text>'
                f'<line x1="{right_x - 24}" x2="{right_x}" y1="{key_y - 4}" y2="{key_y - 4}" '
                f'stroke="{WARNING_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
                f'<text class="key" x="{right_x - 30}" y="{key_y}" text-anchor="end" '
                f'font-size="12" fill="{WARNING_COLOUR}">{escape(warning_label)}</text>')
    return _svg(height, title, body)


def coverage_chart(rows: list[dict], full_percent: float, *, title: str,
                   threshold_label: str) -> Markup:
    """One horizontal bar per town or street: its coverage in per cent, with the threshold
    from which it counts as covered."""
    left, right, row_h, top = 150, 56, 18, 22
    plot_w = WIDTH - left - right
    height = top + row_h * max(len(rows), 1) + 8
    body = [f'<text x="{left + plot_w * full_percent / 100:.1f}" y="14" text-anchor="middle" '
            f'font-size="11" fill="#b7791f">{escape(threshold_label)}</text>']
    for i, row in enumerate(rows):
        y = top + i * row_h
        value = row["coverage_percent"] or 0
        colour = {True: "#2e7d4f", False: "#b7791f"}.get(row.get("covered"), "#3b6ea5")
        tip = _("%(label)s: %(value)s", label=row["name"], value=pct(row["coverage_percent"]))
        body.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" font-size="12" '
                    f'fill="#1d2a22">{escape(row["name"])}</text>'
                    f'<rect class="bar" x="{left}" y="{y + 3}" width="{plot_w * value / 100:.1f}" '
                    f'height="{row_h - 6}" fill="{colour}"><title>{escape(tip)}</title></rect>'
                    f'<text x="{left + plot_w * value / 100 + 4:.1f}" y="{y + 13}" '
                    f'font-size="11" fill="#5d6b62">{escape(pct(row["coverage_percent"]))}'
                    '</text>')
    x = left + plot_w * full_percent / 100
    body.append(f'<line class="limit" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" '
                f'y2="{height - 4}" stroke="#b7791f" stroke-width="2" stroke-dasharray="6 4"/>')
    return _svg(height, title, body)

