"""Rankings of towns and streets, and of one town's or street's communities (红黑榜), for a
period: each place on each figure and on a composite score (docs/metrics.md, "Rankings").

Every figure is a ratio of sums over the period, made in SQL from the aggregates: tonnage from
``daily_tonnage`` (a range of its key: a month is 114 × 31 × 4 rows, not the million postings
behind them), households from the monthly tallies (:mod:`wastesort.metrics.coverage`), the
inspection rates from the daily inspection tally (:mod:`wastesort.metrics.inspections`, when
that module is there) and the collected-against-received gap from the weighbridge tickets that
name a town or street (:mod:`wastesort.metrics.facilities`). A community's tonnage is what the
recycling points attached to it collected (the collections of one town's or street's points,
a range of the index (recycling_point_id, collected_on) each): ``daily_tonnage`` stops at the
town or street.

The composite score puts figures of different units on one scale: each figure becomes a score
from 0 (the worst place ranked) to 100 (the best), and the score is their weighted mean with
the weights of ``RANKING_WEIGHTS`` — over the figures a place has, so a place is neither
rewarded nor punished for a figure nobody measured there.
"""

import datetime as dt
from collections import defaultdict

from flask import current_app
from sqlalchemy import func, select, text

from ..areas.models import Community, District, Township
from ..collections.models import Collection
from ..collections.tonnage import DailyTonnage
from ..enums import WasteCategory
from ..extensions import db
from ..points.models import RecyclingPoint
from .coverage import _household_counts
from .formulas import coverage_percent, gap_percent, percent, tonnes

HIGHER, LOWER = "higher", "lower"  # which way a figure is better

# key: (the row's field, which way is better); in the order pages and reports show them
FIGURES = {
    "coverage": ("coverage_percent", HIGHER),
    "residual_per_household": ("residual_kg_per_household_day", LOWER),
    "recyclable_per_household": ("recyclable_kg_per_household_day", HIGHER),
    "sorted_share": ("sorted_share_percent", HIGHER),
    "participation": ("participation_percent", HIGHER),
    "accuracy": ("accuracy_percent", HIGHER),
    "gap": ("gap_abs_percent", LOWER),
}
COMPOSITE = "composite"
RANKED = (COMPOSITE, *FIGURES)  # every key a ranking can be asked for
LEVELS = ("township", "community")
SORTED_STREAMS = (WasteCategory.RECYCLABLE.value, WasteCategory.KITCHEN.value)


# --------------------------------------------------------------------------- the formulas

def kg_per_household_day(weight_kg: int, households: int, days: int) -> float | None:
    """Kilograms per household and day, to the gram; None without households or days."""
    if not households or not days:
        return None
    return round(weight_kg / households / days, 3)


def figure_score(value: float, best: float, worst: float) -> float:
    """A figure on the 0-100 scale of the places ranked: 100 × (value − worst) ÷ (best −
    worst), to 2 decimals; 100 when every place has the same figure."""
    if best == worst:
        return 100.0
    return round(100 * (value - worst) / (best - worst), 2)


def composite_score(scores: dict[str, float], weights: dict[str, float]) -> float | None:
    """Σ weight × score ÷ Σ weight over the figures the place has a score for (and a weight
    above 0), to 2 decimals; None when it has none."""
    used = {k: w for k, w in weights.items() if w > 0 and scores.get(k) is not None}
    if not used:
        return None
    return round(sum(w * scores[k] for k, w in used.items()) / sum(used.values()), 2)


# --------------------------------------------------------------------------- the sums

def _tonnage_by_township(first: dt.date, last: dt.date) -> dict[int, dict]:
    """{township id: {"kg": {category: kg}, "records": n}} of the period, one GROUP BY over
    a range of ``daily_tonnage``'s key."""
    rows = db.session.execute(
        select(DailyTonnage.township_id, DailyTonnage.category, func.sum(DailyTonnage.weight_kg),
               func.sum(DailyTonnage.records))
        .where(DailyTonnage.collected_on.between(first, last))
        .group_by(DailyTonnage.township_id, DailyTonnage.category))
    return _fold(rows)


def _tonnage_by_community(first: dt.date, last: dt.date, township_id: int) -> dict[int, dict]:
    """{community id: the same} from the collections (not void) of the town's or street's
    points attached to a community: each point a range of (recycling_point_id,
    collected_on)."""
    points = select(RecyclingPoint.id).where(RecyclingPoint.township_id == township_id,
                                             RecyclingPoint.community_id.is_not(None))
    per_point = (select(Collection.recycling_point_id.label("point_id"),
                        Collection.category.label("category"),
                        func.sum(Collection.weight_kg).label("kg"), func.count().label("n"))
                 .where(Collection.recycling_point_id.in_(points),
                        Collection.collected_on.between(first, last),
                        Collection.voided.is_(False))
                 .group_by(Collection.recycling_point_id, Collection.category).subquery())
    rows = db.session.execute(
        select(RecyclingPoint.community_id, per_point.c.category, func.sum(per_point.c.kg),
               func.sum(per_point.c.n))
        .join(per_point, per_point.c.point_id == RecyclingPoint.id)
        .group_by(RecyclingPoint.community_id, per_point.c.category))
    return _fold(rows)


def _fold(rows) -> dict[int, dict]:
    found: dict[int, dict] = {}
    for unit, category, kg, records in rows:
        place = found.setdefault(unit, {"kg": {}, "records": 0})
        place["kg"][WasteCategory(category).value] = int(kg or 0)
        place["records"] += int(records or 0)
    return found


def _inspection_rates(first: dt.date, last: dt.date, township_id: int | None) -> dict[int, dict]:
    """{place id: participation and accuracy}, from the inspection figures when that module is
    there (towns and streets, or the communities of ``township_id``); else nothing."""
    try:
        from . import inspections
    except ImportError:  # the inspection figures are not part of this installation
        return {}
    if township_id is None:
        rows = inspections.township_figures(first, last)
    else:
        rows = inspections.community_figures(first, last, township_id=township_id)
    return {r["id"]: {"participation_percent": r["participation_percent"],
                      "accuracy_percent": r["accuracy_percent"]} for r in rows}


def _gaps(first: dt.date, last: dt.date) -> dict[int, dict]:
    """{township id: collected and received tonnes and the gap} over the days on which
    weighbridge tickets name it (a town no ticket names has no gap to judge): the tickets' sums
    per town and day (one pass over the partial index of the tickets that name one) and the
    period's daily tonnage per town and day (a range of its key). The facility figures'
    day-by-day comparison
    (``facilities.township_gaps``, with each day's tolerances and mixed transport) took 1.5 s
    for a month of the demo city's 70,000 tickets; the ranking needs only the sums."""
    try:
        from ..intake.models import WeighbridgeTicket as T
    except ImportError:  # the facility chain is not part of this installation
        return {}
    # "NOT voided" spelt as the partial index's own condition: SQLAlchemy writes "voided = 0"
    # on SQLite, which SQLite does not take to imply it, and read all 860,000 tickets
    named = (text("NOT weighbridge_tickets.voided"), T.township_id.is_not(None),
             T.arrived_on.between(first, last))
    named_days = db.session.execute(  # one pass over the index: each town's days and kg
        select(T.township_id, T.arrived_on, func.sum(T.net_weight_kg)).where(*named)
        .group_by(T.township_id, T.arrived_on)).all()
    if not named_days:
        return {}
    collected_days = {(t, _as_date(d)): int(kg or 0) for t, d, kg in db.session.execute(
        select(DailyTonnage.township_id, DailyTonnage.collected_on,
               func.sum(DailyTonnage.weight_kg))
        .where(DailyTonnage.collected_on.between(first, last))
        .group_by(DailyTonnage.township_id, DailyTonnage.collected_on))}
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for township_id, day, kg in named_days:
        sums[township_id][0] += collected_days.get((township_id, _as_date(day)), 0)
        sums[township_id][1] += int(kg or 0)
    rows = [(t, collected, received) for t, (collected, received) in sums.items()]
    found = {}
    for township_id, collected_kg, received_kg in rows:
        collected_t, received_t = tonnes(int(collected_kg or 0)), tonnes(int(received_kg or 0))
        signed = gap_percent(collected_t, received_t)
        found[township_id] = {"gap_collected_t": collected_t, "gap_received_t": received_t,
                              "gap_percent": signed,
                              "gap_abs_percent": None if signed is None else abs(signed)}
    return found


# --------------------------------------------------------------------------- one place

def place_figures(households: int, covered: int, tonnage: dict | None, days: int) -> dict:
    """The figures of one place from its sums: coverage, tonnes by category, kg per household
    and day by category, and the share of recyclables and kitchen waste in what was
    collected. Without a posting in the period the tonnage figures are None (a place that
    posted nothing has no residual waste to be praised for)."""
    posted = tonnage is not None and tonnage["records"] > 0
    kg = tonnage["kg"] if posted else {}
    total_kg = sum(kg.values())
    per_household = {c.value: kg_per_household_day(kg.get(c.value, 0), households, days)
                     if posted else None for c in WasteCategory}
    return {
        "households": households, "households_covered": covered,
        "coverage_percent": coverage_percent(households, covered),
        "collected_t": tonnes(total_kg) if posted else None,
        "by_category_t": {c.value: tonnes(kg.get(c.value, 0)) for c in WasteCategory}
        if posted else None,
        "kg_per_household_day": per_household,
        "residual_kg_per_household_day": per_household[WasteCategory.RESIDUAL.value],
        "recyclable_kg_per_household_day": per_household[WasteCategory.RECYCLABLE.value],
        "sorted_share_percent": percent(sum(kg.get(c, 0) for c in SORTED_STREAMS), total_kg)
        if posted else None,
    }


def township_rows(first: dt.date, last: dt.date) -> list[dict]:
    """Every town and street's figures for the period (coverage as of its last day)."""
    days = (last - first).days + 1
    households = _household_counts(Township.id, last, [])
    tonnage = _tonnage_by_township(first, last)
    rates = _inspection_rates(first, last, None)
    gaps = _gaps(first, last)
    rows = []
    for tid, name, kind, did, district_name, district_name_en in db.session.execute(
            select(Township.id, Township.name, Township.kind, Township.district_id,
                   District.name, District.name_en)
            .join(District).order_by(District.code, Township.name)):
        n, c = households.get(tid, (0, 0))
        rows.append({"id": tid, "name": name, "kind": kind.value, "district_id": did,
                     "district_name": district_name, "district_name_en": district_name_en,
                     **place_figures(n, c, tonnage.get(tid), days),
                     **_rates(rates.get(tid)), **_gap(gaps.get(tid))})
    return rows


def community_rows(first: dt.date, last: dt.date, township_id: int) -> list[dict]:
    """The figures of a town's or street's communities for the period; no gap (tickets name
    towns and streets, not communities)."""
    days = (last - first).days + 1
    households = _household_counts(Community.id, last, [Township.id == township_id])
    tonnage = _tonnage_by_community(first, last, township_id)
    rates = _inspection_rates(first, last, township_id)
    rows = []
    for cid, name in db.session.execute(select(Community.id, Community.name)
                                        .where(Community.township_id == township_id)
                                        .order_by(Community.name)):
        n, c = households.get(cid, (0, 0))
        rows.append({"id": cid, "name": name, "township_id": township_id,
                     **place_figures(n, c, tonnage.get(cid), days),
                     **_rates(rates.get(cid)), **_gap(None)})
    return rows


def _rates(found: dict | None) -> dict:
    found = found or {}
    return {"participation_percent": found.get("participation_percent"),
            "accuracy_percent": found.get("accuracy_percent")}


def _gap(found: dict | None) -> dict:
    found = found or {}
    return {k: found.get(k) for k in ("gap_collected_t", "gap_received_t", "gap_percent",
                                      "gap_abs_percent")}


# --------------------------------------------------------------------------- ranking

def weights(config=None) -> dict[str, float]:
    return dict((config or current_app.config)["RANKING_WEIGHTS"])


def score(rows: list[dict], weights_by_figure: dict[str, float]) -> list[str]:
    """Give each row its scores (0-100) per figure and its composite score; returns the
    figures measured (those at least one place has a value for)."""
    measured = []
    for key, (field, better) in FIGURES.items():
        values = [r[field] for r in rows if r[field] is not None]
        if values:
            measured.append(key)
            best, worst = (max(values), min(values)) if better == HIGHER else \
                (min(values), max(values))
        for row in rows:
            row.setdefault("scores", {})[key] = None if row[field] is None else \
                figure_score(row[field], best, worst)
    for row in rows:
        row["composite_score"] = composite_score(row["scores"], weights_by_figure)
    return measured


def _value(row: dict, key: str) -> float | None:
    return row["composite_score"] if key == COMPOSITE else row[FIGURES[key][0]]


def order(rows: list[dict], key: str) -> list[dict]:
    """The places with a value for ``key``, best first. Values are compared as shown (to 2
    decimals; kg per household to 3); ties go to the higher composite score, then the higher
    coverage, then the lower id (the place registered first)."""
    better = HIGHER if key == COMPOSITE else FIGURES[key][1]
    digits = 3 if key.endswith("per_household") else 2

    def sort_key(row):
        value = round(_value(row, key), digits)
        composite = row["composite_score"]
        return (-value if better == HIGHER else value,
                -(composite if composite is not None else -1),
                -(row["coverage_percent"] if row["coverage_percent"] is not None else -1),
                row["id"])

    return sorted((r for r in rows if _value(r, key) is not None), key=sort_key)


def assign_ranks(rows: list[dict]) -> None:
    """Each row's place (1 = best) on every figure and the composite; None without a value."""
    for row in rows:
        row["rank"] = dict.fromkeys(RANKED)
    for key in RANKED:
        for place, row in enumerate(order(rows, key), start=1):
            row["rank"][key] = place


def rank(rows: list[dict], previous: list[dict] | None = None,
         weights_by_figure: dict[str, float] | None = None) -> dict:
    """Score and rank ``rows`` (and ``previous``, the previous period's rows of the same
    places); each row gets its previous place and its movement (places moved up: positive)."""
    weights_by_figure = weights() if weights_by_figure is None else weights_by_figure
    measured = score(rows, weights_by_figure)
    assign_ranks(rows)
    before: dict[int, dict] = {}
    if previous is not None:
        score(previous, weights_by_figure)
        assign_ranks(previous)
        before = {r["id"]: r["rank"] for r in previous}
    for row in rows:
        old = before.get(row["id"], {})
        row["previous_rank"] = {k: old.get(k) for k in RANKED}
        row["movement"] = {k: None if row["rank"][k] is None or old.get(k) is None
                           else old[k] - row["rank"][k] for k in RANKED}
    return {"figures": measured,
            "weights": {k: w for k, w in weights_by_figure.items() if k in measured},
            "rows": rows}


def red_and_black(rows: list[dict], key: str, n: int) -> tuple[list[dict], list[dict]]:
    """The red list (the best ``n``, best first) and the black list (the worst ``n``, worst
    first) on ``key``; a place is on one list at most, so with fewer than 2n places ranked
    the red list takes the better half (rounded up) and the black list the rest."""
    ranked = order(rows, key)
    red = ranked[:min(n, (len(ranked) + 1) // 2)]
    black = ranked[len(red):][::-1][:n]
    return red, black


def rankings(level: str, first: dt.date, last: dt.date, previous: tuple[dt.date, dt.date],
             *, township_id: int | None = None) -> dict:
    """Every town and street (``level`` "township") or the communities of ``township_id``
    (``level`` "community"), ranked for ``first``..``last`` with their movement since the
    ``previous`` period."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if level == "community" and township_id is None:
        raise ValueError("communities are ranked within one town or street")
    if last < first:
        raise ValueError("the range ends before it starts")
    if level == "township":
        rows, before = township_rows(first, last), township_rows(*previous)
    else:
        rows = community_rows(first, last, township_id)
        before = community_rows(*previous, township_id)
    ranked = rank(rows, before)
    return {"level": level, "first": first, "last": last, "days": (last - first).days + 1,
            "previous_first": previous[0], "previous_last": previous[1], **ranked}


def district_rows(rows: list[dict], days: int) -> list[dict]:
    """The districts side by side, from their towns' and streets' rows: sums first, then the
    ratios (never a mean of percentages)."""
    by_district: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_district[row["district_id"]].append(row)
    districts = []
    for did, members in by_district.items():
        households = sum(r["households"] for r in members)
        covered = sum(r["households_covered"] for r in members)
        posted = [r for r in members if r["by_category_t"] is not None]
        tonnage = {"kg": {c.value: round(sum(r["by_category_t"][c.value] for r in posted) * 1000)
                          for c in WasteCategory}, "records": len(posted)}
        districts.append({"id": did, "name": members[0]["district_name"],
                          "name_en": members[0]["district_name_en"], "townships": len(members),
                          **place_figures(households, covered, tonnage, days)})
    return districts


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
