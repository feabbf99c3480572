"""The formulas themselves, as plain functions of numbers (docs/metrics.md)."""

import enum


class CapacityStatus(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"  # utilisation at or above CAPACITY_WARNING_PERCENT
    OVER = "over"  # more collected than the facilities can treat in a day


def tonnes(weight_kg: int | None) -> float:
    """Kilograms to tonnes, to the kilogram."""
    return round((weight_kg or 0) / 1000, 3)


def percent(part: float, whole: float) -> float | None:
    """part / whole in per cent to two decimals; None when there is no whole to divide by."""
    if not whole:
        return None
    return round(100 * part / whole, 2)


def utilisation_percent(collected_t: float, capacity_t: float) -> float | None:
    return percent(collected_t, capacity_t)


def headroom_t(collected_t: float, capacity_t: float) -> float:
    """Tonnes the facilities could still take that day; negative when over capacity."""
    return round(capacity_t - collected_t, 3)


def capacity_status(collected_t: float, capacity_t: float,
                    warning_percent: float) -> CapacityStatus:
    """Judged on exact values, not on the rounded percentage shown."""
    if collected_t > capacity_t:  # with no capacity at all, anything collected is over
        return CapacityStatus.OVER
    if capacity_t and 100 * collected_t >= warning_percent * capacity_t:
        return CapacityStatus.WARNING
    return CapacityStatus.OK


def coverage_percent(households: int, covered: int) -> float | None:
    return percent(covered, households)


def per_thousand(count: int, households: int) -> float | None:
    """Bins (or anything) per 1,000 households, to two decimals."""
    if not households:
        return None
    return round(1000 * count / households, 2)


# --- the chain to treatment (docs/metrics.md, "The chain to treatment") --------------------

def gap_t(collected_t: float, received_t: float) -> float:
    """Tonnes collected that did not arrive at a facility (negative: more arrived)."""
    return round(collected_t - received_t, 3)


def gap_percent(collected_t: float, received_t: float) -> float | None:
    return percent(gap_t(collected_t, received_t), collected_t)


def beyond_tolerance(collected_t: float, received_t: float, tolerance_percent: float) -> bool:
    """Whether the gap, either way, is larger than ``tolerance_percent`` of what was
    collected; with nothing collected, whether anything arrived at all."""
    if not collected_t:
        return received_t > 0
    return 100 * abs(collected_t - received_t) > tolerance_percent * collected_t


def mixed_transport_t(sorted_streams: dict, residual: tuple[float, float],
                      tolerances: dict) -> tuple[list, float]:
    """Sorted waste that arrived as residual waste: (the sorted streams short beyond their
    tolerance, the tonnes mixed), given {stream: (collected_t, received_t)} of the sorted
    streams and (collected_t, received_t) of residual waste. Flagged only when a sorted stream
    is short beyond its tolerance *and* residual waste is over beyond its own: the missing
    tonnes turned up under another name. The tonnes mixed are the smaller of the two."""
    short = [s for s, (c, r) in sorted_streams.items()
             if c - r > 0 and beyond_tolerance(c, r, tolerances[s])]
    collected, received = residual
    surplus = received - collected
    if not short or surplus <= 0 or not beyond_tolerance(collected, received,
                                                         tolerances["residual"]):
        return [], 0.0
    shortfall = sum(sorted_streams[s][0] - sorted_streams[s][1] for s in short)
    return short, round(min(shortfall, surplus), 3)


def harmless_rate_percent(harmless_t: float, collected_for_treatment_t: float) -> float | None:
    """无害化处理率: tonnes received by harmless-treatment facilities ÷ tonnes collected for
    treatment (recyclables excluded), in %."""
    return percent(harmless_t, collected_for_treatment_t)


def landfill_share_percent(landfill_t: float, harmless_t: float) -> float | None:
    """Of the waste treated harmlessly, the share landfilled, in % (the seed's "zero
    landfill" is 0 %)."""
    return percent(landfill_t, harmless_t)


def recycling_rate_percent(recyclables_t: float, kitchen_recovered_t: float,
                           collected_t: float) -> float | None:
    """回收利用率: (recyclables received for sorting + kitchen waste treated as kitchen waste,
    kept out of incineration and landfill) ÷ tonnes collected, in %."""
    return percent(recyclables_t + kitchen_recovered_t, collected_t)


def resource_utilisation_percent(recyclables_t: float, treated_t: dict, coefficients: dict,
                                 collected_for_treatment_t: float) -> float | None:
    """资源化利用率: (recyclables + Σ each treatment's tonnes × its conversion coefficient) ÷
    (recyclables + tonnes collected for treatment), in %."""
    used = recyclables_t + sum(t * coefficients.get(kind, 0) for kind, t in treated_t.items())
    return percent(used, recyclables_t + collected_for_treatment_t)


def participation_percent(households_seen: int, households_sorted: int) -> float | None:
    """Participation (参与率): households seen putting out sorted waste ÷ households seen
    putting out waste, in %; None when nobody was seen (wastesort.metrics.inspections)."""
    return percent(households_sorted, households_seen)


def accuracy_percent(items_inspected: int, items_correct: int) -> float | None:
    """Accuracy (投放准确率): bags or bins sorted correctly ÷ bags or bins inspected, in %;
    None when nothing was inspected (wastesort.metrics.inspections)."""
    return percent(items_correct, items_inspected)
