"""``GET /healthz``: 200 when the database answers, 503 when it does not (load balancers)."""

from flask import Blueprint

from .database import database_answers

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    if database_answers():
        return {"status": "ok", "database": "ok"}, 200
    return {"status": "unavailable", "database": "unreachable"}, 503
