"""``GET /healthz`` for load balancers: 200 when the database can be read and written, 503
when it cannot; the body says which part failed and the migration the database is at.

    {"status": "ok", "database": "ok", "write": "ok", "migration": "<revision>"}

``write`` is "ok", "busy" (another writer held the lock for a second: healthy), or why it
failed ("not writable", "unreachable", "failed"); ``database`` is "unreachable" when not even
a read succeeds, "not migrated" when it has no schema (``wastesort db upgrade``). See
:func:`wastesort.database.database_health`.
"""

from flask import Blueprint

from .database import database_health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    report, ok = database_health()
    return {"status": "ok" if ok else "unavailable", **report}, 200 if ok else 503
