"""Figures made once a day (wastesort.metrics.daily_cache): workers that find a day's figures
missing at the same moment all make them, one insert wins on the unique constraint, and every
worker returns the winner's figures — one row, the same answer everywhere."""

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select

from wastesort.extensions import db
from wastesort.metrics.daily_cache import DailyFigures, once_a_day

from .conftest import MODES, ROUNDS, race

DAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize("mode", MODES)
def test_a_day_made_by_many_at_once_is_stored_once(app, city, mode):
    for round_ in range(ROUNDS):
        counter = itertools.count()

        def op(round_=round_, counter=counter):
            mine = next(counter)  # each maker's own answer: only the stored one may come back
            return once_a_day("forecast", "city", DAY + dt.timedelta(days=round_),
                              lambda: {"maker": mine}).figures

        results = race(app, [op] * 8, mode)
        assert not [r for r in results if isinstance(r, str)], results
        assert len({r["maker"] for r in results}) == 1, results
        stored = db.session.scalar(select(func.count()).select_from(DailyFigures).where(
            DailyFigures.made_on == DAY + dt.timedelta(days=round_)))
        assert stored == 1
