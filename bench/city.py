"""Benchmark (issue 6): every city-scale target in one run, in one table.

Seeds the city once (3,754,000 households, 114 towns and streets, 2,037 points, 365 days of
collections) on SQLite in ``--instance``, or on PostgreSQL with ``--database-url`` (an empty
database; one seeded before is reused), then runs against it, in turn:

- ``bench/city_figures.py``: coverage by town and street, capacity over 365 days, against the
  bare SQL aggregates;
- ``bench/city_pages.py``: p95 of the pages, posting at city scale against a nearly empty
  database, peak RSS of the reports and of the CSV export;
- ``bench/household_import.py``: 100,000 CSV rows against ``executemany`` / ``COPY``.

The last two write to the city, so they run on copies (the instance folder copied; PostgreSQL:
``CREATE DATABASE … TEMPLATE``), dropped afterwards. Prints each target with its figure and
whether it is met, and writes ``bench/results/city_scale_{sqlite,postgresql}.json``.

    .venv/bin/python bench/city.py --instance /srv/city365
    createdb -h 127.0.0.1 -U postgres city_bench
    .venv/bin/python bench/city.py --database-url postgresql+psycopg://postgres@127.0.0.1/city_bench
"""

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PAGES = ("/dashboard/", "/households/", "/collections/")


def script(name: str, *args: str) -> None:
    print(f"--- bench/{name} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, str(ROOT / "bench" / name), *args], check=True)


@contextlib.contextmanager
def copy_of(instance: Path | None, database_url: str | None, name: str):
    """Arguments for a script pointed at a throw-away copy of the city."""
    if database_url is None:
        with tempfile.TemporaryDirectory(prefix=f"wastesort-{name}-", dir=instance.parent) as tmp:
            for file in ("wastesort.sqlite3", "wastesort.sqlite3-wal"):  # WAL: the last commits
                if (instance / file).exists():
                    shutil.copy(instance / file, tmp)
            yield ["--instance", tmp]
        return
    from city_pages import scratch_database  # bench/ is this script's folder

    with scratch_database(database_url, f"_{name}", copy=True) as url:
        yield ["--database-url", url]


def targets(figures: dict, pages: dict, imports: dict) -> list[tuple[str, str, str, bool]]:
    """(what, figure, target, met) for each target of the issue."""
    rows = []
    for name in ("coverage by town and street", "capacity, 365 days"):
        f = figures[name]
        rows.append((name, f"{f['product_s']:.3f} s, {f['ratio']:.2f}x the bare SQL "
                           f"({f['bare_sql_s']:.3f} s)", "<= 1.5x, < 1 s",
                     f["ratio"] <= 1.5 and f["product_s"] < 1))
    for page in PAGES:
        p95 = pages["pages_p95_ms"][page]
        rows.append((f"p95 {page}", f"{p95:.1f} ms", "< 150 ms", p95 < 150))
    posting = pages["posting"]
    for kind in ("single", "batch"):
        slowdown = posting[f"{kind}_slowdown"]
        rows.append((f"posting ({kind}), city vs nearly empty", f"{slowdown:.2f}x the time",
                     "<= 1.2x", slowdown <= 1.2))
    rows.append(("household import, 100,000 rows",
                 f"{imports['ratio_same_table']:.2f}x the raw {imports['raw']} rate "
                 f"(same table; {imports['ratio_empty_table']:.2f}x into an empty one)",
                 ">= 0.5x", imports["ratio_same_table"] >= 0.5))
    for task, mb in pages["peak_rss_mb"].items():
        rows.append((f"peak RSS, {task.replace('_', ' ')}", f"{mb:.0f} MB", "< 300 MB", mb < 300))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", help="SQLite: the city's instance folder (seeded if empty)")
    parser.add_argument("--database-url", help="PostgreSQL: the city's database (seeded if "
                        "empty), e.g. postgresql+psycopg://postgres@127.0.0.1/city_bench")
    args = parser.parse_args()
    if bool(args.instance) == bool(args.database_url):
        parser.error("give --instance (SQLite) or --database-url (PostgreSQL)")
    instance = Path(args.instance).resolve() if args.instance else None
    city = ["--instance", str(instance)] if instance else ["--database-url", args.database_url]
    suffix = "" if instance else "_postgresql"

    script("city_figures.py", *city)  # seeds the city when it is empty
    figures = json.loads((RESULTS / f"city_figures{suffix}.json").read_text())
    with copy_of(instance, args.database_url, "pages") as copy:
        script("city_pages.py", *copy)
    pages = json.loads((RESULTS / f"city_pages{suffix}.json").read_text())
    with copy_of(instance, args.database_url, "import") as copy:
        script("household_import.py", *copy)
    imports = json.loads((RESULTS / f"household_import{suffix or '_sqlite'}.json").read_text())

    rows = targets(figures, pages, imports)
    print(f"\ncity scale on {figures['database']}: {figures['households']:,} households, "
          f"{figures['collection_days']} days of collections")
    width = max(len(what) for what, *_ in rows)
    for what, figure, target, met in rows:
        print(f"{what:{width}}  {'met' if met else 'NOT MET':7}  {figure}  (target {target})")
    out = RESULTS / f"city_scale{'_postgresql' if suffix else '_sqlite'}.json"
    out.write_text(json.dumps({
        "database": figures["database"], "households": figures["households"],
        "collection_days": figures["collection_days"],
        "targets": [{"what": w, "figure": f, "target": t, "met": m} for w, f, t, m in rows],
        "all_met": all(m for *_, m in rows)}, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
