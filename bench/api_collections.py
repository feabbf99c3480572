"""Benchmark of collection posting under gunicorn (2 workers) with a load generator on the
same machine (issue 3, "Benchmark"): wrk when installed (``apt-get install -y wrk``, Debian's
package), else a Python load generator.

Five endpoints, in interleaved rounds of one run:
  real        POST /api/v1/collections, a bearer token and a fresh Idempotency-Key per request;
  parse       a bare Flask endpoint that parses the same JSON and answers;
  insert      a bare Flask endpoint that inserts the same row with plain sqlite3 (psycopg on
              PostgreSQL), one commit per request;
  batch       POST /api/v1/collections/batch, 1,000 records per request with fresh keys;
  bare-batch  a bare endpoint inserting the same 1,000 rows with one plain executemany.
Prints requests per second, p99 latency and the ratios; targets: real >= 0.4 x insert, batch
>= 50,000 rows/s. Results also go to bench/results/api_collections_<database>.json.

    .venv/bin/python bench/api_collections.py                      # SQLite, a temporary file
    .venv/bin/python bench/api_collections.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

The PostgreSQL database must exist and will be emptied. The load generator is wrk with a Lua
script making a fresh idempotency key per request (and per batch record); without wrk, a Python
generator (multiprocessing, one connection per request) is used, which on a small machine
takes much of the CPU the server needs: install wrk for fair figures.
"""

import argparse
import datetime as dt
import gc
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --- the server side (imported by gunicorn in each worker) --------------------------------

def serve():
    """The WSGI app gunicorn runs: wastesort, with the two bare endpoints under /bare."""
    from flask import Flask, request
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from wastesort import create_app

    app = create_app()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    poster_id = int(os.environ["BENCH_POSTER_ID"])  # the bench's kiosk user: the same rows
    bare = Flask("bare")
    connection = {}

    def plain_connection():
        if "db" not in connection:
            if url.startswith("sqlite"):
                import sqlite3

                db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
                for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000",
                               "foreign_keys=ON"):
                    db.execute(f"PRAGMA {pragma}")
                connection["db"], connection["mark"] = db, "?"
            else:
                import psycopg

                connection["db"] = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"),
                                                   autocommit=True)
                connection["mark"] = "%s"
        return connection["db"], connection["mark"]

    @bare.post("/parse")
    def parse():
        data = request.get_json()
        return {"recycling_point_id": data["recycling_point_id"],
                "weight_kg": data["weight_kg"]}, 201

    @bare.post("/insert")
    def insert():
        data = request.get_json()
        db, m = plain_connection()
        db.execute(
            "INSERT INTO collections (recycling_point_id, collected_on, category, weight_kg, "
            "posted_at, idempotency_key, posted_by_id, voided) "
            f"VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m}, false)",
            (data["recycling_point_id"], data["collected_on"], data["category"],
             data["weight_kg"], dt.datetime.now(dt.UTC).isoformat(),
             request.headers["Idempotency-Key"], poster_id))
        return {"ok": True}, 201

    @bare.post("/insert-batch")
    def insert_batch():
        """The batch's bare counterpart: the same rows, one plain executemany, one commit."""
        records = request.get_json()["records"]
        db, m = plain_connection()
        now = dt.datetime.now(dt.UTC).isoformat()
        sql = ("INSERT INTO collections (recycling_point_id, collected_on, category, weight_kg, "
               "posted_at, idempotency_key, posted_by_id, voided) "
               f"VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m}, false)")
        rows = [(r["recycling_point_id"], r["collected_on"], r["category"], r["weight_kg"], now,
                 r["idempotency_key"], poster_id) for r in records]
        if m == "?":
            db.execute("BEGIN")
            db.executemany(sql, rows)
            db.execute("COMMIT")
        else:
            with db.transaction(), db.cursor() as cursor:
                cursor.executemany(sql, rows)
        return {"ok": True, "rows": len(rows)}, 200

    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/bare": bare})
    # Move everything loaded so far out of the garbage collector's sight: otherwise each full
    # collection walks the ~10^5 objects of Flask, SQLAlchemy and marshmallow, which showed
    # as 50-80 ms pauses inside 1,000-record batches. (wsgi.py would do the same in production.)
    gc.freeze()
    return app


# --- preparing the database ---------------------------------------------------------------

def prepare(database_url: str, instance: Path) -> tuple[str, int, int]:
    """Migrate from scratch and add one township, one point and its staff; returns
    (token, point id, staff user id)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from wastesort import create_app
    from wastesort.accounts.models import Role, User
    from wastesort.accounts.tokens import issue_token
    from wastesort.areas.models import District, Township, TownshipKind
    from wastesort.extensions import db
    from wastesort.points.models import PointKind, RecyclingPoint

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        district = District(code="500103", name="渝中区", name_en="Yuzhong")
        township = Township(district=district, name="解放碑街道", kind=TownshipKind.STREET)
        point = RecyclingPoint(township=township, name="bench kiosk", kind=PointKind.KIOSK)
        db.session.add_all([district, township, point])
        db.session.flush()
        staff = User(username="bench", role=Role.POINT_STAFF, recycling_point_id=point.id)
        staff.set_password("bench-password")
        db.session.add(staff)
        db.session.commit()
        _token, plain = issue_token(staff, "bench")
        point_id, poster_id = point.id, staff.id
        db.engine.dispose()
    return plain, point_id, poster_id


# --- the load generator -------------------------------------------------------------------

def _worker(args):
    port, path, headers, make_body, seconds, queue = args
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        body, extra = make_body()
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", path, body=body, headers={**headers, **extra})
        response = conn.getresponse()
        response.read()
        conn.close()
        latencies.append(time.perf_counter() - started)
        if response.status >= 300:
            errors += 1
    queue.put((latencies, errors))


class Body:
    """A picklable request-body maker: one collection, or a batch, with fresh keys."""

    def __init__(self, point_id: int, batch: int = 0):
        self.point_id, self.batch = point_id, batch
        self.day = str(dt.date.today() - dt.timedelta(days=1))

    def record(self, n: int) -> dict:
        return {"recycling_point_id": self.point_id, "collected_on": self.day,
                "category": "residual", "weight_kg": 1000 + n % 500}

    def __call__(self):
        if self.batch:
            records = [{**self.record(i), "idempotency_key": uuid.uuid4().hex}
                       for i in range(self.batch)]
            return json.dumps({"records": records}), {}
        return json.dumps(self.record(0)), {"Idempotency-Key": uuid.uuid4().hex}


def load(port, path, token, body, seconds, concurrency) -> dict:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_worker, args=(
        (port, path, headers, body, seconds, queue),)) for _ in range(concurrency)]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    count = len(latencies)
    return {"requests": count, "errors": sum(e for _, e in results),
            "rps": count / elapsed, "p99_ms": 1000 * latencies[int(0.99 * (count - 1))]}


WRK_SCRIPT = r"""
-- keys: a fresh nonce per wrk run, the thread's number, a counter (unique across runs)
local counter, thread_id, threads = 0, 0, 0
local day, point, batch, mode = "%(day)s", %(point)d, %(batch)d, "%(mode)s"
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args) thread_id = tid or 0 end
local function key()
  counter = counter + 1
  return string.format("%(nonce)s-%%d-%%d", thread_id, counter)
end
local function record(extra)
  return string.format('{"recycling_point_id": %%d, "collected_on": "%%s", ' ..
                       '"category": "residual", "weight_kg": %%d%%s}',
                       point, day, 1000 + counter %% 500, extra)
end
request = function()
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %(token)s"}
  if mode == "batch" then
    local parts = {}
    for i = 1, batch do parts[i] = record(string.format(', "idempotency_key": "%%s"', key())) end
    return wrk.format("POST", nil, headers, '{"records": [' .. table.concat(parts, ",") .. ']}')
  end
  headers["Idempotency-Key"] = key()
  return wrk.format("POST", nil, headers, record(""))
end
local errors = 0
response = function(status) if status >= 300 then errors = errors + 1 end end
done = function(summary, latency, requests)
  -- status: answers other than 2xx/3xx; socket: mostly requests cut off when wrk stops
  io.write(string.format("RESULT %%d %%d %%d %%f %%f\n", summary.requests,
           summary.errors.status, summary.errors.connect + summary.errors.read
           + summary.errors.write + summary.errors.timeout,
           summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000))
end
"""


def load_wrk(port, path, token, body, seconds, concurrency, tmp: Path) -> dict:
    script = tmp / "bench.lua"
    script.write_text(WRK_SCRIPT % {"day": body.day, "point": body.point_id,
                                    "batch": body.batch, "mode": "batch" if body.batch else "one",
                                    "token": token, "nonce": uuid.uuid4().hex})
    command = ["wrk", "-t", str(min(2, concurrency)), "-c", str(concurrency),
               "-d", f"{max(1, round(seconds))}s", "--timeout", "30s", "-s", str(script),
               f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, errors, socket_errors, rps, p99_ms = line.split()[1:]
    return {"requests": int(requests), "errors": int(errors), "socket_errors": int(socket_errors),
            "rps": float(rps), "p99_ms": float(p99_ms)}


def combine(results: list[dict], seconds: float) -> dict:
    """Rounds of one endpoint as one: rates over the whole time, the worst round's p99."""
    requests = sum(r["requests"] for r in results)
    return {"requests": requests, "errors": sum(r["errors"] for r in results),
            "socket_errors": sum(r.get("socket_errors", 0) for r in results),
            "rps": sum(r["rps"] for r in results) / len(results),
            "p99_ms": max(r["p99_ms"] for r in results)}


def wait_ready(port: int, server: subprocess.Popen) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not answer")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--seconds", type=float, default=12, help="per endpoint, all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=1000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        url = options.database_url or f"sqlite:///{instance / 'bench.sqlite3'}"
        token, point_id, poster_id = prepare(url, instance)
        port = free_port()
        env = {**os.environ, "WASTESORT_SQLALCHEMY_DATABASE_URI": url,
               "BENCH_POSTER_ID": str(poster_id),
               "WASTESORT_INSTANCE_PATH": str(instance), "WASTESORT_SECRET_KEY": "bench",
               # the per-token limit would stop a load generator: measure posting, not it
               "WASTESORT_API_WRITES_PER_TOKEN": "1000000 per second"}
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-w", "2", "--no-control-socket",
             "-b", f"127.0.0.1:{port}", "--pythonpath", str(ROOT / "bench"),
             "--log-level", "warning", "api_collections:serve()"], env=env, cwd=ROOT)
        try:
            wait_ready(port, server)
            endpoints = (
                ("real", "/api/v1/collections", Body(point_id)),
                ("parse", "/bare/parse", Body(point_id)),
                ("insert", "/bare/insert", Body(point_id)),
                ("batch", "/api/v1/collections/batch", Body(point_id, options.batch_size)),
                ("bare-batch", "/bare/insert-batch", Body(point_id, options.batch_size)))
            # Interleaved rounds: a machine that slows down mid-run slows every endpoint alike,
            # so the ratios stay fair even when the absolute figures drift.
            rounds: dict[str, list[dict]] = {name: [] for name, _, _ in endpoints}
            seconds = options.seconds / options.rounds
            for _round in range(options.rounds):
                for name, path, body in endpoints:
                    if shutil.which("wrk"):
                        result = load_wrk(port, path, token, body, seconds,
                                          options.concurrency, instance)
                    else:
                        result = load(port, path, token, body, seconds, options.concurrency)
                    rounds[name].append(result)
            run = {name: combine(results, seconds) for name, results in rounds.items()}
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    generator = "wrk" if shutil.which("wrk") else "Python load generator"
    print(f"database {kind}; gunicorn 2 sync workers; {generator}, {options.concurrency} "
          f"connections; {options.rounds} interleaved rounds, {options.seconds:g} s per endpoint")
    print(f"{'endpoint':<10} {'requests':>9} {'errors':>7} {'socket':>7} {'req/s':>9} "
          f"{'p99 ms':>8}")
    for name, r in run.items():
        print(f"{name:<10} {r['requests']:>9} {r['errors']:>7} {r['socket_errors']:>7} "
              f"{r['rps']:>9.1f} {r['p99_ms']:>8.1f}")
    batch_rows = run["batch"]["rps"] * options.batch_size
    ratios = {"real_per_parse": round(run["real"]["rps"] / run["parse"]["rps"], 2),
              "real_per_insert": round(run["real"]["rps"] / run["insert"]["rps"], 2),
              "batch_rows_per_s": round(batch_rows),
              "bare_batch_rows_per_s": round(run["bare-batch"]["rps"] * options.batch_size),
              "batch_per_bare_batch": round(run["batch"]["rps"] / run["bare-batch"]["rps"], 2)}
    print("(errors: answers other than 2xx; socket: requests cut off when the load stops)")
    print(f"real / parse  = {ratios['real_per_parse']:.2f}")
    print(f"real / insert = {ratios['real_per_insert']:.2f} (target >= 0.40)")
    print(f"batch rows/s  = {batch_rows:,.0f} (target >= 50,000); bare batch insert "
          f"{ratios['bare_batch_rows_per_s']:,} rows/s, ratio {ratios['batch_per_bare_batch']:.2f}")
    out = ROOT / "bench" / "results" / f"api_collections_{kind.lower()}.json"
    out.write_text(json.dumps({"database": kind, "generator": generator,
                               "concurrency": options.concurrency, "rounds": options.rounds,
                               "seconds": options.seconds, "endpoints": run, **ratios},
                              indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")

if __name__ == "__main__":
    main()
