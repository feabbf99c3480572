"""Benchmark (issue 6, in part): the figures at city scale against the bare SQL aggregate.

Seeds the city (3,754,000 households, ``--days`` of collections, 365 by default: about three
million rows) through the product's ``seed_demo`` into a temporary SQLite database, or reuses
``--instance`` if it holds one; or, with ``--database-url``, into that PostgreSQL database
(seeded when empty, reused when it holds data; ``--reseed`` drops its ``public`` schema and
seeds anew: the seed loads with ``COPY`` there). Then it times in one run, best of ``--repeat``:

- coverage by town and street (``metrics.coverage("township")``, what the coverage report and
  the dashboard use) against the bare ``GROUP BY`` over ``households`` ⋈ ``communities``;
- the coverage report's figures (``reports.service.coverage_figures``, a week);
- capacity for 365 days (``metrics.daily_capacity``) against the bare ``GROUP BY`` over
  ``collections`` (voided excluded);

and prints each time and the ratio product ÷ bare (targets: ≤ 1.5 and under 1 s). The bare
queries are plain SQL valid on both databases. Results go to bench/results/city_figures.json
(SQLite) or bench/results/city_figures_postgresql.json, with the seed time when this run seeded.

    .venv/bin/python bench/city_figures.py [--instance DIR] [--days 365] [--repeat 3]
    createdb -h 127.0.0.1 -U postgres city_bench
    .venv/bin/python bench/city_figures.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/city_bench [--reseed]
"""

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from wastesort import create_app  # noqa: E402
from wastesort.collections.tonnage import DailyTonnage  # noqa: E402
from wastesort.demo.seed import database_has_data, seed_demo  # noqa: E402
from wastesort.extensions import db  # noqa: E402
from wastesort.households.models import Household  # noqa: E402
from wastesort.metrics.capacity import daily_capacity  # noqa: E402
from wastesort.metrics.coverage import coverage  # noqa: E402
from wastesort.reports.models import ReportPeriod  # noqa: E402
from wastesort.reports.service import coverage_figures  # noqa: E402
from wastesort.timeutil import local_today  # noqa: E402

BARE_COVERAGE = """
SELECT c.township_id, COUNT(*), SUM(CASE WHEN h.sorting_since <= :as_of THEN 1 ELSE 0 END)
FROM households h JOIN communities c ON c.id = h.community_id GROUP BY c.township_id"""
BARE_CAPACITY = """
SELECT collected_on, category, SUM(weight_kg) FROM collections
WHERE collected_on BETWEEN :first AND :last AND NOT voided GROUP BY collected_on, category"""


def best(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="e.g. postgresql+psycopg://postgres@host/db "
                        "(default: SQLite in the instance folder)")
    parser.add_argument("--reseed", action="store_true",
                        help="with --database-url: drop the public schema and seed anew")
    args = parser.parse_args()
    os.environ.pop("WASTESORT_CONFIG", None)
    with tempfile.TemporaryDirectory(prefix="wastesort-city-") as tmp:
        instance = Path(args.instance or tmp)
        config = {"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"}
        if args.database_url:
            config["SQLALCHEMY_DATABASE_URI"] = args.database_url
        app = create_app(config)
        seed = None
        with app.app_context():
            dialect = db.engine.dialect.name
            if args.reseed and dialect == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            upgrade(directory=str(ROOT / "migrations"))
            if not database_has_data():
                summary = seed_demo(scale="city", days=args.days)
                seed = {name: round(s, 1) for name, s in summary.seconds.items()}
                print(f"seeded in {summary.seconds['total']:.0f} s ({dialect}): {seed}")
            households = db.session.scalar(select(func.count()).select_from(Household))
            span = db.session.execute(select(func.min(DailyTonnage.collected_on),
                                             func.max(DailyTonnage.collected_on))).one()
            today = local_today()
            first = today - dt.timedelta(days=364)
            monday = today - dt.timedelta(days=today.weekday() + 7)
            week = (monday, monday + dt.timedelta(days=6))  # the last complete week
            rows = {
                "coverage by town and street": (
                    best(args.repeat, lambda: coverage("township", today)),
                    best(args.repeat, lambda: db.session.execute(
                        text(BARE_COVERAGE), {"as_of": today}).all())),
                "coverage report figures (week)": (
                    best(args.repeat, lambda: coverage_figures(ReportPeriod.WEEK, *week, None)),
                    None),
                "capacity, 365 days": (
                    best(args.repeat, lambda: daily_capacity(first, today)),
                    best(args.repeat, lambda: db.session.execute(
                        text(BARE_CAPACITY), {"first": first, "last": today}).all())),
            }
    result = {"database": dialect, "households": households,
              "collection_days": span[0] and (span[1] - span[0]).days + 1, "seed_s": seed}
    for name, (product, bare) in rows.items():
        ratio = round(product / bare, 2) if bare else None
        result[name] = {"product_s": round(product, 3), "bare_sql_s": bare and round(bare, 3),
                        "ratio": ratio}
        print(f"{name:34} product {product:7.3f} s   bare SQL "
              f"{'-' if bare is None else f'{bare:7.3f} s'}   ratio {ratio}")
    suffix = "" if dialect == "sqlite" else f"_{dialect}"
    out = ROOT / "bench" / "results" / f"city_figures{suffix}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
