"""The capacity forecast (wastesort.metrics.forecast) on synthetic days whose seasons are known:
a weekly pattern, a summer peak and a Spring Festival dip."""

import datetime as dt
import math
from collections import Counter

import pytest

from wastesort.collections import tonnage
from wastesort.extensions import db
from wastesort.metrics import forecast as F

START = dt.date(2023, 1, 1)
WEEKLY = [1.00, 0.98, 0.97, 0.99, 1.02, 1.06, 1.08]  # Monday to Sunday


def truth(day: dt.date, level: float = 20_000.0) -> float:
    """The known series: a level, a weekly pattern, a summer peak (+12 % in late July), the
    fortnight before the Spring Festival +10 %, its holiday week -25 %."""
    yearly = 1 + 0.12 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 205) / 365.25)
    offset = F.festival_offset(day)
    festival = 1.0
    if offset is not None and -14 <= offset <= -1:
        festival = 1.10
    elif offset is not None and 0 <= offset <= 6:
        festival = 0.75
    return level * WEEKLY[day.weekday()] * yearly * festival


def noisy(days: int, seed: int = 7) -> list[float]:
    import random

    rng = random.Random(seed)
    return [truth(START + dt.timedelta(days=n)) * rng.uniform(0.98, 1.02) for n in range(days)]


def _offset(day: dt.date) -> int:
    offset = F.festival_offset(day)
    return 999 if offset is None else offset


def mape(actual, predicted) -> float:
    return 100 * sum(abs(a - p) / a for a, p in zip(actual, predicted, strict=True)) / len(actual)


@pytest.fixture(scope="module")
def across_the_festival():
    """Three years of history up to 2026-01-31, then 90 days that hold the 2026 Spring
    Festival (17 February)."""
    history = noisy((dt.date(2026, 1, 31) - START).days + 1)
    return history, F.fit_and_forecast(history, START, 90)


def test_the_forecast_follows_the_known_seasons(across_the_festival):
    _history, found = across_the_festival
    first = dt.date(2026, 2, 1)
    days = [first + dt.timedelta(days=n) for n in range(90)]
    expected = [truth(d) for d in days]
    assert mape(expected, found["mean"]) < 3.0
    # the holiday week is forecast low, the fortnight before it high
    holiday = [found["mean"][n] for n, d in enumerate(days) if 0 <= _offset(d) <= 6]
    before = [found["mean"][n] for n, d in enumerate(days) if -14 <= _offset(d) <= -1]
    assert sum(holiday) / len(holiday) < 0.85 * sum(before) / len(before)
    # Sundays above Wednesdays, as the weekly pattern says (8 % and -3 %)
    sundays = [found["mean"][n] for n, d in enumerate(days) if d.weekday() == 6]
    wednesdays = [found["mean"][n] for n, d in enumerate(days) if d.weekday() == 2]
    assert sum(sundays) / len(sundays) > 1.05 * sum(wednesdays) / len(wednesdays)


def test_the_interval_holds_the_truth(across_the_festival):
    _history, found = across_the_festival
    first = dt.date(2026, 2, 1)
    inside = sum(1 for n in range(90)
                 if found["lower"][n] <= truth(first + dt.timedelta(days=n)) <= found["upper"][n])
    assert inside >= 80  # a 90 % interval, over days that are 2 % noisy at most
    assert all(lo <= m <= up for lo, m, up in zip(found["lower"], found["mean"], found["upper"],
                                                  strict=True))


def test_the_summer_peak_from_last_year():
    """From a history ending in May, the forecast rises into the summer, as it did before."""
    history = noisy((dt.date(2026, 5, 15) - START).days + 1)
    found = F.fit_and_forecast(history, START, 90)
    first = dt.date(2026, 5, 16)
    expected = [truth(first + dt.timedelta(days=n)) for n in range(90)]
    assert mape(expected, found["mean"]) < 3.0
    may, july = found["mean"][:14], found["mean"][60:90]
    assert sum(july) / len(july) > 1.04 * sum(may) / len(may)  # 1.06 in the known series


def test_the_model_beats_the_seasonal_naive_forecast():
    history = noisy((dt.date(2026, 1, 31) - START).days + 1 + 30)
    train, actual = history[:-30], history[-30:]
    found = F.fit_and_forecast(train, START, 30)
    naive = [train[len(train) - 7 + n % 7] for n in range(30)]
    assert mape(actual, found["mean"]) < mape(actual, naive)


def test_first_crossing():
    day = dt.date(2026, 7, 1)
    assert F.first_crossing([1, 5, 9], [8, 8, 8], day) == dt.date(2026, 7, 3)
    assert F.first_crossing([1, 5, 9], [10, 10, 10], day) is None
    assert F.first_crossing([1, 5], [0, 4], day) == dt.date(2026, 7, 2)  # no capacity: no limit


def test_festival_dates():
    assert F.festival_offset(dt.date(2026, 2, 17)) == 0
    assert F.festival_offset(dt.date(2026, 2, 10)) == -7
    assert F.festival_offset(dt.date(2026, 8, 1)) is None


def _load_days(city, days: int, today: dt.date, level_t: float,
               category: str = "residual") -> None:
    """``days`` of a category up to yesterday into the daily tonnage of street a1, in the
    known seasons around ``level_t`` tonnes a day."""
    sums, records = Counter(), Counter()
    township = city.townships["a1"].id
    for n in range(days):
        day = today - dt.timedelta(days=days - n)
        sums[day, township, category] = round(truth(day, level_t) * 1000)
        records[day, township, category] = 1
    tonnage.add_weights(db.session.connection(), sums, records)
    db.session.commit()


def test_the_city_forecast_crosses_the_warning_level_and_is_made_once(city, monkeypatch):
    """Residual waste against 100 t/day of incineration (warning at 85 t), about 75 t a day in
    May: the summer peak is forecast to reach the warning level in July. Kitchen waste, about
    40 t a day against 100 t/day of kitchen-waste treatment planned down to 30 t/day from 15
    June, is forecast over the capacity that day. The second page of the day reads the stored
    forecast."""
    from wastesort.facilities.models import FacilityCapacity

    today = dt.date(2026, 5, 16)
    _load_days(city, 500, today, 71.0)
    _load_days(city, 500, today, 40.0, "kitchen")
    db.session.add(FacilityCapacity(treatment_facility_id=city.facilities["kitchen_waste"].id,
                                    effective_from=dt.date(2026, 6, 15), capacity_t_per_day=30))
    db.session.commit()
    fits = []
    real = F.fit_and_forecast
    monkeypatch.setattr(F, "fit_and_forecast", lambda *a, **k: fits.append(1) or real(*a, **k))
    found = F.city_forecast(today)
    residual = found["series"]["residual"]
    assert residual["capacity_t"][0] == 100 and residual["warning_t"][0] == 85
    assert "2026-07-01" <= residual["warning_on"] <= "2026-08-14"
    assert residual["over_on"] is None  # about 90 t at the peak
    assert residual["warning_possible_on"] <= residual["warning_on"]
    kitchen = found["series"]["kitchen"]
    assert kitchen["capacity_t"][29:31] == [100, 30]  # 15 June, as planned
    assert kitchen["over_on"] == kitchen["warning_on"] == "2026-06-15"
    assert found["series"]["hazardous"]["warning_on"] is None  # nothing collected
    assert found["history_from"] == "2025-01-01" and found["first_day"] == "2026-05-16"
    assert len(fits) == len(F.SERIES)
    assert F.city_forecast(today) == found and len(fits) == len(F.SERIES)  # stored, not refitted


def test_no_forecast_without_enough_history(city):
    today = dt.date(2026, 11, 30)
    _load_days(city, 20, today, 50.0)
    assert F.make_forecast(today) is None
    assert F.city_forecast(today) is None


def test_a_wrong_forecast_time_stops_start_up(tmp_path):
    from wastesort import create_app
    from wastesort.config import ConfigError

    with pytest.raises(ConfigError, match="FORECAST_CRON"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                    "FORECAST_CRON": "every morning"})
