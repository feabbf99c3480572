"""Benchmark (issue 6): household import of 100,000 CSV rows against a raw bulk load.

Through the product's own code (``households/importing.py``: read the CSV, check every row into
the preview's plan, then store it with the monthly tallies in one transaction) against a raw
load of the same rows: ``sqlite3.executemany`` on SQLite, ``COPY … FROM STDIN`` (psycopg's
``write_row``) on PostgreSQL, each in one transaction, on a bare connection. Two raw loads:

- into the **same table** of the same database (``households``, with every row and index it
  holds; the raw rows are deleted again afterwards, outside the timing), and
- into an **identical empty table** (same columns and indexes; a fresh SQLite file with the
  same DDL and pragmas, or ``CREATE TABLE … (LIKE households INCLUDING ALL)``), as the first
  version of this figure did.

Inserting into a table of millions of rows costs more than into an empty one (its indexes are
large), whatever does the inserting; the same-table load isolates what the import adds.
Target: the import at no less than half the raw rate.

    .venv/bin/python bench/household_import.py                   # fresh SQLite, demo geography
    .venv/bin/python bench/household_import.py --instance DIR    # e.g. a city-scale instance
    .venv/bin/python bench/household_import.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/import_bench

Each round runs the import and then both raw loads of its rows (``--rounds``, default 5; each
round adds 100,000 households to the database). A ratio is the median over the rounds of the
import rate ÷ the raw rate, each measured back to back, as these shared machines are noisy.
Results go to ``bench/results/household_import_{sqlite,postgresql}.json``.
"""

import argparse
import datetime as dt
import json
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS = 100_000
COLUMNS = ("community_id", "code", "building", "unit", "room", "members", "sorting_since")
BENCH_CONFIG = {"SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def make_app(instance: Path, database_url: str | None):
    from flask_migrate import upgrade

    from wastesort import create_app

    config = {"INSTANCE_PATH": str(instance), **BENCH_CONFIG}
    if database_url:
        config["SQLALCHEMY_DATABASE_URI"] = database_url
    app = create_app(config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        from wastesort.demo.seed import database_has_data, seed_demo
        if not database_has_data():
            seed_demo(scale="sample", days=0)  # the demo geography (and 37,540 households)
    return app


def target(app) -> tuple[int, int, list[tuple[int, str]]]:
    """(admin user id, township id, [(community id, name)]) for the import."""
    from sqlalchemy import func, select

    from wastesort.accounts.models import Role, User
    from wastesort.areas.models import Community
    from wastesort.extensions import db

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "bench-import"))
        if admin is None:
            admin = User(username="bench-import", role=Role.ADMIN)
            admin.set_password("bench-password")
            db.session.add(admin)
            db.session.commit()
        township_id = db.session.scalar(
            select(Community.township_id).group_by(Community.township_id)
            .order_by(func.count().desc(), Community.township_id).limit(1))
        communities = db.session.execute(
            select(Community.id, Community.name).where(Community.township_id == township_id)
            .order_by(Community.id)).all()
        return admin.id, township_id, [tuple(c) for c in communities]


def make_rows(communities: list[tuple[int, str]]) -> tuple[bytes, list[tuple], str]:
    """100,000 new households as CSV bytes (codes of the demo's 17 digits, the default
    HOUSEHOLD_CODE_PATTERN), and the raw tuples of the same rows (their codes begin with an
    extra R, so they can go into the same table): spread over the township's communities,
    sorting start dates over two years (1 in 20 blank). Returns the raw rows' code prefix
    too."""
    prefix = f"{uuid.uuid4().int % 10**10:010d}"
    first = dt.date(2023, 1, 1)
    lines = ["code,community,building,unit,room,members,sorting_since"]
    rows = []
    for n in range(ROWS):
        community_id, name = communities[n % len(communities)]
        since = None if n % 20 == 7 else (first + dt.timedelta(days=n * 7 % 730)).isoformat()
        code = f"{prefix}{n:07d}"
        row = (community_id, "R" + code, str(1 + n // 96 % 40), str(1 + n // 24 % 4),
               f"{1 + n // 4 % 6:02d}{1 + n % 4:02d}", 1 + n % 5, since)
        rows.append(row)
        lines.append(",".join((code, name, row[2], row[3], row[4], str(row[5]),
                               since or "")))
    return ("\n".join(lines) + "\n").encode(), rows, "R" + prefix


def product_import(app, admin_id: int, township_id: int, data: bytes) -> dict:
    from wastesort.accounts.models import User
    from wastesort.extensions import db
    from wastesort.households.importing import apply_import, plan_import
    from wastesort.households.sheet import read_rows

    with app.app_context():
        admin = db.session.get(User, admin_id)
        started = time.perf_counter()
        plan = plan_import(admin, township_id, read_rows("bench.csv", data))
        checked = time.perf_counter()
        assert not plan.errors, plan.errors[:3]
        created, updated = apply_import(admin, plan)
        done = time.perf_counter()
        del plan
        db.session.remove()
    assert (created, updated) == (ROWS, 0), (created, updated)
    return {"check_s": checked - started, "store_s": done - checked, "total_s": done - started}


INSERT = (f"INSERT INTO households ({', '.join(COLUMNS)}) "
          f"VALUES ({', '.join('?' * len(COLUMNS))})")
COPY = f"COPY households ({', '.join(COLUMNS)}) FROM STDIN"


def _sqlite_connect(path) -> sqlite3.Connection:
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    raw.execute("PRAGMA busy_timeout=30000")
    return raw


def raw_sqlite_same(database: Path, rows: list[tuple], prefix: str) -> float:
    raw = _sqlite_connect(database)
    started = time.perf_counter()
    raw.executemany(INSERT, rows)
    raw.commit()
    seconds = time.perf_counter() - started
    raw.execute("DELETE FROM households WHERE code >= ? AND code < ?", (prefix, prefix + "~"))
    raw.commit()
    raw.close()
    return seconds


def raw_sqlite_empty(database: Path, rows: list[tuple], tmp: Path) -> float:
    source = sqlite3.connect(database)
    ddl = [sql for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'households' AND sql IS NOT NULL "
        "AND type IN ('table', 'index')")]
    source.close()
    path = tmp / f"raw-{uuid.uuid4().hex}.sqlite3"
    raw = _sqlite_connect(path)
    for statement in ddl:
        raw.execute(statement)  # foreign keys stay off: no parent table needed
    raw.commit()
    started = time.perf_counter()
    raw.executemany(INSERT, rows)
    raw.commit()
    seconds = time.perf_counter() - started
    raw.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return seconds


def _copy(conn, sql: str, rows: list[tuple]) -> float:
    started = time.perf_counter()
    with conn.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
    conn.commit()
    return time.perf_counter() - started


def raw_postgresql_same(database_url: str, rows: list[tuple], prefix: str) -> float:
    import psycopg

    with psycopg.connect(database_url.replace("+psycopg", "", 1)) as conn:
        seconds = _copy(conn, COPY, rows)
        conn.execute("DELETE FROM households WHERE code >= %s AND code < %s",
                     (prefix, prefix + "~"))
        conn.commit()
    return seconds


def raw_postgresql_empty(database_url: str, rows: list[tuple]) -> float:
    import psycopg

    with psycopg.connect(database_url.replace("+psycopg", "", 1)) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw_households")
        conn.execute("CREATE TABLE bench_raw_households (LIKE households INCLUDING ALL)")
        conn.commit()
        seconds = _copy(conn, COPY.replace("households", "bench_raw_households", 1), rows)
        conn.execute("DROP TABLE bench_raw_households")
        conn.commit()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", help="instance folder (SQLite); default: a fresh one")
    parser.add_argument("--database-url", help="e.g. postgresql+psycopg://postgres@host/db")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("WASTESORT_CONFIG", None)
    with tempfile.TemporaryDirectory(prefix="wastesort-import-") as tmp_name:
        tmp = Path(tmp_name)
        instance = Path(args.instance) if args.instance else tmp / "instance"
        app = make_app(instance, args.database_url)
        with app.app_context():
            from sqlalchemy import func, select

            from wastesort.extensions import db
            from wastesort.households.models import Household
            dialect = db.engine.dialect.name
            database = Path(db.engine.url.database or "")
            before = db.session.scalar(select(func.count()).select_from(Household))
            db.session.remove()
        admin_id, township_id, communities = target(app)
        rounds = []
        for _ in range(args.rounds):
            data, rows, prefix = make_rows(communities)
            product = product_import(app, admin_id, township_id, data)
            if dialect == "postgresql":
                same_s = raw_postgresql_same(args.database_url, rows, prefix)
                empty_s = raw_postgresql_empty(args.database_url, rows)
            else:
                same_s = raw_sqlite_same(database, rows, prefix)
                empty_s = raw_sqlite_empty(database, rows, tmp)
            del data, rows
            rounds.append({"import_rows_per_s": round(ROWS / product["total_s"]),
                           "check_s": round(product["check_s"], 2),
                           "store_s": round(product["store_s"], 2),
                           "raw_same_table_rows_per_s": round(ROWS / same_s),
                           "raw_empty_table_rows_per_s": round(ROWS / empty_s),
                           "ratio_same_table": round(same_s / product["total_s"], 2),
                           "ratio_empty_table": round(empty_s / product["total_s"], 2)})
    raw_name = "COPY" if dialect == "postgresql" else "executemany"
    result = {
        "database": dialect,
        "households_before": before,
        "rows": ROWS,
        "raw": raw_name,
        "rounds": rounds,
        "import_rows_per_s": statistics.median(r["import_rows_per_s"] for r in rounds),
        "raw_same_table_rows_per_s": statistics.median(r["raw_same_table_rows_per_s"]
                                                       for r in rounds),
        "raw_empty_table_rows_per_s": statistics.median(r["raw_empty_table_rows_per_s"]
                                                        for r in rounds),
        "ratio_same_table": statistics.median(r["ratio_same_table"] for r in rounds),
        "ratio_empty_table": statistics.median(r["ratio_empty_table"] for r in rounds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "target_ratio_min": 0.5,
    }
    print(f"household import, {ROWS:,} CSV rows, {dialect}, "
          f"{before:,} households registered at the start; raw = {raw_name}")
    print(f"{'round':>6}  {'import rows/s':>13}  {'check s':>7}  {'store s':>7}  "
          f"{'raw same table':>14}  {'ratio':>5}  {'raw empty table':>15}  {'ratio':>5}")
    for n, r in enumerate(rounds, start=1):
        print(f"{n:>6}  {r['import_rows_per_s']:>13,}  {r['check_s']:>7.2f}  "
              f"{r['store_s']:>7.2f}  {r['raw_same_table_rows_per_s']:>14,}  "
              f"{r['ratio_same_table']:>5.2f}  {r['raw_empty_table_rows_per_s']:>15,}  "
              f"{r['ratio_empty_table']:>5.2f}")
    print(f"{'median':>6}  {result['import_rows_per_s']:>13,}  {'':>7}  {'':>7}  "
          f"{result['raw_same_table_rows_per_s']:>14,}  {result['ratio_same_table']:>5.2f}  "
          f"{result['raw_empty_table_rows_per_s']:>15,}  {result['ratio_empty_table']:>5.2f}")
    print("rates in rows/s; ratio = import rate / raw rate, target >= 0.5")
    print(f"peak RSS of this process (CSV, plan and raw tuples included): "
          f"{result['peak_rss_mb']} MB")
    out = ROOT / "bench" / "results" / f"household_import_{dialect}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
