"""Posting, batching, voiding and reading collections: the rules the API and pages share.

Idempotency: every record has a key (the client's ``Idempotency-Key``, or one we make), unique
per poster: keys are the caller's own, as an account's are at Stripe, so one kiosk's keys never
collide with another's. The same caller sending the same key with the same body gets the
record made the first time; with another body (another point included) a conflict (409). The
database's unique index settles races between threads and processes: the loser rolls back and
finds the winner's row.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from operator import attrgetter

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update

from ..accounts.models import Role, User
from ..accounts.scope import reads_everything
from ..enums import WasteCategory
from ..errors_domain import Conflict, Forbidden, NotFound, RuleViolation
from ..extensions import db
from ..idempotency import MAX_KEY_LENGTH, check_key, valid_key
from ..locking import retry_conflicts
from ..points.models import RecyclingPoint
from ..reports.alerts import check_after_posting  # reports (issue 5): capacity alerts
from ..rules import get_by_id, valid_id
from ..timeutil import local_today, utcnow
from . import store, tonnage
from .models import Collection

log = logging.getLogger(__name__)

MAX_REASON_LENGTH = 200
# No posting is older than the service's data: an earlier date is a typing slip, and far-off
# dates would overflow the date arithmetic of the figures and alerts.
EARLIEST_DAY = dt.date(2000, 1, 1)
DAYS_REVERSED = _l("The last day is before the first.")


@dataclass(slots=True)  # not frozen: a frozen init costs a third of a batch record's checks
class CollectionInput:
    recycling_point_id: int
    collected_on: dt.date
    category: WasteCategory
    weight_kg: int


# What a retry must repeat, of a record or a stored row: the same key with another body is a
# conflict. The stored row is its own body, so no hash of it is kept.
body_of = attrgetter("recycling_point_id", "collected_on", "category", "weight_kg")


class PostingRules:
    """The posting rules for one caller and one request, with the settings read once: a batch
    checks up to 1,000 records against them."""

    def __init__(self, user: User, today: dt.date | None = None):
        cfg = current_app.config
        self.max_weight_kg = cfg["COLLECTION_MAX_WEIGHT_KG"]
        self.backdate_days = cfg["COLLECTION_BACKDATE_DAYS"]
        self.today = today or local_today()
        self.any_age = user.role is Role.ADMIN  # administrators may post older corrections
        self.user = user
        self._may_post: dict[int, bool] = {}  # by point: a batch asks up to 1,000 times

    def check(self, data: dict, points: dict | None = None
              ) -> tuple[CollectionInput | None, dict[str, list[str]]]:
        """See :func:`check_collection`."""
        errors: dict[str, list[str]] = {}
        weight = data.get("weight_kg")
        if isinstance(weight, bool) or not isinstance(weight, int):
            errors["weight_kg"] = [_l("Enter the weight as a whole number of kilograms.")]
        elif not 1 <= weight <= self.max_weight_kg:
            errors["weight_kg"] = [_l("The weight must be from 1 to %(max)s kg for one record.",
                                      max=f"{self.max_weight_kg:,}")]
        category = _CATEGORIES.get(data.get("category"))
        if category is None:
            errors["category"] = [_l("Choose one of: %(values)s.", values=_CATEGORY_LIST)]
        day = data.get("collected_on")
        if not isinstance(day, dt.date):
            errors["collected_on"] = [_l("Enter the date collected (YYYY-MM-DD).")]
        elif day > self.today:
            errors["collected_on"] = [_l("The date is in the future (today is %(today)s in "
                                         "the city).", today=self.today.isoformat())]
        elif day < EARLIEST_DAY:
            errors["collected_on"] = [_l("Enter a date from %(day)s on.",
                                         day=EARLIEST_DAY.isoformat())]
        elif not self.within_window(day):
            errors["collected_on"] = [_l("Postings may go back at most %(n)s days; ask an "
                                         "administrator for older corrections.",
                                         n=self.backdate_days)]
        point_id = data.get("recycling_point_id")
        point = points.get(point_id) if points is not None else _point_row(point_id)
        if point is None:
            errors["recycling_point_id"] = [_l("No such recycling point.")]
        elif not point.active:
            errors["recycling_point_id"] = [_l("This recycling point is not active.")]
        elif not self.may_post_for(point):
            errors["recycling_point_id"] = [_l("You may post collections for your own point only.")]
        if errors:
            return None, errors
        return CollectionInput(point.id, day, category, weight), {}

    def within_window(self, day: dt.date) -> bool:
        """Whether this caller may post (or void) a record of ``day``: point staff within the
        back-dating window, administrators any day."""
        return self.any_age or (self.today - day).days <= self.backdate_days

    def may_post_for(self, point) -> bool:
        allowed = self._may_post.get(point.id)
        if allowed is None:
            allowed = self._may_post[point.id] = may_post_for(self.user, point)
        return allowed


_CATEGORIES = {c.value: c for c in WasteCategory}  # a member is its own value (StrEnum)
_CATEGORY_LIST = ", ".join(_CATEGORIES)


def check_collection(user: User, data: dict, points: dict | None = None,
                     today: dt.date | None = None
                     ) -> tuple[CollectionInput | None, dict[str, list[str]]]:
    """Validate one record; returns (input, {}) or (None, messages by field).

    ``data`` holds already-typed values (the API's schema or the page's form parsed them):
    recycling_point_id:int, collected_on:date, category:str, weight_kg:int. ``points`` maps
    ids to rows with ``id`` and ``active`` (a batch loads them at once).
    """
    return PostingRules(user, today).check(data, points)


_POINT_COLUMNS = select(RecyclingPoint.id, RecyclingPoint.active)
_POINT_ROW = _POINT_COLUMNS.where(RecyclingPoint.id == bindparam("point_id"))


def _point_row(point_id):
    """What the checks and the daily tonnage need of a point, without loading the object."""
    if not valid_id(point_id):
        return None
    return db.session.connection().execute(_POINT_ROW, {"point_id": point_id}).first()


def may_post_for(user: User, point) -> bool:
    """``point``: a RecyclingPoint or any row with its ``id``."""
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.POINT_STAFF:
        return user.recycling_point_id == point.id
    return False


def _require_poster(user: User) -> None:
    if user.role not in (Role.ADMIN, Role.POINT_STAFF):
        raise Forbidden(_l("Only recycling-point staff and administrators post collections."))


def _existing(user_id: int, key: str, record: CollectionInput) -> Collection:
    row = db.session.scalar(select(Collection).where(Collection.posted_by_id == user_id,
                                                     Collection.idempotency_key == key))
    if row is None:  # stored by a transaction that has since rolled back
        raise Conflict(_l("A concurrent posting with this key did not complete; send it again."))
    if body_of(row) != body_of(record):
        raise Conflict(_l("This idempotency key was used for a different collection."))
    return row


@retry_conflicts
def post_collection(user: User, data: dict, idempotency_key: str | None = None
                    ) -> tuple[Collection, bool]:
    """Store one collection; returns (record, created). A retry returns the first record, even
    when the posting would no longer pass the checks (the point deactivated since, or the
    back-dating window passed while a kiosk was offline): it was acknowledged once."""
    _require_poster(user)
    key = check_key(idempotency_key)
    record, errors = check_collection(user, data)
    if errors:
        if idempotency_key and (stored := _stored_under(user.id, key)) is not None:
            if body_of(stored) != _sent_body(data):  # the key is taken: that says more
                raise Conflict(_l("This idempotency key was used for a different collection."))
            return stored, False
        raise RuleViolation(errors)
    posted_at, user_id = utcnow(), user.id  # read before the commit expires the user
    # Insert first and let the unique key tell a retry: a new posting (the common case) is
    # one INSERT … RETURNING id, a retry or a lost race one SELECT more. The stored values are
    # known, so the answer is built from them (no second SELECT).
    row_id = store.store_new(user_id, posted_at, [(key, record)]).get(key)
    if row_id is None:  # the key is stored already: a retry, or a concurrent request won
        db.session.rollback()
        return _existing(user_id, key, record), False
    db.session.commit()
    row = Collection(id=row_id, recycling_point_id=record.recycling_point_id,
                     collected_on=record.collected_on, category=record.category,
                     weight_kg=record.weight_kg, posted_by_id=user_id, posted_at=posted_at,
                     idempotency_key=key, voided=False,
                     void_reason=None, voided_at=None, voided_by_id=None)
    _after_commit([row.collected_on])
    return row, True


def _stored_under(user_id: int, key: str) -> Collection | None:
    """The record this caller stored under ``key``, if any: a retry of an acknowledged posting
    is answered (or, with another body, a conflict), not judged again."""
    return db.session.scalar(select(Collection).where(Collection.posted_by_id == user_id,
                                                      Collection.idempotency_key == key))


def _after_commit(days) -> None:
    """Capacity alerts for the days a posting added to. The posting is stored and acknowledged
    whatever happens here: an error is logged (the scheduler checks again), never answered."""
    try:
        check_after_posting(days)
    except Exception:
        db.session.rollback()
        log.exception("capacity alert check after a posting failed; the scheduler checks again")


@dataclass(frozen=True)
class BatchOutcome:
    """What became of one batch record: its row id, and whether this batch stored it."""

    id: int
    idempotency_key: str
    collected_on: dt.date
    created: bool


@retry_conflicts
def post_batch(user: User, records: list[dict]) -> list[BatchOutcome]:
    """Store up to COLLECTION_BATCH_MAX records, each with its own ``idempotency_key``.

    All or nothing: any invalid record stores none, and the error lists messages by index
    (``{"records": {index: {field: [...]}}}``). Records whose key is already stored with the
    same body are answered, not stored again, so a batch sent twice counts once; a key
    stored with another body is a 409. A fresh batch is one INSERT statement.
    """
    _require_poster(user)
    limit = current_app.config["COLLECTION_BATCH_MAX"]
    if not records:
        raise RuleViolation({"records": [_l("Send at least one record.")]})
    if len(records) > limit:
        raise RuleViolation({"records": [_l("Send at most %(n)s records at once.",
                                             n=f"{limit:,}")]})
    point_ids = {r.get("recycling_point_id") for r in records
                 if valid_id(r.get("recycling_point_id"))}
    points = {p.id: p for p in db.session.execute(
        _POINT_COLUMNS.where(RecyclingPoint.id.in_(point_ids)))}
    errors: dict[int, dict] = {}
    checked: dict[int, tuple[str, CollectionInput]] = {}
    seen: dict[str, str] = {}
    rules = PostingRules(user)
    for index, data in enumerate(records):
        record, problems = rules.check(data, points)
        key = valid_key(data.get("idempotency_key"))
        if key is None:
            problems["idempotency_key"] = [_l("Each record needs an idempotency key of 1 to "
                                              "%(n)s characters.", n=MAX_KEY_LENGTH)]
        elif record is not None and seen.setdefault(key, body := body_of(record)) != body:
            problems["idempotency_key"] = [_l("The same key is used twice in this batch for "
                                           "different records.")]
        if problems:
            errors[index] = problems
        else:
            checked[index] = (key, record)
    if errors:  # records stored before under their key and body are answered, not judged
        for index, key, record in _stored_retries(user.id, records, errors):
            del errors[index]
            checked[index] = (key, record)
        if errors:
            raise RuleViolation({"records": {str(i): p for i, p in errors.items()}})
    outcomes = _store_batch(user, [checked[i] for i in sorted(checked)])
    _after_commit({o.collected_on for o in outcomes if o.created})
    return outcomes


def _sent_body(data: dict) -> tuple:
    """A posting's body as sent (typed, not yet checked), comparable with :data:`body_of`."""
    return (data.get("recycling_point_id"), data.get("collected_on"),
            _CATEGORIES.get(data.get("category")), data.get("weight_kg"))


def _stored_retries(user_id: int, records: list[dict], indexes):
    """(index, key, input) of the records at ``indexes`` that this caller stored before under
    the same key and body: a batch resent after the back-dating window passed, or after its
    point was deactivated, was acknowledged once and is answered again."""
    keys = {index: key.strip() for index in indexes
            if isinstance(key := records[index].get("idempotency_key"), str) and key.strip()}
    if not keys:
        return []
    stored = {row.idempotency_key: row for row in db.session.execute(
        select(Collection.idempotency_key, Collection.recycling_point_id,
               Collection.collected_on, Collection.category, Collection.weight_kg)
        .where(Collection.posted_by_id == user_id,
               Collection.idempotency_key.in_(set(keys.values()))))}
    return [(index, key, CollectionInput(*body_of(stored[key])))
            for index, key in keys.items()
            if key in stored and body_of(stored[key]) == _sent_body(records[index])]


def _store_batch(user: User, checked: list[tuple[str, CollectionInput]]) -> list[BatchOutcome]:
    """Insert every record whose key is new, then answer the others from the stored rows;
    in the common case (a fresh batch) that is one INSERT and no SELECT. A key sent twice
    (with the same body) is stored once, and answered as created once."""
    records = dict(checked)
    user_id = user.id
    ids = store.store_new(user_id, utcnow(), list(records.items()))
    stored_before = [key for key in records if key not in ids]
    if stored_before:  # a resent batch, or keys a concurrent posting stored first
        found = {row.idempotency_key: row for row in db.session.execute(
            select(Collection.idempotency_key, Collection.id, Collection.recycling_point_id,
                   Collection.collected_on, Collection.category, Collection.weight_kg)
            .where(Collection.posted_by_id == user_id,
                   Collection.idempotency_key.in_(stored_before)))}
        conflicts = [str(i) for i, (key, record) in enumerate(checked)
                     if key in found and body_of(found[key]) != body_of(record)]
        if conflicts:
            db.session.rollback()
            raise Conflict(_l("Idempotency keys reused with other bodies at records: %(records)s",
                              records=", ".join(conflicts)))
        if len(found) < len(stored_before):  # stored by a transaction since rolled back
            db.session.rollback()
            raise Conflict(_l("The batch collided with a concurrent posting; send it again."))
        ids.update((key, row.id) for key, row in found.items())
    new_keys = set(records).difference(stored_before)
    db.session.commit()
    outcomes = []
    for key, record in checked:
        outcomes.append(BatchOutcome(ids[key], key, record.collected_on, key in new_keys))
        new_keys.discard(key)  # a second copy in the batch was not stored again
    return outcomes


VOIDERS = (Role.ADMIN, Role.STREET_ADMIN, Role.POINT_STAFF)


def may_void(user: User, point) -> bool:
    """Who corrects a point's postings: administrators any point's, a street administrator the
    points of their own town or street, point staff their own point's. ``point``: a
    RecyclingPoint or any row with its ``id`` and ``township_id``."""
    if user.role is Role.STREET_ADMIN:
        return user.township_id == point.township_id
    return may_post_for(user, point)


@retry_conflicts
def void_collection(user: User, collection_id: int, reason: str) -> Collection:
    """Mark a record void with a reason: a correction never deletes (re-post the right one).

    Point staff void their own point's records within the back-dating window, as they post;
    street administrators the records of their town's or street's points, of any day (they
    check their street's figures after the staff's window has passed; every void keeps who,
    when and why, and the reports already made keep the figures they were made with);
    administrators any record. Outside the caller's points it is 403, as every write outside
    one's scope (``accounts/scope.py``); the pages read the record first, so they answer 404.

    The void is one conditional UPDATE (``WHERE NOT voided``): of two requests voiding one
    record at once, only the one whose UPDATE changed the row takes its weight out of the
    daily tonnage; the other is told it is void already (409)."""
    if user.role not in VOIDERS:
        raise Forbidden(_l("Your role may not void postings."))
    row = get_by_id(Collection, collection_id)
    if row is None:
        raise NotFound(_l("No such collection."))
    if not may_void(user, row.recycling_point):
        raise Forbidden(_l("You may void the postings of your own point or street only."))
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON_LENGTH or not reason.isprintable():
        raise RuleViolation({"reason": [_l("Give a reason of 1 to %(n)s characters.",
                                            n=MAX_REASON_LENGTH)]})
    if user.role is Role.POINT_STAFF:
        rules = PostingRules(user)
        if not rules.within_window(row.collected_on):
            raise RuleViolation({"collected_on": [_l(
                "Point staff may void records of the last %(n)s days only; ask an "
                "administrator for older corrections.", n=rules.backdate_days)]})
    voided = db.session.execute(
        update(Collection)
        .where(Collection.id == row.id, Collection.voided.is_(False))
        .values(voided=True, void_reason=reason, voided_at=utcnow(), voided_by_id=user.id)
        .returning(Collection.collected_on, Collection.recycling_point_id, Collection.category,
                   Collection.weight_kg)
        .execution_options(synchronize_session=False)).first()
    if voided is None:
        db.session.rollback()
        raise Conflict(_l("This collection is already void."))
    tonnage.subtract_voided(db.session.connection(), *voided)
    db.session.commit()
    return db.session.get(Collection, row.id, populate_existing=True)


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
        raise NotFound(_l("No such collection."))
    return row


def collections_query(user: User, *, recycling_point_id: int | None = None,
                      category: str | None = None, date_from: dt.date | None = None,
                      date_to: dt.date | None = None, voided: bool | None = None,
                      posted_by_id: int | None = None):
    """The visible collections, latest day first and within a day the latest posted (the
    order an index serves beside a filter by days: collections/paging.py), with optional
    filters: the point, the category, the local days from and to (inclusive), who posted,
    and void or not (None: both). Their totals:
    :func:`wastesort.metrics.collected.collection_totals`."""
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
    if posted_by_id is not None:
        stmt = stmt.where(Collection.posted_by_id == posted_by_id)
    return stmt.order_by(Collection.collected_on.desc(), Collection.id.desc())


def posters_query(user: User):
    """The users whose postings ``user`` may filter by, by name: the staff of the points the
    user reads (a street administrator's: of their town's or street's points) and the
    administrators, who post for any point."""
    staff = User.role == Role.POINT_STAFF
    if user.role is Role.POINT_STAFF:
        staff &= User.recycling_point_id == user.recycling_point_id
    elif not reads_everything(user):
        staff &= User.recycling_point_id.in_(
            select(RecyclingPoint.id).where(RecyclingPoint.township_id == user.township_id))
    return select(User).where(staff | (User.role == Role.ADMIN)).order_by(User.username)


def find_poster(user: User, username: str) -> User | None:
    """The poster named ``username`` among :func:`posters_query`'s, else None (a name outside
    the caller's scope is not told apart from one that does not exist)."""
    return db.session.scalar(posters_query(user).where(User.username == username))


def filters_by_poster_name(user: User, filters: dict) -> dict:
    """The page's ``filters`` with the poster's name (``poster``) as the ``posted_by_id`` the
    queries take; a RuleViolation on ``poster`` when none of that name posts within the
    caller's scope."""
    filters = dict(filters)
    name = filters.pop("poster", None)
    if name:
        poster = find_poster(user, name)
        if poster is None:
            raise RuleViolation({"poster": [_l("Nobody of that username posts here.")]})
        filters["posted_by_id"] = poster.id
    return filters
