"""Charts drawn on the server as SVG: no script, no CDN, readable on a phone.

Each function takes figures already computed by :mod:`wastesort.metrics` and returns SVG
markup; every text in it comes from the caller (translated), is a number with its unit, or is
a translated phrase around them (the bars' tooltips).
"""

import datetime as dt
import math

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..collections.forms import CATEGORY_LABELS
from ..enums import WasteCategory
from ..pages import day, number, pct, tonnes

WIDTH = 720
STATUS_COLOURS = {"ok": "#2e7d4f", "warning": "#b7791f", "over": "#c0392b"}
CAPACITY_COLOUR, WARNING_COLOUR = "#c0392b", "#b7791f"
CATEGORY_COLOURS = {WasteCategory.RECYCLABLE: "#1f5fa8", WasteCategory.HAZARDOUS: "#c0392b",
                    WasteCategory.KITCHEN: "#2e7d4f", WasteCategory.RESIDUAL: "#6b6f6c"}


def nice_step(raw: float) -> float:
    """A round axis step (1, 2 or 5 times a power of ten) of at least ``raw``."""
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _svg(height: int, title: str, body: list[str], width: int = WIDTH) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}" class="chart" '
            f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>')
    return Markup(head + "".join(body) + "</svg>")


def _axis(body: list[str], top_t: float, step_t: float, y, left: int, plot_w: float,
          label) -> None:
    """Gridlines and their scale at the left."""
    for step in range(round(top_t / step_t) + 1):
        t = step_t * step
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                    'stroke="#eef2ef"/>'
                    f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="#5d6b62">{escape(label(t))}</text>')


def _scale(peak: float) -> tuple[float, float]:
    """(the axis step, the axis top) for values up to ``peak``."""
    peak = peak or 1
    step = nice_step(peak * 1.1 / 4)
    return step, step * math.ceil(peak * 1.1 / step)


def _stack(body: list[str], x: float, width: float, values: dict, y, tip) -> None:
    """One bar's segments, one per stream, bottom up."""
    stacked = 0.0
    for category, colour in CATEGORY_COLOURS.items():
        value = values.get(category.value, 0)
        if value <= 0:
            continue
        body.append(f'<rect class="seg cat-{category.value}" x="{x:.1f}" '
                    f'y="{y(stacked + value):.1f}" width="{width:.1f}" '
                    f'height="{y(stacked) - y(stacked + value):.1f}" fill="{colour}">'
                    f'<title>{escape(tip(category, value))}</title></rect>')
        stacked += value


def _key(body: list[str], lines: list[tuple[str, str, str]], top: int, left: int,
         right_x: float) -> None:
    """The lines' names above the plot: the first at the left, the second at the right."""
    key_y = top - 14
    for index, (label, colour, dash) in enumerate(lines[:2]):
        if index == 0:
            x1, tx, anchor = left, left + 30, "start"
        else:
            x1, tx, anchor = right_x - 24, right_x - 30, "end"
        body.append(f'<line x1="{x1}" x2="{x1 + 24}" y1="{key_y - 4}" y2="{key_y - 4}" '
                    f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
                    f'<text class="key" x="{tx}" y="{key_y}" text-anchor="{anchor}" '
                    f'font-size="12" fill="{colour}">{escape(label)}</text>')


def tonnage_chart(days: list[dict], capacity_t: float, warning_percent: float, *, title: str,
                  capacity_label: str, warning_label: str) -> Markup:
    """Bars of tonnes collected per day, stacked by waste stream, each day's bar outlined in
    its status's colour when in warning or over capacity, under the capacity line and the
    warning line. The lines are named in a key above the plot, never over the bars."""
    height, left, right, top, bottom = 318, 64, 12, 34, 36
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    step_t, top_t = _scale(max([capacity_t, *(d["collected_t"] for d in days)]))

    def y(t: float) -> float:
        return top + plot_h - plot_h * (t / top_t)

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
            'stroke="#d9e2dc"/>']
    _axis(body, top_t, step_t, y, left, plot_w, lambda t: tonnes(t, 0))
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 1)
    labels = {c: str(label) for c, label in CATEGORY_LABELS.items()}
    part = _("%(day)s, %(category)s: %(t)s")
    for i, d in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        day_text = day(d["day"])
        _stack(body, x, bar_w, d["by_category_t"], y, lambda c, v, day_text=day_text: part % {
            "day": day_text, "category": labels[c], "t": tonnes(v)})
        tip = _("%(day)s: %(t)s (%(percent)s of capacity)", day=day_text,
                t=tonnes(d["collected_t"]), percent=pct(d["utilisation_percent"]))
        outline = STATUS_COLOURS[d["status"]] if d["status"] != "ok" else "none"
        body.append(f'<rect class="bar status-{d["status"]}" x="{x:.1f}" '
                    f'y="{y(d["collected_t"]):.1f}" width="{bar_w:.1f}" '
                    f'height="{top + plot_h - y(d["collected_t"]):.1f}" fill="#000" '
                    f'fill-opacity="0" stroke="{outline}" stroke-width="2">'
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
    _key(body, [(capacity_label, CAPACITY_COLOUR, ""), (warning_label, WARNING_COLOUR, "6 4")],
         top, left, left + plot_w)
    return _svg(height, title, body)


def months_chart(months: list[dict], capacity_t: float | None, *, title: str,
                 capacity_label: str | None, forecast: list[dict] | None = None,
                 forecast_label: str | None = None) -> Markup:
    """One bar per month of tonnes per day, stacked by stream (the running month: so far),
    under the capacity line; with ``forecast`` (months of the forecast's tonnes per day) a
    dashed outline per forecast month after them."""
    forecast = forecast or []
    height, left, right, top, bottom = 300, 64, 12, 34, 36
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    step_t, top_t = _scale(max([capacity_t or 0, *(m["t_per_day"] for m in months),
                                *(f["t_per_day"] for f in forecast)]))

    def y(t: float) -> float:
        return top + plot_h - plot_h * (t / top_t)

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
            'stroke="#d9e2dc"/>']
    _axis(body, top_t, step_t, y, left, plot_w, lambda t: tonnes(t, 0 if step_t >= 1 else 1))
    count = len(months) + len(forecast)
    slot = plot_w / max(count, 1)
    bar_w = max(slot * 0.7, 1)
    labels = {c: str(label) for c, label in CATEGORY_LABELS.items()}
    part = _("%(month)s, %(category)s: %(t)s per day")
    for i, m in enumerate(months):
        x = left + i * slot + (slot - bar_w) / 2
        name = day(m["month"], "yyyy-MM")
        _stack(body, x, bar_w, m["by_category_t_per_day"], y,
               lambda c, v, name=name: part % {"month": name, "category": labels[c],
                                               "t": tonnes(v)})
        tip = _("%(month)s: %(t)s per day", month=name, t=tonnes(m["t_per_day"]))
        body.append(f'<rect class="bar month" x="{x:.1f}" y="{y(m["t_per_day"]):.1f}" '
                    f'width="{bar_w:.1f}" height="{top + plot_h - y(m["t_per_day"]):.1f}" '
                    f'fill="#000" fill-opacity="0"><title>{escape(tip)}</title></rect>')
        body.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" '
                    f'text-anchor="middle" font-size="11" fill="#5d6b62">'
                    f'{escape(day(m["month"], "M/yy"))}</text>')
    for j, f in enumerate(forecast):
        x = left + (len(months) + j) * slot + (slot - bar_w) / 2
        tip = _("%(month)s: %(t)s per day", month=day(f["month"], "yyyy-MM"),
                t=tonnes(f["t_per_day"]))
        body.append(f'<rect class="bar forecast" x="{x:.1f}" y="{y(f["t_per_day"]):.1f}" '
                    f'width="{bar_w:.1f}" height="{top + plot_h - y(f["t_per_day"]):.1f}" '
                    f'fill="#eef2ef" stroke="#5d6b62" stroke-dasharray="4 3">'
                    f'<title>{escape(tip)}</title></rect>'
                    f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" '
                    f'text-anchor="middle" font-size="11" fill="#5d6b62">'
                    f'{escape(day(f["month"], "M/yy"))}</text>')
    lines = []
    if capacity_t:
        body.append(f'<line class="limit" x1="{left}" x2="{left + plot_w}" '
                    f'y1="{y(capacity_t):.1f}" y2="{y(capacity_t):.1f}" '
                    f'stroke="{CAPACITY_COLOUR}" stroke-width="2"/>')
        lines.append((capacity_label, CAPACITY_COLOUR, ""))
    if forecast and forecast_label:
        lines.append((forecast_label, "#5d6b62", "4 3"))
    _key(body, lines, top, left, left + plot_w)
    return _svg(height, title, body)


def districts_chart(rows: list[dict], *, title: str) -> Markup:
    """The districts side by side: one horizontal bar each of kg per household and day,
    stacked by stream, its coverage at the right."""
    left, right, row_h, top = 110, 70, 24, 8
    plot_w = WIDTH - left - right
    height = top + row_h * max(len(rows), 1) + 8
    peak = max([sum(v or 0 for v in r["kg_per_household_day"].values()) for r in rows] or [1])
    peak = peak or 1
    labels = {c: str(label) for c, label in CATEGORY_LABELS.items()}
    part = _("%(district)s, %(category)s: %(kg)s per household and day")
    body = []
    for i, row in enumerate(rows):
        y0 = top + i * row_h
        x = float(left)
        body.append(f'<text x="{left - 6}" y="{y0 + 16}" text-anchor="end" font-size="12" '
                    f'fill="#1d2a22">{escape(row["name"])}</text>')
        for category, colour in CATEGORY_COLOURS.items():
            value = row["kg_per_household_day"].get(category.value) or 0
            width = plot_w * value / peak
            if width <= 0:
                continue
            tip = part % {"district": row["name"], "category": labels[category],
                          "kg": f"{number(value, 3)} kg"}
            body.append(f'<rect class="seg cat-{category.value}" x="{x:.1f}" y="{y0 + 4}" '
                        f'width="{width:.1f}" height="{row_h - 8}" fill="{colour}">'
                        f'<title>{escape(tip)}</title></rect>')
            x += width
        body.append(f'<text class="coverage" x="{WIDTH - right + 6}" y="{y0 + 16}" '
                    f'font-size="11" fill="#5d6b62">{escape(pct(row["coverage_percent"]))}'
                    '</text>')
    return _svg(height, title, body)


def percent_lines_chart(months: list[dict], series: list[tuple[str, str, str]], *,
                        title: str) -> Markup:
    """Lines of percentages month by month (coverage; participation and accuracy): each of
    ``series`` is (the rows' key, its name, its colour); the names in a key above."""
    height, left, right, top, bottom = 170, 48, 12, 30, 32
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    values = [m[key] for m in months for key, _n, _c in series if m[key] is not None]
    low = max(0.0, math.floor((min(values) if values else 0) / 10) * 10 - 10) \
        if values and min(values) > 20 else 0.0

    def y(p: float) -> float:
        return top + plot_h - plot_h * (p - low) / (100 - low)

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
            'stroke="#d9e2dc"/>']
    step = 10 if 100 - low <= 50 else 20
    p = low
    while p <= 100:
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(p):.1f}" y2="{y(p):.1f}" '
                    'stroke="#eef2ef"/>'
                    f'<text x="{left - 6}" y="{y(p) + 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="#5d6b62">{escape(pct(p, 0))}</text>')
        p += step
    slot = plot_w / max(len(months), 1)
    for key, name, colour in series:
        points = [(left + (i + 0.5) * slot, y(m[key])) for i, m in enumerate(months)
                  if m[key] is not None]
        if points:
            body.append(f'<polyline class="trend" fill="none" stroke="{colour}" '
                        f'stroke-width="2" points="'
                        + " ".join(f"{px:.1f},{py:.1f}" for px, py in points) + '"/>')
        for i, m in enumerate(months):
            if m[key] is None:
                continue
            tip = _("%(month)s, %(figure)s: %(value)s", month=day(m["month"], "yyyy-MM"),
                    figure=name, value=pct(m[key], 2))
            body.append(f'<circle cx="{left + (i + 0.5) * slot:.1f}" cy="{y(m[key]):.1f}" '
                        f'r="3" fill="{colour}"><title>{escape(tip)}</title></circle>')
    for i, m in enumerate(months):
        body.append(f'<text x="{left + (i + 0.5) * slot:.1f}" y="{height - bottom + 16}" '
                    f'text-anchor="middle" font-size="11" fill="#5d6b62">'
                    f'{escape(day(m["month"], "M/yy"))}</text>')
    _key(body, [(name, colour, "") for _k, name, colour in series], top, left,
         left + plot_w)
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



def forecast_chart(forecast: dict, name: str, *, title: str, forecast_label: str,
                   capacity_label: str) -> Markup:
    """The next days' forecast of one series: its mean as a line inside its interval (a band),
    under the capacity in force each day (a step line) and the warning level (dashed)."""
    series = forecast["series"][name]
    first = dt.date.fromisoformat(forecast["first_day"])
    count = len(series["mean"])
    height, left, right, top, bottom = 300, 64, 12, 34, 32
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    step_t, top_t = _scale(max([*series["upper"], *series["capacity_t"]]))

    def y(t: float) -> float:
        return top + plot_h - plot_h * (min(t, top_t) / top_t)

    def x(n: float) -> float:
        return left + plot_w * (n + 0.5) / count

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
            'stroke="#d9e2dc"/>']
    _axis(body, top_t, step_t, y, left, plot_w, lambda t: tonnes(t, 0))
    band = [f"{x(n):.1f},{y(v):.1f}" for n, v in enumerate(series["upper"])] + \
        [f"{x(n):.1f},{y(v):.1f}" for n, v in reversed(list(enumerate(series["lower"])))]
    body.append(f'<polygon class="interval" points="{" ".join(band)}" fill="#9fb3a6" '
                'fill-opacity="0.35"/>')
    body.append('<polyline class="forecast" fill="none" stroke="#1d2a22" stroke-width="2" '
                'points="' + " ".join(f"{x(n):.1f},{y(v):.1f}"
                                      for n, v in enumerate(series["mean"])) + '"/>')
    for key, colour, dash in (("capacity_t", CAPACITY_COLOUR, ""),
                              ("warning_t", WARNING_COLOUR, "6 4")):
        steps = []
        for n, value in enumerate(series[key]):
            steps += [f"{left + plot_w * n / count:.1f},{y(value):.1f}",
                      f"{left + plot_w * (n + 1) / count:.1f},{y(value):.1f}"]
        body.append(f'<polyline class="limit" fill="none" stroke="{colour}" stroke-width="2" '
                    f'stroke-dasharray="{dash}" points="{" ".join(steps)}"/>')
    for n in range(0, count, max(count // 6, 1)):
        body.append(f'<text x="{x(n):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                    f'font-size="11" fill="#5d6b62">'
                    f'{escape(day(first + dt.timedelta(days=n), "M/d"))}</text>')
    _key(body, [(forecast_label, "#1d2a22", ""), (capacity_label, CAPACITY_COLOUR, "")], top,
         left, left + plot_w)
    return _svg(height, title, body)
