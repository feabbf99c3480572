"""Benchmark: ``seed-demo --scale city`` on SQLite against a plain ``sqlite3`` executemany.

In one run: seeds the city (3,754,000 households) into a fresh SQLite database through the
product's code, then inserts the very same household rows into an identical empty table
(same DDL and indexes, same pragmas) with nothing but ``sqlite3.executemany``, and prints both
household rates and their ratio. Targets: the whole seed under 180 s on the 2-core machine;
household rows at no less than half the raw rate. Results also go to bench/results/.

    .venv/bin/python bench/seed_city.py [--days 30]
"""

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from wastesort import create_app  # noqa: E402
from wastesort.demo.seed import HOUSEHOLD_COLUMNS, seed_demo  # noqa: E402


def product_seed(instance: Path, days: int):
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        summary = seed_demo(scale="city", days=days)
    return summary, instance / "wastesort.sqlite3"


def raw_insert(seeded: Path, target: Path) -> tuple[int, float]:
    source = sqlite3.connect(seeded)
    ddl = [sql for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'households' AND sql IS NOT NULL")]
    cols = ", ".join(HOUSEHOLD_COLUMNS)
    rows = source.execute(f"SELECT {cols} FROM households ORDER BY id").fetchall()
    source.close()
    raw = sqlite3.connect(target)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
        raw.execute(f"PRAGMA {pragma}")
    for statement in ddl:
        raw.execute(statement)  # foreign keys stay off here: no parent table needed
    marks = ", ".join("?" * len(HOUSEHOLD_COLUMNS))
    started = time.perf_counter()
    for i in range(0, len(rows), 50_000):
        raw.executemany(f"INSERT INTO households ({cols}) VALUES ({marks})", rows[i:i + 50_000])
    raw.commit()
    seconds = time.perf_counter() - started
    raw.close()
    return len(rows), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wastesort-bench-") as tmp:
        os.environ.pop("WASTESORT_CONFIG", None)
        summary, seeded = product_seed(Path(tmp) / "instance", args.days)
        count, raw_seconds = raw_insert(seeded, Path(tmp) / "raw.sqlite3")
    seed_rate = summary.households / summary.seconds["households"]
    raw_rate = count / raw_seconds
    result = {
        "households": summary.households,
        "collections": summary.collections,
        "seed_total_s": round(summary.seconds["total"], 1),
        "seed_households_s": round(summary.seconds["households"], 1),
        "seed_households_per_s": round(seed_rate),
        "raw_executemany_s": round(raw_seconds, 1),
        "raw_households_per_s": round(raw_rate),
        "ratio_seed_to_raw": round(seed_rate / raw_rate, 2),
        "targets": {"seed_total_s_max": 180, "ratio_min": 0.5},
    }
    print(f"city seed: {result['seed_total_s']} s in all "
          f"({summary.households:,} households, {summary.collections:,} collections)")
    print(f"households: product {seed_rate:,.0f} rows/s, raw sqlite3 executemany "
          f"{raw_rate:,.0f} rows/s, ratio {result['ratio_seed_to_raw']} (target >= 0.5)")
    out = ROOT / "bench" / "results" / "seed_city.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
