"""Benchmark (issue 6, in part): pages, posting, import and memory at city scale.

Against a city-scale SQLite instance (``--instance DIR``; seeded with 3,754,000 households and
a year of collections when empty), in one run:

- p95 server time (in-process WSGI, no network) of the dashboard, the household list and the
  collections page, as an admin (target < 150 ms);
- p95 of "my street today" of the town or street with the most recycling points (target
  < 50 ms; ``--only street`` times just that page, as an admin and as the street's own
  administrator);
- p95 of the collections page filtered, with its totals (target < 50 ms; ``--only
  collections`` times just these), as an admin and as a street's own administrator: totals
  from the daily tonnage (a month of one category, a street's year) and from the collections
  (a point's postings with the void ones, a poster's, a street's month with the void ones);
- ``POST /api/v1/collections`` and the batch endpoint at city scale against a nearly empty
  database, in-process (target: no more than 20% slower);
- peak RSS of a process making the coverage and capacity report figures, and of one exporting
  every household to CSV (target < 300 MB each).

    .venv/bin/python bench/city_pages.py --instance /tmp/city

With ``--database-url postgresql+psycopg://USER@HOST/DB`` the same measurements run against an
already seeded PostgreSQL city (migrated to head here; the bench adds a user, tokens and
postings, so point it at a copy: ``createdb -T city_bench city_pages_pg``). The nearly empty
comparison then uses a database ``<DB>_nearly_empty`` on the same server, created and dropped
by the script. Results go to ``bench/results/city_pages_postgresql.json``.

    .venv/bin/python bench/city_pages.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/city_pages_pg
"""

import argparse
import contextlib
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Posting: city and nearly empty in alternating rounds, each round a kiosk's 300 single postings
# and BATCHES batches of 1,000; the rates compared are the rounds' medians (PostgreSQL's
# checkpoints and autovacuum swing a single round by +-20%).
ROUNDS, BATCHES = 5, 10
BENCH_CONFIG = {"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "API_WRITES_PER_TOKEN": "1000000 per second"}  # measure posting, not the limit


def app_config(instance: Path, database_url: str | None) -> dict:
    config = {"INSTANCE_PATH": str(instance)}
    if database_url:
        config["SQLALCHEMY_DATABASE_URI"] = database_url
    return config


def app_for(instance: Path, database_url: str | None = None):
    from flask_migrate import upgrade

    from wastesort import create_app

    app = create_app({**app_config(instance, database_url), **BENCH_CONFIG})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def ensure_users(app):
    """The bench's administrator (for the pages), made once."""
    from sqlalchemy import select

    from wastesort.accounts.models import Role, User
    from wastesort.extensions import db

    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "bench-admin")) is None:
            admin = User(username="bench-admin", role=Role.ADMIN)
            admin.set_password("bench-password")
            db.session.add(admin)
            db.session.commit()


def kiosk_tokens(app, n: int) -> list[tuple[str, int]]:
    """[(token, point id)] of ``n`` points picked at random, each posting as its own staff
    (the seed's ``staff-<point id>``, who posted the point's year of collections): the kiosk
    syncing after being offline. A kiosk's keys are its own (unique per poster), so each round
    writes into one kiosk's part of the key index, holding its year, as in the city; a rerun
    on a kept database picks other kiosks rather than piling rounds onto one."""
    import random

    from sqlalchemy import select

    from wastesort.accounts.models import Role, User
    from wastesort.accounts.tokens import issue_token
    from wastesort.extensions import db

    with app.app_context():
        staff = db.session.scalars(select(User).where(User.role == Role.POINT_STAFF,
                                                      User.username.like("staff-%"))).all()
        if len(staff) < n:
            raise SystemExit("no kiosk staff (staff-<point id>) in this database: it was seeded "
                             "before the seed made them; seed it again (--reset)")
        picked = random.sample(staff, n)
        tokens = [(issue_token(user, "bench")[1], user.recycling_point_id) for user in picked]
        db.session.commit()
        return tokens


def p95_ms(client, url: str, n: int = 30) -> float:
    client.get(url)  # warm
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return round(times[int(0.95 * (n - 1))], 1)


def pages(app) -> dict:
    client = app.test_client()
    response = client.post("/login", data={"username": "bench-admin",
                                           "password": "bench-password"})
    assert response.status_code in (302, 303), response.status_code
    return {url: p95_ms(client, url) for url in ("/dashboard/", "/households/",
                                                 "/collections/", *search_urls(app),
                                                 *street_urls(app))}


def street_urls(app) -> list[str]:
    """"My street today" of the town or street with the most active recycling points (the
    longest list of points and their postings)."""
    from sqlalchemy import func, select

    from wastesort.extensions import db
    from wastesort.points.models import RecyclingPoint

    with app.app_context():
        township_id = db.session.scalar(
            select(RecyclingPoint.township_id).where(RecyclingPoint.active)
            .group_by(RecyclingPoint.township_id)
            .order_by(func.count().desc(), RecyclingPoint.township_id).limit(1))
    return [f"/street/{township_id}"]


def street_page(app, n: int = 100) -> dict:
    """Only "my street today" (``--only street``): as the bench's administrator, and as the
    street's own administrator at ``/street/`` (their landing page), with the city dashboard
    timed in the same rounds (one request of each in turn), so that a machine busy with other
    work weighs on all three alike and the dashboard's known figure calibrates the run. The
    process's own CPU time per request is kept too: on a machine shared with other work it
    moves less than the wall clock (on SQLite it includes the queries; on PostgreSQL only
    this side of them)."""
    from sqlalchemy import select

    from wastesort.accounts.models import Role, User
    from wastesort.extensions import db

    (url,) = street_urls(app)
    township_id = int(url.rsplit("/", 1)[1])
    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "bench-street")) is None:
            street = User(username="bench-street", role=Role.STREET_ADMIN,
                          township_id=township_id)
            street.set_password("bench-password")
            db.session.add(street)
            db.session.commit()
    clients = {}
    for username in ("bench-admin", "bench-street"):
        clients[username] = app.test_client()
        response = clients[username].post("/login", data={"username": username,
                                                          "password": "bench-password"})
        assert response.status_code in (302, 303), response.status_code
    pages = [("bench-admin", url), ("bench-street", "/street/"), ("bench-admin", "/dashboard/")]
    times: dict[str, list[float]] = {f"{page} ({user})": [] for user, page in pages}
    cpu: dict[str, list[float]] = {name: [] for name in times}
    for round_ in range(n + 1):
        for user, page in pages:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = clients[user].get(page)
            elapsed = (time.perf_counter() - started) * 1000
            elapsed_cpu = (time.process_time() - started_cpu) * 1000
            assert response.status_code == 200, (page, response.status_code)
            if round_:  # the first round warms
                times[f"{page} ({user})"].append(elapsed)
                cpu[f"{page} ({user})"].append(elapsed_cpu)

    def p95(values: list[float]) -> float:
        return round(sorted(values)[int(0.95 * (n - 1))], 1)

    return {name: {"p95_ms": p95(ts), "median_ms": round(statistics.median(ts), 1),
                   "cpu_p95_ms": p95(cpu[name])} for name, ts in times.items()}


def collection_pages(app) -> dict:
    """The filtered collections page with its totals, 100 requests each: as the bench's
    administrator and as the administrator of the town or street with the most recycling
    points ("bench-collections-street"); totals from the daily tonnage (no point or poster,
    void records left out) and from the collections (a point's with void records, a poster's,
    the street's last 30 days with void records). Without ``from`` the page lists 30 days."""
    import datetime as dt

    from sqlalchemy import func, select

    from wastesort.accounts.models import Role, User
    from wastesort.extensions import db
    from wastesort.points.models import RecyclingPoint
    from wastesort.timeutil import local_today

    with app.app_context():
        today = local_today()
        township_id = db.session.scalar(
            select(RecyclingPoint.township_id).where(RecyclingPoint.active)
            .group_by(RecyclingPoint.township_id)
            .order_by(func.count().desc(), RecyclingPoint.township_id).limit(1))
        point_id = db.session.scalar(select(func.min(RecyclingPoint.id))
                                     .where(RecyclingPoint.township_id == township_id))
        poster = db.session.scalar(select(User.username).where(
            User.role == Role.POINT_STAFF, User.recycling_point_id == point_id).limit(1))
        if db.session.scalar(select(User).where(
                User.username == "bench-collections-street")) is None:
            street = User(username="bench-collections-street", role=Role.STREET_ADMIN,
                          township_id=township_id)
            street.set_password("bench-password")
            db.session.add(street)
            db.session.commit()
    month = f"from={today - dt.timedelta(days=29)}&to={today}"
    urls = {
        "bench-admin": [f"/collections/?{month}&category=kitchen",
                        f"/collections/?recycling_point_id={point_id}&voided=all",
                        f"/collections/?poster={poster}&category=residual"],
        "bench-collections-street": [
            f"/collections/?{month}&category=kitchen",
            f"/collections/?from={today - dt.timedelta(days=364)}&to={today}",
            f"/collections/?recycling_point_id={point_id}&voided=all",
            f"/collections/?poster={poster}",
            f"/collections/?{month}&voided=all"],
    }
    timings = {}
    for username, pages_of_user in urls.items():
        client = app.test_client()
        response = client.post("/login", data={"username": username,
                                               "password": "bench-password"})
        assert response.status_code in (302, 303), response.status_code
        for url in pages_of_user:
            timings[f"{url} ({username})"] = p95_ms(client, url, n=100)
    return timings


def search_urls(app) -> list[str]:
    """The household code search: a whole code (where saving a household lands), the first
    9 characters of one (its district and town or street: tens of thousands of matches) and
    a code that matches nothing."""
    from sqlalchemy import func, select

    from wastesort.extensions import db
    from wastesort.households.models import Household

    with app.app_context():
        middle = db.session.scalar(select(func.max(Household.id))) // 2
        code = db.session.scalar(select(Household.code).where(Household.id >= middle)
                                 .order_by(Household.id).limit(1))
    return [f"/households/?q={code}", f"/households/?q={code[:9]}", "/households/?q=X0"]


def posting_rate(app, token: str, point_id: int) -> dict:
    from wastesort.timeutil import local_today

    with app.app_context():
        day = str(local_today())
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    record = {"recycling_point_id": point_id, "collected_on": day, "category": "kitchen",
              "weight_kg": 12}
    for _ in range(20):
        client.post("/api/v1/collections", json=record,
                    headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    started = time.perf_counter()
    for _ in range(300):
        response = client.post("/api/v1/collections", json=record,
                               headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        assert response.status_code == 201, response.get_data(as_text=True)
    single = 300 / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(BATCHES):
        records = [{**record, "idempotency_key": uuid.uuid4().hex} for _ in range(1000)]
        response = client.post("/api/v1/collections/batch", json={"records": records},
                               headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    batch = BATCHES * 1000 / (time.perf_counter() - started)
    return {"single_per_s": round(single, 1), "batch_rows_per_s": round(batch)}


@contextlib.contextmanager
def nearly_empty_app(tmp: Path, database_url: str | None = None):
    """The app of a nearly empty database: the demo registry, no households, no collections.
    On PostgreSQL (``database_url``) a database ``<name>_nearly_empty`` on the same server,
    made and dropped here."""
    if database_url:
        with scratch_database(database_url, "_nearly_empty") as url:
            yield _empty_app(tmp, url)
    else:
        yield _empty_app(tmp, None)


@contextlib.contextmanager
def scratch_database(database_url: str, suffix: str, copy: bool = False):
    """Create a PostgreSQL database next to ``database_url``'s, empty or (``copy``) a copy of
    it; yields its URL and drops it afterwards."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(database_url)
    name = f"{url.database}{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            template = f' TEMPLATE "{url.database}"' if copy else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_app(tmp: Path, database_url: str | None):
    from wastesort.demo.seed import seed_demo

    app = app_for(tmp / "empty", database_url)
    with app.app_context():
        seed_demo(scale="sample", days=0)
        from sqlalchemy import text

        from wastesort.extensions import db
        db.session.execute(text("DELETE FROM household_tallies"))
        db.session.execute(text("DELETE FROM households"))
        db.session.commit()
    return app


def _median_rates(rates: list[dict]) -> dict:
    return {key: round(statistics.median(r[key] for r in rates), 1) for key in rates[0]}


def peak_rss_mb(task: str, instance: Path, database_url: str | None = None) -> float:
    """Run one task in a fresh process and read its peak resident set (``VmHWM`` of the new
    process: its ``ru_maxrss`` would start at this process's peak)."""
    code = f"""
import sys, datetime as dt
sys.path.insert(0, {str(ROOT)!r})
from wastesort import create_app
app = create_app({{**{app_config(instance, database_url)!r}, "SECRET_KEY": "bench"}})
with app.app_context():
    from wastesort.timeutil import local_today
    today = local_today()
    if {task!r} == "reports":
        from wastesort.reports.models import ReportPeriod
        from wastesort.reports.service import capacity_figures, coverage_figures
        monday = today - dt.timedelta(days=today.weekday() + 7)
        coverage_figures(ReportPeriod.WEEK, monday, monday + dt.timedelta(days=6), None)
        first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        capacity_figures(ReportPeriod.MONTH, first, today.replace(day=1) - dt.timedelta(days=1))
    else:
        from sqlalchemy import select
        from wastesort.accounts.models import User
        from wastesort.extensions import db
        from wastesort.households.export import csv_stream, export_rows
        admin = db.session.scalar(select(User).where(User.username == "bench-admin"))
        with open("/dev/null", "w") as sink:
            for piece in csv_stream(export_rows(admin)):
                sink.write(piece)
# VmHWM, not ru_maxrss: Linux carries the parent's peak over fork and exec into ru_maxrss
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "MPLCONFIGDIR": tempfile.gettempdir()})
    return round(int(out.stdout.strip().splitlines()[-1]) / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", help="the SQLite instance folder (seeded when empty); "
                        "with --database-url only the instance folder (default: a temporary one)")
    parser.add_argument("--database-url", help="an already seeded PostgreSQL city, e.g. "
                        "postgresql+psycopg://postgres@127.0.0.1:5432/city_pages_pg (a copy: the "
                        "bench writes to it)")
    parser.add_argument("--only", choices=["pages", "memory", "street", "collections"],
                        help="run only this part (memory: pages and peak RSS; street: only "
                             "\"my street today\", 100 requests each as an administrator and "
                             "as the street's own, the dashboard in the same rounds) and print "
                             "it (bench/results is left alone)")
    args = parser.parse_args()
    if not args.instance and not args.database_url:
        parser.error("give --instance (SQLite) or --database-url (PostgreSQL)")
    with tempfile.TemporaryDirectory(prefix="wastesort-pages-instance-") as scratch:
        run(args, Path(args.instance or scratch), args.database_url)


def run(args, instance: Path, database_url: str | None) -> None:
    app = app_for(instance, database_url)
    with app.app_context():
        from wastesort.demo.seed import database_has_data, seed_demo
        from wastesort.extensions import db
        dialect = db.engine.dialect.name
        if not database_has_data():
            if database_url:
                raise SystemExit(f"{database_url}: no data; seed a city first "
                                 "(wastesort demo seed --scale city)")
            seed_demo(scale="city", days=365)
    ensure_users(app)
    if args.only == "collections":
        print(json.dumps({"collections_filtered_p95_ms": collection_pages(app)}, indent=2))
        return
    if args.only == "street":
        print(json.dumps({"street_page": street_page(app)}, indent=2))
        return
    result = {"pages_p95_ms": pages(app), "collections_filtered_p95_ms": collection_pages(app)}
    if args.only == "pages":
        print(json.dumps(result, indent=2))
        return
    if args.only == "memory":
        result["peak_rss_mb"] = memory(instance, database_url)
        print(json.dumps(result, indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="wastesort-pages-") as tmp:
        # City and nearly empty in alternating rounds: a machine that slows down mid-run slows
        # both alike (run one after the other, noise alone gave 0.7-1.4x on PostgreSQL).
        with nearly_empty_app(Path(tmp), database_url) as empty_app:
            # As wsgi.py does in production: the objects built so far (two apps, the page
            # rounds' leftovers) leave the garbage collector's sight. Without it a full
            # collection (~80 ms) fell inside some rounds and not others, halving their rate.
            gc.collect()
            gc.freeze()
            rounds = [(posting_rate(app, *city_kiosk), posting_rate(empty_app, *empty_kiosk))
                      for city_kiosk, empty_kiosk in zip(kiosk_tokens(app, ROUNDS),
                                                         kiosk_tokens(empty_app, ROUNDS),
                                                         strict=True)]
            with empty_app.app_context():
                from wastesort.extensions import db
                db.engine.dispose()
        city = _median_rates([c for c, _ in rounds])
        empty = _median_rates([e for _, e in rounds])
        result["posting"] = {"city": city, "nearly_empty": empty,
                             "single_slowdown": round(empty["single_per_s"]
                                                      / city["single_per_s"], 2),
                             "batch_slowdown": round(empty["batch_rows_per_s"]
                                                     / city["batch_rows_per_s"], 2),
                             "rounds": [{"city": c, "nearly_empty": e} for c, e in rounds]}
    result["peak_rss_mb"] = memory(instance, database_url)
    print(json.dumps(result, indent=2))
    name = "city_pages.json" if dialect == "sqlite" else f"city_pages_{dialect}.json"
    out = ROOT / "bench" / "results" / name
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")
    print(f"(this process peaked at "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


def memory(instance: Path, database_url: str | None) -> dict:
    return {"report_figures": peak_rss_mb("reports", instance, database_url),
            "export_all_households_csv": peak_rss_mb("export", instance, database_url)}


if __name__ == "__main__":
    main()
