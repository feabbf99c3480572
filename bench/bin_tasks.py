"""Benchmark: bin tasks at city scale: the demo's 90 days of them loaded, and the figures and
lists that read them.

Works on a seeded city (a copy: it is migrated and given bin tasks): ``--instance DIR`` (the
SQLite city in its instance folder) or ``--database-url`` (PostgreSQL). Migrates it to the
code's revision and, when it holds no bin tasks, adds them with the demo's ``seed_bin_tasks``
(timed). Then it times, each the best and the median of ``--repeat`` runs after one untimed
warm-up:

- a daily report's section (``metrics.bintasks.report_section`` for yesterday, the city);
- a month's section (the counts and the median over a month);
- the districts' open and overdue counts now (the overdue page's table);
- the first page of the city's overdue list with its count (the overdue page);
- one street's block on "my street today" (the street with the most open tasks);
- one street's open tasks, first page with its count (the street administrator's list).

Results go to bench/results/bin_tasks.json (SQLite) or bin_tasks_postgresql.json.

    cp -r /srv/city365 /tmp/city_h
    .venv/bin/python bench/bin_tasks.py --instance /tmp/city_h
    createdb -h 127.0.0.1 -U postgres -T city_bench city_h
    .venv/bin/python bench/bin_tasks.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/city_h
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
from sqlalchemy import func, select  # noqa: E402

from wastesort import create_app  # noqa: E402
from wastesort.accounts.models import Role, User  # noqa: E402
from wastesort.api.core import paginate  # noqa: E402
from wastesort.bintasks import service  # noqa: E402
from wastesort.bintasks.models import ACTIVE, BinProblemReport, BinTask  # noqa: E402
from wastesort.demo.bintasks import seed_bin_tasks  # noqa: E402
from wastesort.demo.seed import vacuum_analyze  # noqa: E402
from wastesort.extensions import db  # noqa: E402
from wastesort.metrics import bintasks as figures  # noqa: E402
from wastesort.timeutil import local_today, utcnow  # noqa: E402

PAGE = {"page": 1, "page_size": 50}


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
        upgrade(directory=str(ROOT / "migrations"))
        today = local_today()
        if not db.session.scalar(select(func.count()).select_from(BinTask)):
            started = time.perf_counter()
            count = seed_bin_tasks(today)
            db.session.commit()
            seeded = {"bin_tasks": count, "seconds": round(time.perf_counter() - started, 1)}
            if dialect == "postgresql":
                vacuum_analyze()
            print(f"seeded {count:,} bin tasks in {seeded['seconds']} s ({dialect})")
        tasks = db.session.scalar(select(func.count()).select_from(BinTask))
        reports = db.session.scalar(select(func.count()).select_from(BinProblemReport))
        now = utcnow()
        busiest = db.session.execute(
            select(BinTask.township_id, func.count()).where(BinTask.status.in_(ACTIVE))
            .group_by(BinTask.township_id).order_by(func.count().desc()).limit(1)).first()[0]
        street = db.session.scalar(select(User).where(User.role == Role.STREET_ADMIN,
                                                      User.township_id == busiest))
        manager = User(username="bench-manager", role=Role.MANAGER)  # never stored
        yesterday = today - dt.timedelta(days=1)
        month_end = today.replace(day=1) - dt.timedelta(days=1)
        rows = {
            "a day's report section (city)": lambda: figures.report_section(yesterday,
                                                                            yesterday),
            "a month's report section (city)": lambda: figures.report_section(
                month_end.replace(day=1), month_end),
            "open and overdue by district, now": lambda: figures.by_district(now),
            "the city's overdue list, first page and count": lambda: paginate(
                service.with_places(service.tasks_query(manager, overdue=True, now=now)), PAGE),
            "a street's block on my street today": lambda: figures.street_tasks(busiest, now),
            "a street's open tasks, first page and count": lambda: paginate(
                service.with_places(service.tasks_query(street, active=True, now=now)), PAGE),
        }
        timings = {name: timed(args.repeat, fn) for name, fn in rows.items()}
        city = figures.report_section(yesterday, yesterday)
    result = {"database": dialect, "bin_tasks": tasks, "reports": reports, "seeded": seeded,
              "yesterday": {k: city[k] for k in ("open", "overdue", "opened", "resolved",
                                                  "resolved_on_time", "rejected",
                                                  "median_hours_to_resolve")}}
    print(f"{tasks:,} tasks, {reports:,} reports; yesterday: {result['yesterday']}")
    for name, (best, median) in timings.items():
        result[name] = {"best_s": round(best, 4), "median_s": round(median, 4)}
        print(f"{name:48} best {best * 1000:7.1f} ms  median {median * 1000:7.1f} ms")
    suffix = "" if dialect == "sqlite" else f"_{dialect}"
    out = ROOT / "bench" / "results" / f"bin_tasks{suffix}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
