"""Posting, batching, voiding and reading collections: the rules the API and pages share.

Idempotency: every record has a unique key (the client's ``Idempotency-Key``, or one we make).
The same key with the same body answers with the record made the first time; with another
body it is a conflict (409). The database's unique constraint settles races between threads
and processes: the loser rolls back and finds the winner's row.
"""

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from functools import cached_property

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from ..accounts.models import Role, User
from ..accounts.scope import reads_everything
from ..enums import WasteCategory
from ..errors_domain import Conflict, Forbidden, NotFound, RuleViolation
from ..extensions import db
from ..points.models import RecyclingPoint
from ..reports.alerts import check_after_posting  # reports (issue 5): capacity alerts
from ..rules import get_by_id, valid_id
from ..timeutil import local_today, utcnow
from . import tonnage
from .models import Collection

MAX_KEY_LENGTH = 100
MAX_REASON_LENGTH = 200


@dataclass(frozen=True)
class CollectionInput:
    recycling_point_id: int
    collected_on: dt.date
    category: WasteCategory
    weight_kg: int

    @cached_property
    def payload_hash(self) -> str:
        text = f"{self.recycling_point_id}|{self.collected_on}|{self.category}|{self.weight_kg}"
        return hashlib.sha256(text.encode()).hexdigest()


def check_collection(user: User, data: dict, points: dict | None = None,
                     today: dt.date | None = None
                     ) -> tuple[CollectionInput | None, dict[str, list[str]]]:
    """Validate one record; returns (input, {}) or (None, messages by field).

    ``data`` holds already-typed values (the API's schema or the page's form parsed them):
    recycling_point_id:int, collected_on:date, category:str, weight_kg:int. ``points`` maps
    ids to rows with ``id`` and ``active`` (a batch loads them at once).
    """
    cfg = current_app.config
    errors: dict[str, list[str]] = {}
    weight = data.get("weight_kg")
    if isinstance(weight, bool) or not isinstance(weight, int):
        errors["weight_kg"] = ["Enter the weight as a whole number of kilograms."]
    elif not 1 <= weight <= cfg["COLLECTION_MAX_WEIGHT_KG"]:
        errors["weight_kg"] = [f"The weight must be from 1 to {cfg['COLLECTION_MAX_WEIGHT_KG']:,}"
                               " kg for one record."]
    try:
        category = WasteCategory(data.get("category"))
    except ValueError:
        category = None
        errors["category"] = ["Choose one of: " + ", ".join(c.value for c in WasteCategory) + "."]
    day = data.get("collected_on")
    today = today or local_today()
    if not isinstance(day, dt.date):
        errors["collected_on"] = ["Enter the date collected (YYYY-MM-DD)."]
    elif day > today:
        errors["collected_on"] = [f"The date is in the future (today is {today} in the city)."]
    elif (today - day).days > cfg["COLLECTION_BACKDATE_DAYS"] and user.role is not Role.ADMIN:
        errors["collected_on"] = [f"Postings may go back at most {cfg['COLLECTION_BACKDATE_DAYS']}"
                                  " days; ask an administrator for older corrections."]
    point_id = data.get("recycling_point_id")
    point = points.get(point_id) if points is not None else _point_row(point_id)
    if point is None:
        errors["recycling_point_id"] = ["No such recycling point."]
    elif not point.active:
        errors["recycling_point_id"] = ["This recycling point is not active."]
    elif not may_post_for(user, point):
        errors["recycling_point_id"] = ["You may post collections for your own point only."]
    if errors:
        return None, errors
    return CollectionInput(point.id, day, category, weight), {}


def _point_row(point_id):
    """The point's id and active flag (all the checks need), without loading the object."""
    if not valid_id(point_id):
        return None
    return db.session.execute(select(RecyclingPoint.id, RecyclingPoint.active)
                              .where(RecyclingPoint.id == point_id)).first()


def may_post_for(user: User, point) -> bool:
    """``point``: a RecyclingPoint or any row with its ``id``."""
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.POINT_STAFF:
        return user.recycling_point_id == point.id
    return False


def _require_poster(user: User) -> None:
    if user.role not in (Role.ADMIN, Role.POINT_STAFF):
        raise Forbidden("Only recycling-point staff and administrators post collections.")


def _check_key(key: str | None) -> str:
    if key is None or key == "":
        return uuid.uuid4().hex
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise RuleViolation({"idempotency_key": [
            f"An idempotency key is 1 to {MAX_KEY_LENGTH} printable characters."]})
    return key


def _existing(key: str, payload_hash: str) -> Collection | None:
    row = db.session.scalar(select(Collection).where(Collection.idempotency_key == key))
    if row is not None and row.payload_hash != payload_hash:
        raise Conflict("This idempotency key was used for a different collection.")
    return row


def post_collection(user: User, data: dict, idempotency_key: str | None = None
                    ) -> tuple[Collection, bool]:
    """Store one collection; returns (record, created). A retry returns the first record."""
    _require_poster(user)
    key = _check_key(idempotency_key)
    record, errors = check_collection(user, data)
    if errors:
        raise RuleViolation(errors)
    values = {"recycling_point_id": record.recycling_point_id,
              "collected_on": record.collected_on, "category": record.category,
              "weight_kg": record.weight_kg, "posted_by_id": user.id, "posted_at": utcnow(),
              "idempotency_key": key, "payload_hash": record.payload_hash, "voided": False}
    # Insert first and let the unique key catch a retry: a new posting (the common case) is
    # one INSERT … RETURNING id, a retry or a lost race one SELECT more. The stored values are
    # known, so the answer is built from them (no second SELECT).
    table = Collection.__table__
    try:
        row_id = db.session.execute(insert(table).returning(table.c.id), values).scalar_one()
        tonnage.add_collection_rows(db.session.connection(), [(
            record.recycling_point_id, record.collected_on, record.category, record.weight_kg)])
        db.session.commit()
    except IntegrityError:  # the key is stored already: a retry, or a concurrent request won
        db.session.rollback()
        if (found := _existing(key, record.payload_hash)) is not None:
            return found, False
        raise
    row = Collection(id=row_id, **values, void_reason=None, voided_at=None, voided_by_id=None)
    make_transient_to_detached(row)  # a row as loaded from the database, without loading it
    db.session.add(row)
    check_after_posting([row.collected_on])  # reports (issue 5): capacity alerts, once per day
    return row, True


@dataclass(frozen=True)
class BatchOutcome:
    """What became of one batch record: its row id, and whether this batch stored it."""

    id: int
    idempotency_key: str
    collected_on: dt.date
    created: bool


def post_batch(user: User, records: list[dict]) -> list[BatchOutcome]:
    """Store up to COLLECTION_BATCH_MAX records, each with its own ``idempotency_key``.

    All or nothing: any invalid record stores none, and the error lists messages by index
    (``{"records": {index: {field: [...]}}}``). Records whose key is already stored with the
    same body are answered, not stored again, so a batch sent twice counts once; a key
    stored with another body is a 409. One SELECT and one multi-row INSERT per batch.
    """
    _require_poster(user)
    limit = current_app.config["COLLECTION_BATCH_MAX"]
    if not records:
        raise RuleViolation({"records": ["Send at least one record."]})
    if len(records) > limit:
        raise RuleViolation({"records": [f"Send at most {limit:,} records at once."]})
    point_ids = {r.get("recycling_point_id") for r in records
                 if valid_id(r.get("recycling_point_id"))}
    points = {p.id: p for p in db.session.execute(
        select(RecyclingPoint.id, RecyclingPoint.active)
        .where(RecyclingPoint.id.in_(point_ids)))}
    errors: dict = {}
    checked: list[tuple[str, CollectionInput]] = []
    seen: dict[str, str] = {}
    today = local_today()
    for index, data in enumerate(records):
        record, problems = check_collection(user, data, points, today)
        key = data.get("idempotency_key")
        key = key.strip() if isinstance(key, str) else ""
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            problems["idempotency_key"] = [f"Each record needs an idempotency key of 1 to "
                                           f"{MAX_KEY_LENGTH} characters."]
        elif record is not None and seen.setdefault(key, record.payload_hash) != \
                record.payload_hash:
            problems["idempotency_key"] = ["The same key is used twice in this batch for "
                                           "different records."]
        if problems:
            errors[str(index)] = problems
        else:
            checked.append((key, record))
    if errors:
        raise RuleViolation({"records": errors})
    for _attempt in range(3):
        try:
            outcomes = _store_batch(user, checked)
        except IntegrityError:  # a concurrent batch stored some of the same keys first
            db.session.rollback()
        else:
            # reports (issue 5): capacity alerts for the days this batch added to
            check_after_posting({o.collected_on for o in outcomes if o.created})
            return outcomes
    raise Conflict("The batch kept colliding with concurrent postings; send it again.")


def _store_batch(user: User, checked: list[tuple[str, CollectionInput]]) -> list[BatchOutcome]:
    keys = [key for key, _ in checked]
    existing = {key: (row_id, digest) for key, row_id, digest in db.session.execute(
        select(Collection.idempotency_key, Collection.id, Collection.payload_hash)
        .where(Collection.idempotency_key.in_(keys)))}
    conflicts = [str(i) for i, (key, record) in enumerate(checked)
                 if key in existing and existing[key][1] != record.payload_hash]
    if conflicts:
        raise Conflict(description="Idempotency keys reused with other bodies at records: "
                       + ", ".join(conflicts))
    now = utcnow()
    new = {key: record for key, record in checked if key not in existing}
    ids = {key: row_id for key, (row_id, _digest) in existing.items()}
    if new:
        table = Collection.__table__
        stored = db.session.execute(
            # (key, id) pairs need no particular order: without sort_by_parameter_order
            # SQLAlchemy sends many rows per INSERT … RETURNING statement.
            insert(table).returning(table.c.idempotency_key, table.c.id),
            [{"recycling_point_id": r.recycling_point_id, "collected_on": r.collected_on,
              "category": r.category, "weight_kg": r.weight_kg, "posted_by_id": user.id,
              "posted_at": now, "idempotency_key": key, "payload_hash": r.payload_hash,
              "voided": False} for key, r in new.items()])
        ids.update(dict(stored.all()))
        tonnage.add_collection_rows(db.session.connection(), (
            (r.recycling_point_id, r.collected_on, r.category, r.weight_kg)
            for r in new.values()))
        db.session.commit()
    return [BatchOutcome(ids[key], key, record.collected_on, key in new)
            for key, record in checked]


def void_collection(user: User, collection_id: int, reason: str) -> Collection:
    """Mark a record void with a reason: a correction never deletes (re-post the right one)."""
    _require_poster(user)
    row = get_by_id(Collection, collection_id)
    if row is None:
        raise NotFound("No such collection.")
    if not may_post_for(user, row.recycling_point):
        raise Forbidden("You may void the collections of your own point only.")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON_LENGTH or not reason.isprintable():
        raise RuleViolation({"reason": [f"Give a reason of 1 to {MAX_REASON_LENGTH} characters."]})
    if row.voided:
        raise Conflict("This collection is already void.")
    row.voided, row.void_reason, row.voided_at, row.voided_by_id = True, reason, utcnow(), user.id
    db.session.commit()
    return row


def visible_collections(user: User):
    """A SELECT of the collections ``user`` may read (newest first is the caller's choice)."""
    stmt = select(Collection)
    if reads_everything(user):
        return stmt
    if user.role is Role.POINT_STAFF:
        return stmt.where(Collection.recycling_point_id == user.recycling_point_id)
    # street administrators read the collections of their township's points
    return stmt.join(RecyclingPoint).where(RecyclingPoint.township_id == user.township_id)


def get_collection(user: User, collection_id: int) -> Collection:
    row = db.session.scalar(visible_collections(user).where(Collection.id == collection_id)) \
        if valid_id(collection_id) else None
    if row is None:
        raise NotFound("No such collection.")
    return row


def collections_query(user: User, *, recycling_point_id: int | None = None,
                      category: str | None = None, date_from: dt.date | None = None,
                      date_to: dt.date | None = None, voided: bool | None = None):
    """The visible collections, newest first (by id), with optional filters."""
    stmt = visible_collections(user)
    if recycling_point_id is not None:
        stmt = stmt.where(Collection.recycling_point_id == recycling_point_id)
    if category is not None:
        stmt = stmt.where(Collection.category == WasteCategory(category))
    if date_from is not None:
        stmt = stmt.where(Collection.collected_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(Collection.collected_on <= date_to)
    if voided is not None:
        stmt = stmt.where(Collection.voided.is_(voided))
    return stmt.order_by(Collection.id.desc())
