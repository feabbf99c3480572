"""The forecast in the monthly capacity report: when the whole city and each stream are
forecast to reach the warning level and the capacity, from the day's forecast
(:mod:`wastesort.metrics.forecast`), frozen with the report."""

import datetime as dt

from ..metrics.forecast import city_forecast

SUMMARY_DAYS = 30  # the mean of the forecast's first month


def forecast_section(today: dt.date) -> dict | None:
    """None when there is not enough history to forecast."""
    found = city_forecast(today)
    if found is None:
        return None
    first = dt.date.fromisoformat(found["first_day"])
    series = {}
    for name, s in found["series"].items():
        peak = max(range(len(s["mean"])), key=lambda n: s["mean"][n])
        series[name] = {
            "mean_t_per_day": round(sum(s["mean"][:SUMMARY_DAYS]) / SUMMARY_DAYS, 1),
            "peak_t": round(s["mean"][peak], 1),
            "peak_on": (first + dt.timedelta(days=peak)).isoformat(),
            **{k: s[k] for k in ("warning_on", "over_on", "warning_possible_on",
                                 "over_possible_on")}}
    return {k: found[k] for k in ("made_on", "first_day", "days", "history_from", "history_to",
                                  "interval_percent", "model")} | {"series": series}
