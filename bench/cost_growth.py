"""Benchmark: how the cost of the figures grows with history — 1, 3 and 10 years of
collections (10 years: about 30 million rows) — on SQLite and PostgreSQL, in one run.

For each database and each length of history it seeds the city (``seed-demo --scale city
--days N``, ending today) into a fresh database, then measures, in-process (server time, no
network):

- the manager's dashboard (``/dashboard/``), p95 of 30 after one first view (which makes the
  day's kept figures: the city's months, last month's ranking, the forecast; timed apart);
- the ranking of every town and street for last month with the month before
  (``metrics.rankings.rankings``, median of 7) and the ranking page (``/rankings/``, p95);
- "my street today" of the town or street with the most points (``/street/<id>``, p95);
- the monthly reports' figures: coverage, capacity (with the day's forecast) and ranking
  (median of 3 each);
- a posting (``POST /api/v1/collections``, median of 200, as a kiosk's own staff).

Targets (issue 17): the ranking under 200 ms, every page p95 under 150 ms and every report under
1 s at 10 years, and the 10-year figures no more than 1.5 × the 1-year ones. Results go to
bench/results/cost_growth_{sqlite,postgresql}.json and the table is printed.

    .venv/bin/python bench/cost_growth.py --sqlite-dir /tmp/growth
    .venv/bin/python bench/cost_growth.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/growth
    (PostgreSQL: the databases growth_1y, growth_3y, growth_10y are dropped and made anew)
"""

import argparse
import datetime as dt
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from city_pages import BENCH_CONFIG, ensure_users, kiosk_tokens, p95_ms, street_urls  # noqa: E402

TARGETS = {"ranking_ms": 200, "page_p95_ms": 150, "report_s": 1.0, "growth_10y_over_1y": 1.5}


def fresh_database(base_url: str | None, sqlite_dir: Path | None, years: int) -> dict:
    """The app configuration of a new, empty database for ``years`` of history."""
    config = {**BENCH_CONFIG}
    if base_url:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(base_url)
        name = f"{url.database}_{years}y"
        admin = url.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False),
                             autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        config["SQLALCHEMY_DATABASE_URI"] = url.set(database=name).render_as_string(
            hide_password=False)
        config["INSTANCE_PATH"] = str(Path("/tmp") / f"wastesort-growth-{name}")
    else:
        folder = sqlite_dir / f"{years}y"
        if folder.exists():
            import shutil

            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        config["INSTANCE_PATH"] = str(folder)
    return config


def timed(fn, repeat: int) -> float:
    """Median wall time of ``fn`` in ms."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def measure(app) -> dict:
    from wastesort.extensions import db
    from wastesort.metrics.forecast import make_forecast
    from wastesort.metrics.rankings import rankings
    from wastesort.reports.models import ReportPeriod
    from wastesort.reports.periods import period_bounds, previous_period
    from wastesort.reports.ranking import ranking_figures
    from wastesort.reports.service import capacity_figures, coverage_figures
    from wastesort.timeutil import local_today

    ensure_users(app)
    client = app.test_client()
    client.post("/login", data={"username": "bench-admin", "password": "bench-password"})
    found = {}
    started = time.perf_counter()
    assert client.get("/dashboard/").status_code == 200
    found["dashboard_first_view_ms"] = round((time.perf_counter() - started) * 1000)
    found["dashboard_p95_ms"] = p95_ms(client, "/dashboard/")
    found["rankings_page_p95_ms"] = p95_ms(client, "/rankings/")
    found["street_today_p95_ms"] = p95_ms(client, street_urls(app)[0])
    with app.app_context():
        today = local_today()
        first, last = period_bounds(ReportPeriod.MONTH, today.replace(day=1) - dt.timedelta(1))
        previous = previous_period(ReportPeriod.MONTH, first)
        found["ranking_ms"] = timed(lambda: rankings("township", first, last, previous), 7)
        found["forecast_s"] = round(timed(lambda: make_forecast(today), 1) / 1000, 2)
        for name, make in (
                ("coverage", lambda: coverage_figures(ReportPeriod.MONTH, first, last, None)),
                ("capacity", lambda: capacity_figures(ReportPeriod.MONTH, first, last, None)),
                ("ranking", lambda: ranking_figures(ReportPeriod.MONTH, first, last, previous,
                                                    (None, None)))):
            found[f"report_{name}_month_s"] = round(timed(make, 3) / 1000, 3)
            db.session.rollback()
    (token, point_id), = kiosk_tokens(app, 1)
    record = {"recycling_point_id": point_id, "collected_on": str(today), "category": "kitchen",
              "weight_kg": 12}
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    for n in range(220):
        started = time.perf_counter()
        response = client.post("/api/v1/collections", json=record,
                               headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        if n >= 20:
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.get_data(as_text=True)
    found["posting_ms"] = round(statistics.median(times), 2)
    return found


def run(kind: str, base_url: str | None, sqlite_dir: Path | None, years: list[int]) -> dict:
    from flask_migrate import upgrade

    from wastesort import create_app
    from wastesort.demo.seed import seed_demo
    from wastesort.extensions import db

    results = {}
    for count in years:
        config = fresh_database(base_url, sqlite_dir, count)
        app = create_app(config)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            days = min(365 * count, 3660)
            summary = seed_demo(scale="city", days=days)
            db.session.remove()
        print(f"{kind}: seeded {count} year(s), {summary.collections:,} collections, in "
              f"{summary.seconds['total']:.0f} s", flush=True)
        row = {"days": days, "collections": summary.collections,
               "seed_s": round(summary.seconds["total"]), **measure(app)}
        print(f"{kind} {count}y: {row}", flush=True)
        results[f"{count}y"] = row
        with app.app_context():
            db.engine.dispose()
    return results


def verdicts(results: dict) -> dict:
    longest, shortest = results[max(results, key=lambda k: int(k[:-1]))], \
        results[min(results, key=lambda k: int(k[:-1]))]
    pages = ("dashboard_p95_ms", "rankings_page_p95_ms", "street_today_p95_ms")
    reports = [k for k in longest if k.startswith("report_")]
    growth = {k: round(longest[k] / shortest[k], 2) for k in
              (*pages, "ranking_ms", *reports, "posting_ms") if shortest[k]}
    return {"ranking_under_200_ms": longest["ranking_ms"] < TARGETS["ranking_ms"],
            "pages_under_150_ms": all(longest[k] < TARGETS["page_p95_ms"] for k in pages),
            "reports_under_1_s": all(longest[k] < TARGETS["report_s"] for k in reports),
            "growth": growth,
            "growth_at_most_1_5": all(v <= TARGETS["growth_10y_over_1y"]
                                      for v in growth.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-dir", type=Path)
    parser.add_argument("--database-url")
    parser.add_argument("--years", type=int, nargs="+", default=[1, 3, 10])
    args = parser.parse_args()
    if not args.sqlite_dir and not args.database_url:
        parser.error("give --sqlite-dir or --database-url (or both)")
    runs = []
    if args.sqlite_dir:
        runs.append(("sqlite", None, args.sqlite_dir))
    if args.database_url:
        runs.append(("postgresql", args.database_url, None))
    for kind, url, folder in runs:
        results = run(kind, url, folder, args.years)
        out = {"results": results, "targets": TARGETS, "verdicts": verdicts(results)}
        path = ROOT / "bench" / "results" / f"cost_growth_{kind}.json"
        path.write_text(json.dumps(out, indent=2) + "\n")
        print(json.dumps(out, indent=2))
        print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
