"""Benchmark: the chain to treatment at city scale, a year of weighbridge tickets.

On a seeded city with 365 days of collections (a copy: this bench writes to it), upgraded to the
code's migration: the demo's tickets for every day of collections are added when the database
has none (``wastesort.demo.intake.seed_intake``, about 2,000 a day: ≥ 500,000 for a year), then,
in one run:

- **the facility section of a monthly report** (``reports.service.facility_section`` for the
  last complete month: every facility's days against the capacity in force, collected against
  received per stream and day, the towns and streets with mixed transport, the four rates),
  best of ``--repeat``, and each of its parts; target under 500 ms;
- **ticket batch posting**: ``POST /api/v1/tickets/batch`` with 1,000 new tickets of one
  facility's operator, ``--batches`` times, through the application in this process (token,
  JSON, the hand-made loader, the checks, the one INSERT with the daily intake, the commit),
  median rows per second; target at least 50,000 rows/s. Each ticket batch is followed by a
  collections batch of 1,000 (bench/api_collections.py measured 139,100 rows/s for those on a
  quiet machine), so that a shared machine's load shows in both: the ratio compares them.

Results go to bench/results/facility_chain_{sqlite,postgresql}.json.

    cp -r /srv/city365 /tmp/city_f
    .venv/bin/python bench/facility_chain.py --instance /tmp/city_f
    createdb -h 127.0.0.1 -U postgres -T city_bench city_f
    .venv/bin/python bench/facility_chain.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/city_f
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
from wastesort.accounts.models import Role, User  # noqa: E402
from wastesort.accounts.tokens import issue_token  # noqa: E402
from wastesort.demo.intake import seed_intake  # noqa: E402
from wastesort.extensions import db  # noqa: E402
from wastesort.intake.models import WeighbridgeTicket  # noqa: E402
from wastesort.metrics.facilities import (  # noqa: E402
    collected_against_received,
    facility_days,
    township_mixed,
    treatment_rates,
)
from wastesort.reports.models import ReportPeriod  # noqa: E402
from wastesort.reports.periods import period_bounds  # noqa: E402
from wastesort.reports.service import facility_section  # noqa: E402
from wastesort.timeutil import local_now, local_today  # noqa: E402

BATCH = 1_000


def best(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _vacuum_analyze(names: str) -> None:
    """PostgreSQL: statistics and the visibility map for the tables just loaded."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM (ANALYZE) {names}"))


def batches(app, batches: int) -> tuple[list[float], list[float]]:
    """Rows per second of ``batches`` batches of 1,000 new tickets through the API, each
    followed by a batch of 1,000 collections (the posting the README measured at 139,100 rows/s
    on a quiet machine) as the reference the same moment of a shared machine gives; bodies
    made before the clock starts, as a client would have them ready."""
    operator = db.session.scalar(select(User).where(User.role == Role.FACILITY_OPERATOR)
                                 .order_by(User.id))
    staff = db.session.scalar(select(User).where(User.role == Role.POINT_STAFF)
                              .order_by(User.id))
    tokens = {"tickets": issue_token(operator, "bench")[1],
              "collections": issue_token(staff, "bench")[1]}
    db.session.commit()
    client = app.test_client()
    arrived = (local_now() - dt.timedelta(hours=1)).replace(microsecond=0)
    today = str(local_today())
    stamp = f"{time.time_ns():x}"
    rates: dict[str, list[float]] = {"tickets": [], "collections": []}
    for n in range(batches + 1):  # the first round warms up
        bodies = {
            "tickets": [{"ticket_number": f"B{stamp}-{n:03d}-{k:04d}",
                         "arrived_at": (arrived + dt.timedelta(seconds=k)).isoformat(),
                         "stream": "residual", "net_weight_kg": 10_000 + k,
                         "vehicle_plate": "渝A12345"} for k in range(BATCH)],
            "collections": [{"recycling_point_id": staff.recycling_point_id,
                             "collected_on": today, "category": "residual",
                             "weight_kg": 100 + k, "idempotency_key": f"B{stamp}-{n}-{k}"}
                            for k in range(BATCH)]}
        for kind, records in bodies.items():
            body = json.dumps({"records": records})
            started = time.perf_counter()
            response = client.post(f"/api/v1/{kind}/batch", data=body,
                                   content_type="application/json",
                                   headers={"Authorization": f"Bearer {tokens[kind]}"})
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.get_json()
            assert response.get_json()["created"] == BATCH
            if n:
                rates[kind].append(BATCH / elapsed)
    return rates["tickets"], rates["collections"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", help="a copy of a seeded city's instance folder (SQLite)")
    parser.add_argument("--database-url", help="a copy of a seeded city on PostgreSQL")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    os.environ.pop("WASTESORT_CONFIG", None)
    config = {"INSTANCE_PATH": args.instance or "/tmp/wastesort-facility-chain",
              "SECRET_KEY": "bench", "CAPACITY_ALERT_POSTING_INTERVAL_SECONDS": 10}
    if args.database_url:
        config["SQLALCHEMY_DATABASE_URI"] = args.database_url
    app = create_app(config)
    result: dict = {}
    with app.app_context():
        dialect = db.engine.dialect.name
        upgrade(directory=str(ROOT / "migrations"))
        tickets = db.session.scalar(select(func.count()).select_from(WeighbridgeTicket))
        if not tickets:
            started = time.perf_counter()
            tickets = seed_intake(local_today())
            db.session.commit()
            result["ticket_seed_s"] = round(time.perf_counter() - started, 1)
            if dialect == "postgresql":
                _vacuum_analyze("weighbridge_tickets, daily_intake, facility_capacities, users")
            print(f"added {tickets:,} tickets in {result['ticket_seed_s']} s")
        first, last = period_bounds(ReportPeriod.MONTH,
                                    local_today().replace(day=1) - dt.timedelta(days=1))
        parts = {
            "facility section, month": lambda: facility_section(first, last),
            "  each facility's days": lambda: facility_days(first, last),
            "  collected against received": lambda: collected_against_received(first, last),
            "  towns and streets (mixed transport)": lambda: township_mixed(first, last),
            "  rates": lambda: treatment_rates(first, last),
        }
        timings = {name: best(args.repeat, fn) for name, fn in parts.items()}
        rates, reference = batches(app, args.batches)
        tickets = db.session.scalar(select(func.count()).select_from(WeighbridgeTicket))
    result.update(database=dialect, tickets=tickets, month=[str(first), str(last)],
                  seconds={name.strip(): round(s, 4) for name, s in timings.items()},
                  batch_rows_per_s={"median": round(statistics.median(rates)),
                                    "min": round(min(rates)), "max": round(max(rates)),
                                    "batches": len(rates), "batch_size": BATCH,
                                    "collections_median": round(statistics.median(reference)),
                                    "ratio": round(statistics.median(
                                        t / c for t, c in zip(rates, reference,
                                                              strict=True)), 2)})
    for name, seconds in timings.items():
        print(f"{name:32} {seconds * 1000:8.1f} ms")
    print(f"ticket batches: median {result['batch_rows_per_s']['median']:,} rows/s "
          f"(min {result['batch_rows_per_s']['min']:,}, max {result['batch_rows_per_s']['max']:,})"
          f" over {len(rates)} batches of {BATCH:,}; collections' batches beside them: median "
          f"{result['batch_rows_per_s']['collections_median']:,} rows/s, tickets ÷ collections "
          f"{result['batch_rows_per_s']['ratio']}; {tickets:,} tickets")
    out = ROOT / "bench" / "results" / f"facility_chain_{dialect}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
