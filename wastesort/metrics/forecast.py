"""A forecast of daily tonnage for the next 90 days, for each stream and for the whole, against
the capacity in force each day (docs/metrics.md, "Forecast").

The model is statsmodels' structural time series (``UnobservedComponents``): a local level, a
fixed weekly season (7 days), the yearly season as Fourier terms (sines and cosines of the day
of the year) and the Spring Festival as three windows of days around the Lunar New Year (the
fortnight before, the holiday week, the week after), whose date moves every year. The
regression coefficients are states of the Kalman filter (``mle_regression=False``): only the
variances are fitted by maximum likelihood, which made a fit on three years of days 0.7 s
instead of 2.6 s. The interval is the model's own (90 %).

A fit takes seconds, so the forecast is made once a day (the scheduler's morning job, or the
first page that needs it) and kept in ``daily_figures``; pages read the stored one.
"""

import datetime as dt
import warnings

from flask import current_app

from ..enums import STREAM_FACILITY, WasteCategory
from .capacity import capacity_by_type_days, tonnage_by_day_and_category
from .daily_cache import once_a_day

HORIZON_DAYS = 90
HISTORY_DAYS = 3 * 365  # what a fit looks back at (the yearly season needs more than one year)
MIN_HISTORY_DAYS = 8 * 7  # fewer days since the first posting: no forecast
YEARLY_FROM_DAYS = 365  # the yearly season is fitted from a year of history on
FOURIER_TERMS = 3  # pairs of sine and cosine for the yearly season
INTERVAL_PERCENT = 90
SERIES = ("all", *(c.value for c in WasteCategory))
MODEL = ("statsmodels UnobservedComponents: local level, weekly season, yearly Fourier terms "
         f"(K={FOURIER_TERMS}), Spring Festival windows; {INTERVAL_PERCENT} % interval")

# The Lunar New Year (春节), day one of the first lunar month, 2000-2045.
SPRING_FESTIVAL = [dt.date.fromisoformat(d) for d in (
    "2000-02-05", "2001-01-24", "2002-02-12", "2003-02-01", "2004-01-22", "2005-02-09",
    "2006-01-29", "2007-02-18", "2008-02-07", "2009-01-26", "2010-02-14", "2011-02-03",
    "2012-01-23", "2013-02-10", "2014-01-31", "2015-02-19", "2016-02-08", "2017-01-28",
    "2018-02-16", "2019-02-05", "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22",
    "2024-02-10", "2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13",
    "2030-02-03", "2031-01-23", "2032-02-11", "2033-01-31", "2034-02-19", "2035-02-08",
    "2036-01-28", "2037-02-15", "2038-02-04", "2039-01-24", "2040-02-12", "2041-02-01",
    "2042-01-22", "2043-02-10", "2044-01-30", "2045-02-17")]
# (first, last) day of each window, counted from the Lunar New Year
FESTIVAL_WINDOWS = {"before": (-14, -1), "holiday": (0, 6), "after": (7, 13)}


def festival_offset(day: dt.date) -> int | None:
    """Days from the nearest Lunar New Year (negative: before it); None outside the table."""
    nearest = min(SPRING_FESTIVAL, key=lambda d: abs((day - d).days))
    offset = (day - nearest).days
    return offset if abs(offset) <= 60 else None


def regressors(days: list[dt.date], *, yearly: bool, windows: list[str]):
    """The exogenous columns for ``days``: the yearly Fourier terms (when ``yearly``) and an
    indicator for each Spring Festival window in ``windows``."""
    import numpy as np

    columns = []
    if yearly:
        ordinal = np.array([d.toordinal() for d in days], dtype=float)
        for k in range(1, FOURIER_TERMS + 1):
            angle = 2 * np.pi * k * ordinal / 365.25
            columns += [np.sin(angle), np.cos(angle)]
    offsets = [festival_offset(d) for d in days]
    for name in windows:
        low, high = FESTIVAL_WINDOWS[name]
        columns.append(np.array([1.0 if o is not None and low <= o <= high else 0.0
                                 for o in offsets]))
    return np.column_stack(columns) if columns else None


def fit_and_forecast(history: list[float], first_day: dt.date, horizon: int = HORIZON_DAYS
                     ) -> dict:
    """The model fitted to ``history`` (one value per day from ``first_day``) and its forecast
    of the ``horizon`` days after: {"mean", "lower", "upper"} lists."""
    import numpy as np
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    days = [first_day + dt.timedelta(days=n) for n in range(len(history))]
    future = [days[-1] + dt.timedelta(days=n) for n in range(1, horizon + 1)]
    seen = {festival_offset(d) for d in days} - {None}
    windows = [name for name, (low, high) in FESTIVAL_WINDOWS.items()
               if any(low <= o <= high for o in seen)]  # a window never seen cannot be fitted
    yearly = len(history) >= YEARLY_FROM_DAYS
    exog = regressors(days, yearly=yearly, windows=windows)
    model = UnobservedComponents(np.asarray(history, dtype=float), level="local level",
                                 seasonal=7, stochastic_seasonal=False, exog=exog,
                                 mle_regression=False)
    with warnings.catch_warnings():  # convergence chatter of the optimiser, not an error
        warnings.simplefilter("ignore")
        fitted = model.fit(disp=False)
        result = fitted.get_forecast(horizon, exog=regressors(future, yearly=yearly,
                                                              windows=windows))
        interval = result.conf_int(alpha=1 - INTERVAL_PERCENT / 100)
    mean = np.maximum(result.predicted_mean, 0)
    return {"mean": [round(float(v), 3) for v in mean],
            "lower": [round(max(float(v), 0.0), 3) for v in interval[:, 0]],
            "upper": [round(float(v), 3) for v in interval[:, 1]]}


def first_crossing(values: list[float], limits: list[float], first_day: dt.date
                   ) -> dt.date | None:
    """The first day whose value is at or above its limit (None: none within the horizon);
    a day without a limit (no capacity) is not a crossing."""
    for n, (value, limit) in enumerate(zip(values, limits, strict=True)):
        if limit and value >= limit:
            return first_day + dt.timedelta(days=n)
    return None


def history_t(first: dt.date, last: dt.date) -> dict[str, list[float]]:
    """Tonnes per day of each series from ``first`` to ``last`` (days without postings: 0)."""
    kg = tonnage_by_day_and_category(first, last)
    series: dict[str, list[float]] = {name: [] for name in SERIES}
    for n in range((last - first).days + 1):
        day_kg = kg.get(first + dt.timedelta(days=n), {})
        for category in WasteCategory:
            series[category.value].append(day_kg.get(category, 0) / 1000)
        series["all"].append(sum(day_kg.values()) / 1000)
    return series


def make_forecast(today: dt.date, horizon: int = HORIZON_DAYS) -> dict | None:
    """The forecast from the complete days before ``today``: each series' mean, interval,
    capacity and warning level on each of the next ``horizon`` days, and the first day the
    forecast reaches the warning level and the capacity (and the first day the interval's top
    does: "possible"). None without MIN_HISTORY_DAYS of history."""
    last = today - dt.timedelta(days=1)
    history = history_t(last - dt.timedelta(days=HISTORY_DAYS - 1), last)
    totals = history["all"]
    start = next((i for i, v in enumerate(totals) if v > 0), None)
    if start is None or len(totals) - start < MIN_HISTORY_DAYS:
        return None
    first_day = last - dt.timedelta(days=len(totals) - start - 1)
    future_first = today
    capacity_days = capacity_by_type_days(future_first,
                                          future_first + dt.timedelta(days=horizon - 1))
    warning_percent = current_app.config["CAPACITY_WARNING_PERCENT"]
    series = {}
    for name in SERIES:
        if name == "all":
            capacity = [sum(day.values()) for day in capacity_days]
        else:
            facility = STREAM_FACILITY[WasteCategory(name)]
            capacity = [day[facility] for day in capacity_days]
        warning = [round(c * warning_percent / 100, 3) for c in capacity]
        found = fit_and_forecast(history[name][start:], first_day, horizon)
        series[name] = {
            **found, "capacity_t": capacity, "warning_t": warning,
            "warning_on": _iso(first_crossing(found["mean"], warning, future_first)),
            "over_on": _iso(first_crossing(found["mean"], capacity, future_first)),
            "warning_possible_on": _iso(first_crossing(found["upper"], warning, future_first)),
            "over_possible_on": _iso(first_crossing(found["upper"], capacity, future_first)),
        }
    return {"made_on": today.isoformat(), "first_day": future_first.isoformat(),
            "days": horizon, "history_from": first_day.isoformat(),
            "history_to": last.isoformat(), "interval_percent": INTERVAL_PERCENT,
            "warning_percent": warning_percent, "model": MODEL, "series": series}


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def city_forecast(today: dt.date) -> dict | None:
    """Today's forecast, made once a day and kept (``{"forecast": None}`` kept too: a city
    without enough history does not refit on every page)."""
    stored = once_a_day("forecast", "city", today, lambda: {"forecast": make_forecast(today)})
    return stored.figures["forecast"]


def monthly_means(forecast: dict, name: str = "all") -> list[dict]:
    """The forecast's mean tonnes per day of each calendar month it covers (for the monthly
    trend), months it covers for at least a week."""
    first = dt.date.fromisoformat(forecast["first_day"])
    months: dict[dt.date, list[float]] = {}
    for n, value in enumerate(forecast["series"][name]["mean"]):
        day = first + dt.timedelta(days=n)
        months.setdefault(day.replace(day=1), []).append(value)
    return [{"month": month, "t_per_day": round(sum(v) / len(v), 3), "days": len(v)}
            for month, v in sorted(months.items()) if len(v) >= 7]
