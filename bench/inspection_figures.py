"""Benchmark: the inspection figures at city scale (target: participation and accuracy for every
town and street for a month in under 200 ms, SQLite and PostgreSQL).

Works on a seeded city (a copy: it is migrated and given inspections): ``--instance DIR`` (the
SQLite city in its instance folder) or ``--database-url`` (PostgreSQL). Migrates it to the
code's revision and, when it holds no inspections, adds a year of them with the demo's
``seed_inspections`` (about 107,000; timed). Then it times, each the best and the median of
``--repeat`` runs after one untimed warm-up:

- participation and accuracy by town and street for the last complete month
  (``metrics.inspections.inspection_figures("township", …)``), against the bare ``GROUP BY``
  over the inspections themselves (``inspections`` ⋈ ``communities``, void left out);
- the same with the districts and the city (``inspection_levels``), what a report's section uses;
- every community of the city for the month, and every town and street for a week and a day;
- the communities not inspected for more than 14 days, city-wide.

It prints the times, the ratios product ÷ bare, and the city's month; results go to
bench/results/inspection_figures.json (SQLite) or inspection_figures_postgresql.json.

    cp -r /srv/city365 /tmp/city_e
    .venv/bin/python bench/inspection_figures.py --instance /tmp/city_e
    createdb -h 127.0.0.1 -U postgres -T city_bench city_e
    .venv/bin/python bench/inspection_figures.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/city_e
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from wastesort import create_app  # noqa: E402
from wastesort.demo.inspections import seed_inspections  # noqa: E402
from wastesort.demo.seed import vacuum_analyze  # noqa: E402
from wastesort.extensions import db  # noqa: E402
from wastesort.inspections.models import Inspection  # noqa: E402
from wastesort.metrics.inspections import (  # noqa: E402
    inspection_figures,
    inspection_levels,
    period_range,
    stale_communities,
)
from wastesort.timeutil import local_today  # noqa: E402

TARGET_S = 0.2
BARE = """
SELECT c.township_id, COUNT(*), SUM(i.households_seen), SUM(i.households_sorted),
       SUM(i.items_inspected), SUM(i.items_correct), COUNT(DISTINCT i.community_id)
FROM inspections i JOIN communities c ON c.id = i.community_id
WHERE i.inspected_on BETWEEN :first AND :last AND NOT i.voided
GROUP BY c.township_id"""


def timed(repeat: int, fn) -> tuple[float, float]:
    """(best, median) seconds of ``repeat`` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", help="the instance folder of a seeded SQLite city")
    parser.add_argument("--database-url", help="a seeded PostgreSQL city (a copy)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if not (args.instance or args.database_url):
        parser.error("give --instance or --database-url (a copy of a seeded city)")
    os.environ.pop("WASTESORT_CONFIG", None)
    config = {"INSTANCE_PATH": args.instance or str(ROOT / "instance"), "SECRET_KEY": "bench"}
    if args.database_url:
        config["SQLALCHEMY_DATABASE_URI"] = args.database_url
    app = create_app(config)
    seeded = None
    with app.app_context():
        dialect = db.engine.dialect.name
        started = time.perf_counter()
        upgrade(directory=str(ROOT / "migrations"))
        migrated_s = time.perf_counter() - started
        today = local_today()
        if not db.session.scalar(select(func.count()).select_from(Inspection)):
            started = time.perf_counter()
            count = seed_inspections(today)
            db.session.commit()
            seeded = {"inspections": count, "seconds": round(time.perf_counter() - started, 1)}
            if dialect == "postgresql":
                vacuum_analyze()
            print(f"seeded {count:,} inspections in {seeded['seconds']} s ({dialect})")
        inspections = db.session.scalar(select(func.count()).select_from(Inspection))
        month = period_range("month", today.replace(day=1) - dt.timedelta(days=1))
        week = period_range("week", today - dt.timedelta(days=7))
        day = period_range("day", today - dt.timedelta(days=1))
        rows = {
            "towns and streets, a month": (
                timed(args.repeat, lambda: inspection_figures("township", *month)),
                timed(args.repeat, lambda: db.session.execute(
                    text(BARE), {"first": month[0], "last": month[1]}).all())),
            "city, districts, towns and streets, a month": (
                timed(args.repeat, lambda: inspection_levels(*month)), None),
            "every community, a month": (
                timed(args.repeat, lambda: inspection_figures("community", *month)), None),
            "towns and streets, a week": (
                timed(args.repeat, lambda: inspection_figures("township", *week)), None),
            "towns and streets, a day": (
                timed(args.repeat, lambda: inspection_figures("township", *day)), None),
            "communities not inspected for 14 days": (
                timed(args.repeat, lambda: stale_communities(today, days=14)), None),
        }
        city, _, towns = inspection_levels(*month)
    result = {"database": dialect, "inspections": inspections, "migrated_s": round(migrated_s, 1),
              "seeded": seeded, "month": [str(month[0]), str(month[1])],
              "city": {k: city[k] for k in ("inspections", "participation_percent",
                                            "accuracy_percent", "communities_inspected_percent")},
              "towns_and_streets": len(towns)}
    print(f"{inspections:,} inspections; {month[0]}..{month[1]}: participation "
          f"{city['participation_percent']} %, accuracy {city['accuracy_percent']} %, "
          f"communities inspected {city['communities_inspected_percent']} %")
    for name, ((best, median), bare) in rows.items():
        ratio = round(best / bare[0], 2) if bare else None
        result[name] = {"best_s": round(best, 4), "median_s": round(median, 4),
                        "bare_sql_best_s": bare and round(bare[0], 4), "ratio": ratio}
        print(f"{name:44} best {best * 1000:7.1f} ms  median {median * 1000:7.1f} ms  bare "
              f"{'-' if bare is None else f'{bare[0] * 1000:7.1f} ms'}  ratio {ratio}")
    headline = result["towns and streets, a month"]["median_s"]
    print(f"target: under {TARGET_S * 1000:.0f} ms -> {'met' if headline < TARGET_S else 'MISSED'}")
    suffix = "" if dialect == "sqlite" else f"_{dialect}"
    out = ROOT / "bench" / "results" / f"inspection_figures{suffix}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
