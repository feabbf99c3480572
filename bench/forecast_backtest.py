"""Benchmark: the capacity forecast backtested on the demo city's year, against the
seasonal-naive forecast (the same weekday of the last week seen).

Seeds the demo (``--scale sample``: the city's 2,000-odd recycling points, so the same tonnage;
``--days 365`` ending today) into ``--instance`` when it is empty, or reads the city already
there (``--instance`` or ``--database-url``). Then, from every ``--step``-th day once
``--min-history`` days are known, it fits :func:`wastesort.metrics.forecast.fit_and_forecast`
to the days before and forecasts the next 30, for the whole city and each stream, exactly as
the dashboard's forecast does; the baseline repeats the last week seen. It prints the mean
absolute percentage error (MAPE) of each over the 30 days ahead (and on the 30th day alone),
per series and in all, with the ratio model ÷ baseline (target: below 1, the model beats the
baseline). Results go to bench/results/forecast_backtest.json.

    .venv/bin/python bench/forecast_backtest.py --instance /tmp/demo365 [--step 7]
"""

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from wastesort import create_app  # noqa: E402
from wastesort.collections.tonnage import DailyTonnage  # noqa: E402
from wastesort.demo.seed import database_has_data, seed_demo  # noqa: E402
from wastesort.extensions import db  # noqa: E402
from wastesort.metrics.forecast import SERIES, fit_and_forecast, history_t  # noqa: E402

HORIZON = 30


def mape(actual: list[float], predicted: list[float]) -> float:
    pairs = [(a, p) for a, p in zip(actual, predicted, strict=True) if a > 0]
    return 100 * sum(abs(a - p) / a for a, p in pairs) / len(pairs)


def seasonal_naive(history: list[float], horizon: int) -> list[float]:
    """The last week seen, repeated: day h ahead is the same weekday of that week."""
    return [history[len(history) - 7 + (h % 7)] for h in range(horizon)]


def backtest(series: dict[str, list[float]], first: dt.date, min_history: int,
             step: int) -> dict:
    days = len(series["all"])
    origins = list(range(min_history, days - HORIZON + 1, step))
    found = {name: {"model": [], "naive": [], "model_day30": [], "naive_day30": []}
             for name in SERIES}
    started = time.perf_counter()
    for origin in origins:
        for name in SERIES:
            history, actual = series[name][:origin], series[name][origin:origin + HORIZON]
            model = fit_and_forecast(history, first, HORIZON)["mean"]
            naive = seasonal_naive(history, HORIZON)
            found[name]["model"].append(mape(actual, model))
            found[name]["naive"].append(mape(actual, naive))
            found[name]["model_day30"].append(mape(actual[-1:], model[-1:]))
            found[name]["naive_day30"].append(mape(actual[-1:], naive[-1:]))
    seconds = time.perf_counter() - started
    rows = {}
    for name, errors in found.items():
        row = {key: round(sum(v) / len(v), 2) for key, v in errors.items()}
        row["ratio"] = round(row["model"] / row["naive"], 2)
        rows[name] = row
    return {"origins": len(origins),
            "first_origin": (first + dt.timedelta(days=origins[0])).isoformat(),
            "last_origin": (first + dt.timedelta(days=origins[-1])).isoformat(),
            "fit_seconds": round(seconds / max(len(origins) * len(SERIES), 1), 2),
            "series": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", help="a SQLite instance folder (seeded when empty)")
    parser.add_argument("--database-url", help="a seeded database instead")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--step", type=int, default=7)
    parser.add_argument("--min-history", type=int, default=91,
                        help="days before the first origin (default: 13 weeks)")
    args = parser.parse_args()
    os.environ.pop("WASTESORT_CONFIG", None)
    config = {"SECRET_KEY": "bench"}
    if args.database_url:
        config["SQLALCHEMY_DATABASE_URI"] = args.database_url
    if args.instance:
        config["INSTANCE_PATH"] = args.instance
    app = create_app(config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if not database_has_data():
            summary = seed_demo(scale="sample", days=args.days)
            print(f"seeded the sample demo with {args.days} days in "
                  f"{summary.seconds['total']:.0f} s")
        first, last = db.session.execute(select(func.min(DailyTonnage.collected_on),
                                                func.max(DailyTonnage.collected_on))).one()
        first, last = (d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
                       for d in (first, last))
        last = min(last, first + dt.timedelta(days=args.days - 1))
        series = history_t(first, last)
    result = {"days": (last - first).days + 1, "from": first.isoformat(), "to": last.isoformat(),
              "horizon_days": HORIZON, "step_days": args.step,
              **backtest(series, first, args.min_history, args.step)}
    print(f"forecast backtest: {result['days']} days ({first} to {last}), {result['origins']} "
          f"origins every {args.step} days from {result['first_origin']} to "
          f"{result['last_origin']}, {HORIZON} days ahead; a fit {result['fit_seconds']} s")
    print(f"{'series':<12}{'model MAPE':>12}{'naive MAPE':>12}{'ratio':>8}"
          f"{'model day 30':>14}{'naive day 30':>14}")
    for name, row in result["series"].items():
        print(f"{name:<12}{row['model']:>11.2f}%{row['naive']:>11.2f}%{row['ratio']:>8.2f}"
              f"{row['model_day30']:>13.2f}%{row['naive_day30']:>13.2f}%")
    beaten = all(row["ratio"] < 1 for row in result["series"].values())
    print("the model beats the seasonal-naive baseline on every series" if beaten
          else "the model does NOT beat the seasonal-naive baseline on every series")
    result["model_beats_baseline"] = beaten
    out = ROOT / "bench" / "results" / "forecast_backtest.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
