"""The demo city's days have seasons a forecast can learn: the Spring Festival's holiday week
low and the fortnight before it high, a summer peak, more on the weekend."""

import datetime as dt
import random

from wastesort.demo.seed import daily_utilisation_targets

FIRST = dt.date(2025, 12, 1)


def _targets():
    return daily_utilisation_targets(random.Random(1), 365, FIRST)


def _mean(targets, first: dt.date, last: dt.date) -> float:
    values = [targets[(first - FIRST).days + n] for n in range((last - first).days + 1)]
    return sum(values) / len(values)


def test_spring_festival_summer_and_weekend():
    targets = _targets()
    festival = dt.date(2026, 2, 17)
    before = _mean(targets, festival - dt.timedelta(days=14), festival - dt.timedelta(days=1))
    holiday = _mean(targets, festival, festival + dt.timedelta(days=6))
    assert holiday < 0.8 * before
    assert _mean(targets, dt.date(2026, 7, 10), dt.date(2026, 8, 10)) > \
        1.04 * _mean(targets, dt.date(2026, 10, 20), dt.date(2026, 11, 20))
    sundays = [t for n, t in enumerate(targets) if (FIRST + dt.timedelta(days=n)).weekday() == 6]
    wednesdays = [t for n, t in enumerate(targets)
                  if (FIRST + dt.timedelta(days=n)).weekday() == 2]
    assert sum(sundays) / len(sundays) > 1.03 * sum(wednesdays) / len(wednesdays)


def test_still_below_near_and_over_the_capacity():
    targets = _targets()[-30:]
    assert min(targets) < 0.85 <= max(t for t in targets if t < 1) and max(targets) > 1
