"""Several threads posting the same Idempotency-Key at the same moment leave exactly one row:
the database's unique constraint decides, and the losers answer with the winner's record.
Runs on whichever database the suite uses (SQLite by default, PostgreSQL in CI)."""

import threading

from sqlalchemy import func, select

from wastesort.collections.models import Collection
from wastesort.timeutil import local_today

THREADS = 8


def _post_together(app, token, payloads, url):
    barrier = threading.Barrier(len(payloads))
    results = [None] * len(payloads)

    def post(index):
        client = app.test_client()
        barrier.wait()
        response = client.post(url, json=payloads[index][0], headers={
            "Authorization": f"Bearer {token}", **payloads[index][1]})
        results[index] = (response.status_code, response.get_json())
        response.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_same_key_from_many_threads_is_one_row(app, city, tokens, db):
    record = {"recycling_point_id": city.points["a1"].id, "collected_on": str(local_today()),
              "category": "residual", "weight_kg": 4321}
    payloads = [(record, {"Idempotency-Key": "race-1"})] * THREADS
    results = _post_together(app, tokens["staff"], payloads, "/api/v1/collections")
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 1 and statuses.count(200) == THREADS - 1, statuses
    assert len({body["id"] for _, body in results}) == 1
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Collection)) == 1


def test_same_batch_from_many_threads_counts_once(app, city, tokens, db):
    records = [{"recycling_point_id": city.points["a1"].id, "collected_on": str(local_today()),
                "category": "kitchen", "weight_kg": 100 + i, "idempotency_key": f"race-b{i}"}
               for i in range(50)]
    payloads = [({"records": records}, {})] * 4
    results = _post_together(app, tokens["staff"], payloads, "/api/v1/collections/batch")
    assert all(status == 200 for status, _ in results), results
    assert sum(body["created"] for _, body in results) == 50
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Collection)) == 50
