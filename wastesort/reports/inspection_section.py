"""The coverage report's section on sorting inspections: participation, accuracy, the share of
communities inspected in the period and the communities not inspected for more than
INSPECTION_STALE_DAYS at its end — for the report's scope, each district and each town or
street — with the change since the previous report.

Coverage says which households have joined sorting; this section says whether they sort, and
well, where inspectors looked. Every figure is :mod:`wastesort.metrics.inspections`' (ratios
of sums, never means of percentages), frozen with the report when it is made. The change is
measured against the previous report of the same kind, period and scope as it was stored; a
previous report made before this section existed, or none at all, is computed for the
previous period, as the coverage figures' change is (``previous.source``).
"""

import datetime as dt
from collections import Counter

from flask import current_app

from ..metrics.inspections import inspection_levels, stale_communities
from .models import ReportPeriod
from .periods import previous_period

KEEP = ("inspections", "households_seen", "households_sorted", "participation_percent",
        "items_inspected", "items_correct", "accuracy_percent", "communities",
        "communities_inspected", "communities_inspected_percent")


def _row(row: dict, stale: int) -> dict:
    return {**{k: row[k] for k in KEEP}, "stale_communities": stale}


def _snapshot(first: dt.date, last: dt.date, district_id: int | None, stale_days: int) -> dict:
    total, districts, townships = inspection_levels(first, last, district_id=district_id)
    stale = stale_communities(last, days=stale_days, district_id=district_id)
    by_township = Counter(c["township_id"] for c in stale)
    by_district = Counter(c["district_id"] for c in stale)
    return {
        "total": _row(total, len(stale)),
        "districts": [{"id": d["id"], "name": d["name"], "name_en": d["name_en"],
                       **_row(d, by_district[d["id"]])} for d in districts],
        "townships": [{k: t[k] for k in ("id", "name", "kind", "district_id", "district_name")}
                      | _row(t, by_township[t["id"]]) for t in townships],
    }


def _points(now, before):
    """Change in percentage points (None when either side has no figure)."""
    if now is None or before is None:
        return None
    return round(now - before, 2)


def _change(now: dict, before: dict) -> dict:
    return {
        "participation_points": _points(now["participation_percent"],
                                        before["participation_percent"]),
        "accuracy_points": _points(now["accuracy_percent"], before["accuracy_percent"]),
        "inspected_points": _points(now["communities_inspected_percent"],
                                    before["communities_inspected_percent"]),
        "stale_communities": now["stale_communities"] - before["stale_communities"],
    }


def inspection_section(period: ReportPeriod, first: dt.date, last: dt.date,
                       district_id: int | None, previous: dict | None) -> dict:
    """The section of the report of ``first``..``last``; ``previous`` is the figures of the
    previous report of the same kind, period and scope as stored (None: there is none)."""
    stale_days = current_app.config["INSPECTION_STALE_DAYS"]
    section = _snapshot(first, last, district_id, stale_days)
    prev_first, prev_last = previous_period(period, first)
    stored = (previous or {}).get("inspections")
    before = stored if stored is not None else _snapshot(prev_first, prev_last, district_id,
                                                         stale_days)
    section["total"]["change"] = _change(section["total"], before["total"])
    for level in ("districts", "townships"):
        earlier = {row["id"]: row for row in before[level]}
        for row in section[level]:
            row["change"] = _change(row, earlier[row["id"]]) if row["id"] in earlier else None
    section["stale_days"] = stale_days
    section["previous"] = {"period_start": prev_first.isoformat(),
                           "source": "report" if stored is not None else "computed"}
    return section
