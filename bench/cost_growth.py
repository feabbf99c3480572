"""Benchmark: how the cost of the figures grows with history — 1, 3 and 10 years of
collections (10 years: about 30 million rows) — on SQLite and PostgreSQL, in one run.

For each database it seeds the city with a year of collections (``seed-demo --scale city
--days 365``, ending today) and measures; then grows the same database to 3 and to 10 years and
measures again. The years before the seeded one are copies of it, moved back by whole years
(``INSERT … SELECT`` of its collections, with their own idempotency keys, and of its daily
tonnage): the seed writes ~37,000 postings a second through Python on this machine (a decade:
an hour and a half on SQLite), the copy runs inside the database. Each measurement, in-process
(server time, no network):

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
    (PostgreSQL: the database growth is dropped and made anew)
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


def fresh_database(base_url: str | None, sqlite_dir: Path | None) -> dict:
    """The app configuration of a new, empty database."""
    config = {**BENCH_CONFIG}
    if base_url:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(base_url)
        admin = url.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False),
                             autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{url.database}"')
            connection.execute(f'CREATE DATABASE "{url.database}"')
        config["INSTANCE_PATH"] = str(Path("/tmp") / f"wastesort-growth-{url.database}")
    else:
        if sqlite_dir.exists():
            import shutil

            shutil.rmtree(sqlite_dir)
        sqlite_dir.mkdir(parents=True)
        config["INSTANCE_PATH"] = str(sqlite_dir)
    if base_url:
        config["SQLALCHEMY_DATABASE_URI"] = base_url
    return config


def copy_years_back(first: dt.date, last: dt.date, years: range) -> int:
    """Copy the seeded year (``first``..``last``) ``k`` × 365 days back for each k in
    ``years``: its collections (each with its own idempotency key) and its daily tonnage.
    Returns the collections added."""
    from sqlalchemy import text

    from wastesort.extensions import db

    postgres = db.engine.dialect.name == "postgresql"
    added = 0
    for k in years:
        shift = f"collected_on - {365 * k}" if postgres else \
            f"date(collected_on, '-{365 * k} days')"
        columns = ("recycling_point_id, category, weight_kg, posted_at, posted_by_id, voided")
        added += db.session.execute(text(
            f"INSERT INTO collections (collected_on, idempotency_key, {columns}) "
            f"SELECT {shift}, idempotency_key || '-y{k}', {columns} FROM collections "
            "WHERE collected_on BETWEEN :first AND :last"),
            {"first": first, "last": last}).rowcount
        db.session.execute(text(
            "INSERT INTO daily_tonnage (collected_on, township_id, category, weight_kg, "
            f"records) SELECT {shift}, township_id, category, weight_kg, records "
            "FROM daily_tonnage WHERE collected_on BETWEEN :first AND :last"),
            {"first": first, "last": last})
        db.session.commit()
    if postgres:
        from wastesort.demo.seed import vacuum_analyze

        vacuum_analyze()
    return added


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


def run(kind: str, base_url: str | None, sqlite_dir: Path | None, years: list[int],
        reuse: bool = False) -> dict:
    from flask_migrate import upgrade

    from wastesort import create_app
    from wastesort.demo.seed import seed_demo
    from wastesort.extensions import db
    from wastesort.timeutil import local_today

    results = {}
    kept = reuse and (base_url or (sqlite_dir / "wastesort.sqlite3").exists())
    config = {**BENCH_CONFIG, "INSTANCE_PATH": str(sqlite_dir or Path("/tmp") / "growth"),
              **({"SQLALCHEMY_DATABASE_URI": base_url} if base_url else {})} if kept \
        else fresh_database(base_url, sqlite_dir)
    app = create_app(config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if kept:  # the seeded year of an earlier run, grown no further (copies are committed
            # a year at a time: start again from a fresh database if one was interrupted)
            from sqlalchemy import func, select

            from wastesort.collections.models import Collection
            from wastesort.collections.tonnage import DailyTonnage

            low, high = db.session.execute(select(func.min(DailyTonnage.collected_on),
                                                  func.max(DailyTonnage.collected_on))).one()
            low, high = (d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
                         for d in (low, high))
            if (high - low).days > 365:
                raise SystemExit(f"{kind}: the kept database holds more than a year")
            last, first = high, high - dt.timedelta(days=364)
            collections = db.session.scalar(select(func.count()).select_from(Collection))
            seconds = 0.0
        else:
            summary = seed_demo(scale="city", days=365)
            last = local_today()
            first = last - dt.timedelta(days=364)
            collections, seconds = summary.collections, summary.seconds["total"]
        db.session.remove()
    print(f"{kind}: a year, {collections:,} collections (seeded in {seconds:.0f} s)",
          flush=True)
    have = 1
    for count in sorted(years):
        started = time.perf_counter()
        if count > have:
            with app.app_context():
                collections += copy_years_back(first, last, range(have, count))
                db.session.remove()
            have = count
        grown_s = round(time.perf_counter() - started)
        with app.app_context():  # the day's kept figures are made anew for each size
            db.session.execute(db.text("DELETE FROM daily_figures"))
            db.session.commit()
        row = {"years": count, "collections": collections, "grown_s": grown_s, **measure(app)}
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
    parser.add_argument("--reuse", action="store_true",
                        help="start from the seeded year an earlier run left (not grown)")
    args = parser.parse_args()
    if not args.sqlite_dir and not args.database_url:
        parser.error("give --sqlite-dir or --database-url (or both)")
    runs = []
    if args.sqlite_dir:
        runs.append(("sqlite", None, args.sqlite_dir))
    if args.database_url:
        runs.append(("postgresql", args.database_url, None))
    for kind, url, folder in runs:
        results = run(kind, url, folder, args.years, args.reuse)
        out = {"results": results, "targets": TARGETS, "verdicts": verdicts(results)}
        path = ROOT / "bench" / "results" / f"cost_growth_{kind}.json"
        path.write_text(json.dumps(out, indent=2) + "\n")
        print(json.dumps(out, indent=2))
        print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
