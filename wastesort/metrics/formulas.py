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
