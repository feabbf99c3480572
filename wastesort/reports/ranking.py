"""The ranking report (红黑榜, ``ranking:month``): every town and street ranked for the period,
frozen when it is made, with its chart and CSV in the reader's language.

The figures are :func:`wastesort.metrics.rankings.rankings`'s. Each place's previous rank is
the one the previous ranking report published, when there is one (what readers saw last
month), else computed for the previous period.
"""

import datetime as dt

from flask import current_app
from flask_babel import gettext as _

from ..metrics.rankings import RANKED, order, rankings, red_and_black
from .models import ReportKind, ReportPeriod

BY = "composite"
KEPT = ("id", "name", "kind", "district_id", "district_name", "households", "coverage_percent",
        "collected_t", "residual_kg_per_household_day", "recyclable_kg_per_household_day",
        "sorted_share_percent", "participation_percent", "accuracy_percent", "gap_percent",
        "gap_abs_percent", "composite_score", "scores", "rank", "previous_rank", "movement")


def ranking_figures(period: ReportPeriod, start: dt.date, end: dt.date, previous: tuple,
                    stored_previous: tuple[dict | None, int | None]) -> dict:
    """The towns and streets in the order of the composite score, the red and black lists,
    the figures measured and the weights."""
    result = rankings("township", start, end, previous)
    rows = result["rows"]
    stored, stored_id = stored_previous
    if stored is not None:  # the places last published
        published = {t["id"]: t["rank"] for t in stored["townships"]}
        for row in rows:
            old = published.get(row["id"], {})
            row["previous_rank"] = {k: old.get(k) for k in RANKED}
            row["movement"] = {k: None if row["rank"][k] is None or old.get(k) is None
                               else old[k] - row["rank"][k] for k in RANKED}
    size = current_app.config["RANKING_LIST_SIZE"]
    red, black = red_and_black(rows, BY, size)
    ordered = order(rows, BY)
    ordered += [r for r in rows if r not in ordered]
    return {
        "kind": ReportKind.RANKING.value, "period": period.value,
        "period_start": start.isoformat(), "period_end": end.isoformat(), "scope": "city",
        "by": BY, "figures": result["figures"], "weights": result["weights"],
        "list_size": size,
        "townships": [{k: r[k] for k in KEPT} for r in ordered],
        "red": [r["id"] for r in red], "black": [r["id"] for r in black],
        "previous": {"period_start": previous[0].isoformat(),
                     "period_end": previous[1].isoformat(), "report_id": stored_id,
                     "source": "report" if stored is not None else "computed"},
    }


def lists(figures: dict) -> tuple[list[dict], list[dict]]:
    """The red and black lists' rows of a stored report."""
    by_id = {t["id"]: t for t in figures["townships"]}
    return [by_id[i] for i in figures["red"]], [by_id[i] for i in figures["black"]]


# --------------------------------------------------------------------------- CSV

def csv_columns() -> list[tuple[str, str]]:
    """(machine header, header for people) of each column."""
    return [("rank", _("Place")), ("movement", _("Movement")), ("id", _("Id")),
            ("name", _("Name")), ("district", _("District")),
            ("composite_score", _("Composite score")),
            ("coverage_percent", _("Coverage (%)")),
            ("residual_kg_per_household_day", _("Residual waste (kg per household and day)")),
            ("recyclable_kg_per_household_day", _("Recyclables (kg per household and day)")),
            ("sorted_share_percent", _("Recyclables and kitchen waste share (%)")),
            ("participation_percent", _("Participation (%)")),
            ("accuracy_percent", _("Accuracy (%)")),
            ("gap_percent", _("Collected against received gap (%)")),
            ("list", _("List"))]


def csv_rows(writer, figures: dict, word) -> None:
    red, black = set(figures["red"]), set(figures["black"])
    for t in figures["townships"]:
        listed = "red" if t["id"] in red else "black" if t["id"] in black else ""
        writer.writerow([
            _blank(t["rank"][BY]), _blank(t["movement"][BY]), t["id"], t["name"],
            t["district_name"], *(_blank(t[k]) for k in (
                "composite_score", "coverage_percent", "residual_kg_per_household_day",
                "recyclable_kg_per_household_day", "sorted_share_percent",
                "participation_percent", "accuracy_percent", "gap_percent")),
            word(listed) if listed else ""])


def _blank(value):
    return "" if value is None else value


# --------------------------------------------------------------------------- chart

def draw(axes, figures: dict, family: list[str], *, cjk: bool) -> list:
    """Horizontal bars of the composite score: the red list at the top (red), the black list
    below it (dark), each labelled with its place."""
    from matplotlib.patches import Patch

    red, black = lists(figures)
    rows = red + black
    labels = [f"{t['rank'][BY]}. " + (t["name"] if cjk else f"#{t['id']}") for t in rows]
    values = [t["composite_score"] or 0 for t in rows]
    colours = ["#c0392b"] * len(red) + ["#2d3436"] * len(black)
    axes.barh(range(len(rows)), values, color=colours, height=0.7, zorder=2)
    axes.set_yticks(range(len(rows)), labels)
    axes.tick_params(axis="y", labelsize=9 if len(rows) <= 12 else max(6, 108 / len(rows)))
    axes.set_xlim(0, 100)
    axes.set_ylim(len(rows) - 0.5, -0.5)  # the best at the top
    axes.set_xlabel(_("Composite score (0 the worst place, 100 the best)"), fontfamily=family)
    start, end = (dt.date.fromisoformat(figures[k]) for k in ("period_start", "period_end"))
    from ..pages import day

    axes.set_title(_("Red and black lists, %(start)s to %(end)s", start=day(start),
                     end=day(end)), fontfamily=family)
    return [Patch(color="#c0392b", label=_("Red list: the best %(n)s", n=len(red))),
            Patch(color="#2d3436", label=_("Black list: the worst %(n)s", n=len(black)))]
