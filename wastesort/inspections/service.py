"""Posting, batching, voiding and reading inspections: the rules the API and the pages share.

Who: administrators inspect anywhere; inspectors and street administrators in the communities
of their own town or street (elsewhere: 403). Managers read every inspection, inspectors and
street administrators those of their town or street (others: 404), point staff none.

Idempotency as for collections (wastesort/collections/service.py): every inspection has a
key, unique per poster; the same key with the same body answers the inspection stored the
first time, with another body a 409. The unique index decides races: a posting is one
``INSERT … ON CONFLICT DO NOTHING RETURNING``, and only the rows it returns are added to the
daily tally, in the same transaction. A void is one conditional UPDATE, and only the request
whose UPDATE changed the row takes it out of the tally (docs/integrity.md).
"""

import datetime as dt
from dataclasses import dataclass, fields
from operator import attrgetter

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..accounts.models import Role, User
from ..accounts.scope import reads_everything
from ..areas.models import Community, Township
from ..bins.models import BinStatus, SortingBin
from ..errors_domain import Conflict, Forbidden, NotFound, RuleViolation
from ..extensions import db
from ..idempotency import MAX_KEY_LENGTH, check_key, valid_key
from ..locking import retry_conflicts
from ..points.models import RecyclingPoint
from ..rules import get_by_id, valid_id
from ..timeutil import city_zone, utcnow
from . import tally
from .models import CONTAMINATED, COUNTS, Inspection

MAX_REASON_LENGTH = 200
MAX_NOTES_LENGTH = 500
# Any one count of one visit: far above what an inspector sees in a morning, far below what
# would overflow the sums of a year in the tally.
MAX_COUNT = 100_000
EARLIEST_DAY = dt.date(2000, 1, 1)  # as collections: earlier is a typing slip
CLOCK_SKEW = dt.timedelta(minutes=5)  # a phone's clock a little ahead of the server's
POSTERS = (Role.ADMIN, Role.STREET_ADMIN, Role.INSPECTOR)


@dataclass(slots=True)
class InspectionInput:
    community_id: int
    recycling_point_id: int | None
    sorting_bin_id: int | None
    inspected_at: dt.datetime
    households_seen: int
    households_sorted: int
    items_inspected: int
    items_correct: int
    contaminated_recyclable: int
    contaminated_hazardous: int
    contaminated_kitchen: int
    contaminated_residual: int
    notes: str | None
    inspected_on: dt.date  # inspected_at's day in the city: derived, not sent


SENT = tuple(f.name for f in fields(InspectionInput))[:-1]  # the fields a client sends
# What a retry must repeat, of a record or a stored row: the same key with another body is a
# conflict. Times compare as instants (+08:00 and UTC alike).
body_of = attrgetter(*SENT)


class InspectionRules:
    """The posting rules for one caller and one request, with the settings read once (a batch
    checks up to INSPECTION_BATCH_MAX records against them). Places outside the caller's town
    or street are collected in :attr:`outside` (a 403 for the request), not as field errors."""

    def __init__(self, user: User, now: dt.datetime | None = None):
        self.user = user
        self.now = now or utcnow()
        self.today = self.now.astimezone(city_zone()).date()
        self.backdate_days = current_app.config["INSPECTION_BACKDATE_DAYS"]
        self.any_age = user.role is Role.ADMIN  # administrators may post older corrections
        self.outside: list[int] = []  # indexes of records outside the caller's scope

    def check(self, data: dict, places: "Places", index: int = 0
              ) -> tuple[InspectionInput | None, dict[str, list]]:
        """Validate one record of already-typed values (the API's schema or a page's form
        parsed them); returns (input, {}) or (None, messages by field)."""
        errors: dict[str, list] = {}
        counts = {name: self._count(errors, data, name) for name in COUNTS}
        if None not in (counts["households_seen"], counts["households_sorted"]) and \
                counts["households_sorted"] > counts["households_seen"]:
            errors["households_sorted"] = [_l("More households sorted than were seen (%(n)s).",
                                              n=counts["households_seen"])]
        if None not in (counts["items_inspected"], counts["items_correct"]) and \
                counts["items_correct"] > counts["items_inspected"]:
            errors["items_correct"] = [_l("More bags or bins sorted correctly than were "
                                          "inspected (%(n)s).", n=counts["items_inspected"])]
        elif None not in counts.values():
            wrong = counts["items_inspected"] - counts["items_correct"]
            contaminated = sum(counts[name] for name in CONTAMINATED.values())
            if contaminated > wrong:
                for name in CONTAMINATED.values():
                    if counts[name]:
                        errors[name] = [_l("The contaminated bags and bins add up to "
                                           "%(total)s, but only %(wrong)s were not sorted "
                                           "correctly.", total=contaminated, wrong=wrong)]
        at, day = self._when(errors, data.get("inspected_at"))
        notes = self._notes(errors, data.get("notes"))
        community_id, point_id, bin_id = self._place(errors, data, places, index)
        if errors:
            return None, errors
        return InspectionInput(community_id, point_id, bin_id, at, **counts, notes=notes,
                               inspected_on=day), {}

    def within_window(self, day: dt.date) -> bool:
        """Whether this caller may post (or void) an inspection of ``day``."""
        return self.any_age or day >= self.today - dt.timedelta(days=self.backdate_days)

    @staticmethod
    def _count(errors: dict, data: dict, name: str) -> int | None:
        value = data.get(name, 0 if name in CONTAMINATED.values() else None)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            errors[name] = [_l("Enter a whole number from 0 to %(max)s.", max=f"{MAX_COUNT:,}")]
            return None
        return value

    def _when(self, errors: dict, at) -> tuple[dt.datetime | None, dt.date | None]:
        if not isinstance(at, dt.datetime) or at.tzinfo is None:
            errors["inspected_at"] = [_l("Enter the time of the inspection with its offset "
                                         "(2026-11-30T09:30:00+08:00).")]
            return None, None
        try:
            day = at.astimezone(city_zone()).date()
            at = at.astimezone(dt.UTC)
        except OverflowError:  # a time at the very end of the calendar (or its start)
            errors["inspected_at"] = [_l("The time is in the future.") if at.year > 2000 else
                                      _l("Enter a date from %(day)s on.",
                                         day=EARLIEST_DAY.isoformat())]
            return None, None
        if at > self.now + CLOCK_SKEW:
            errors["inspected_at"] = [_l("The time is in the future.")]
        elif day < EARLIEST_DAY:
            errors["inspected_at"] = [_l("Enter a date from %(day)s on.",
                                         day=EARLIEST_DAY.isoformat())]
        elif not self.within_window(day):
            errors["inspected_at"] = [_l("Inspections may be posted at most %(n)s days late; "
                                         "ask an administrator for older ones.",
                                         n=self.backdate_days)]
        return at, day

    @staticmethod
    def _notes(errors: dict, notes) -> str | None:
        if notes is None:
            return None
        if not isinstance(notes, str):
            errors["notes"] = [_l("Enter text.")]
            return None
        notes = notes.strip()
        if len(notes) > MAX_NOTES_LENGTH:
            errors["notes"] = [_l("At most %(n)s characters.", n=MAX_NOTES_LENGTH)]
        elif not notes.isprintable():
            errors["notes"] = [_l("Use printable characters only (no control characters).")]
        return notes or None

    def _place(self, errors: dict, data: dict, places: "Places", index: int):
        community_id = data.get("community_id")
        township_id = places.communities.get(community_id)
        if township_id is None:
            errors["community_id"] = [_l("No such community.")]
        elif not may_inspect_in(self.user, township_id):
            self.outside.append(index)
        point_id, bin_id = data.get("recycling_point_id"), data.get("sorting_bin_id")
        if point_id is not None and bin_id is not None:
            errors["sorting_bin_id"] = [_l("Give a recycling point or a bin, not both.")]
        elif point_id is not None:
            point = places.points.get(point_id)
            if point is None:
                errors["recycling_point_id"] = [_l("No such recycling point.")]
            elif point.community_id != community_id:
                errors["recycling_point_id"] = [_l("This recycling point is not in the "
                                                   "community inspected.")]
            elif not point.active:
                errors["recycling_point_id"] = [_l("This recycling point is not active.")]
        elif bin_id is not None:
            row = places.bins.get(bin_id)
            if row is None:
                errors["sorting_bin_id"] = [_l("No such bin.")]
            elif row.community_id != community_id:
                errors["sorting_bin_id"] = [_l("This bin is not in the community inspected.")]
            elif row.status is BinStatus.REMOVED:
                errors["sorting_bin_id"] = [_l("This bin has been removed.")]
        return community_id, point_id, bin_id


class Places:
    """The communities (their town or street), points and bins a request names, loaded at
    once: a batch would otherwise ask three times per record."""

    def __init__(self, records: list[dict]):
        def ids(name):
            return {r.get(name) for r in records if valid_id(r.get(name))}

        session = db.session
        self.communities = dict(session.execute(
            select(Community.id, Community.township_id)
            .where(Community.id.in_(ids("community_id")))).all())
        self.points = {row.id: row for row in session.execute(
            select(RecyclingPoint.id, RecyclingPoint.community_id, RecyclingPoint.active)
            .where(RecyclingPoint.id.in_(ids("recycling_point_id"))))}
        self.bins = {row.id: row for row in session.execute(
            select(SortingBin.id, SortingBin.community_id, SortingBin.status)
            .where(SortingBin.id.in_(ids("sorting_bin_id"))))}


def may_inspect_in(user: User, township_id: int) -> bool:
    """Whether ``user`` may post (and change) inspections in this town or street."""
    if user.role is Role.ADMIN:
        return True
    return user.role in (Role.STREET_ADMIN, Role.INSPECTOR) and user.township_id == township_id


def _require_poster(user: User) -> None:
    if user.role not in POSTERS:
        raise Forbidden(_l("Only inspectors, street administrators and administrators post "
                           "inspections."))


def _outside(indexes: list[int], batch: bool) -> Forbidden:
    if batch:
        return Forbidden(_l("You may inspect the communities of your own town or street only "
                            "(records %(records)s).", records=", ".join(map(str, indexes))))
    return Forbidden(_l("You may inspect the communities of your own town or street only."))


def _sent_body(data: dict) -> tuple:
    """A posting's body as sent (typed, not yet checked), comparable with :data:`body_of`."""
    notes = data.get("notes")
    if isinstance(notes, str):
        notes = notes.strip() or None
    return tuple(notes if name == "notes" else data.get(
        name, 0 if name in CONTAMINATED.values() else None) for name in SENT)


def _stored(user_id: int, keys) -> dict[str, Inspection]:
    return {row.idempotency_key: row for row in db.session.scalars(
        select(Inspection).where(Inspection.inspector_id == user_id,
                                 Inspection.idempotency_key.in_(list(keys))))}


@retry_conflicts
def post_inspection(user: User, data: dict, idempotency_key: str | None = None
                    ) -> tuple[Inspection, bool]:
    """Store one inspection; returns (inspection, created). A retry returns the first one,
    even when the posting would no longer pass the checks (the back-dating window passed
    while the phone was offline): it was acknowledged once."""
    _require_poster(user)
    key = check_key(idempotency_key)
    rules = InspectionRules(user)
    record, errors = rules.check(data, Places([data]))
    if errors or rules.outside:
        stored = _stored(user.id, [key]).get(key) if idempotency_key else None
        if stored is not None:
            if body_of(stored) != _sent_body(data):  # the key is taken: that says more
                raise Conflict(_l("This idempotency key was used for a different inspection."))
            return stored, False
        if rules.outside:
            raise _outside(rules.outside, batch=False)
        raise RuleViolation(errors)
    user_id = user.id  # read before the commit expires the user
    ids = _store(user_id, [(key, record)])
    if key not in ids:  # stored already: a retry, or a concurrent request won
        db.session.rollback()
        stored = _stored(user_id, [key]).get(key)
        if stored is None:  # stored by a transaction that has since rolled back
            raise Conflict(_l("A concurrent posting with this key did not complete; send it "
                              "again."))
        if body_of(stored) != body_of(record):
            raise Conflict(_l("This idempotency key was used for a different inspection."))
        return stored, False
    db.session.commit()
    return db.session.get(Inspection, ids[key]), True


def _store(user_id: int, records: list[tuple[str, InspectionInput]]) -> dict[str, int]:
    """Insert checked records ``[(key, input)]`` whose key this user has not stored, and add
    them to the daily tally, in the caller's transaction; returns {key: id} of those stored
    now. Keys in one order, so concurrent batches never wait on each other in a cycle."""
    records = sorted(records, key=lambda item: item[0])
    posted_at = utcnow()
    rows = [{"idempotency_key": key, "inspector_id": user_id, "posted_at": posted_at,
             "voided": False, **{name: getattr(record, name) for name in (*SENT, "inspected_on")}}
            for key, record in records]
    connection = db.session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    stored = dict(connection.execute(
        insert(Inspection).values(rows)
        .on_conflict_do_nothing(index_elements=["inspector_id", "idempotency_key"])
        .returning(Inspection.idempotency_key, Inspection.id)).all())
    tally.add(connection, tally.deltas_of(record for key, record in records if key in stored))
    return stored


@dataclass(frozen=True)
class BatchOutcome:
    """What became of one batch record: its row id, and whether this batch stored it."""

    id: int
    idempotency_key: str
    created: bool


@retry_conflicts
def post_batch(user: User, records: list[dict]) -> list[BatchOutcome]:
    """Store up to INSPECTION_BATCH_MAX inspections (an inspector's day posted when the phone
    is back online), each with its own ``idempotency_key``.

    All or nothing: any invalid record stores none, and the error lists messages by index
    (``{"records": {index: {field: [...]}}}``); a record outside the caller's town or street
    makes the batch a 403 naming the records. Records stored before under their key and body
    are answered, not stored again (a batch sent twice counts once); a key stored with another
    body is a 409."""
    _require_poster(user)
    limit = current_app.config["INSPECTION_BATCH_MAX"]
    if not records:
        raise RuleViolation({"records": [_l("Send at least one record.")]})
    if len(records) > limit:
        raise RuleViolation({"records": [_l("Send at most %(n)s records at once.", n=limit)]})
    rules, places = InspectionRules(user), Places(records)
    user_id = user.id
    sent_keys = [r.get("idempotency_key").strip() if isinstance(r.get("idempotency_key"), str)
                 else "" for r in records]
    stored = _stored(user_id, {k for k in sent_keys if k})
    errors: dict[str, dict] = {}
    checked: list[tuple[str, InspectionInput | Inspection]] = []
    seen: dict[str, tuple] = {}
    for index, (data, key) in enumerate(zip(records, sent_keys, strict=True)):
        if valid_key(key) is None:
            errors[str(index)] = {"idempotency_key": [_l(
                "Each record needs an idempotency key of 1 to %(n)s characters.",
                n=MAX_KEY_LENGTH)]}
            continue
        if seen.setdefault(key, _sent_body(data)) != _sent_body(data):
            errors[str(index)] = {"idempotency_key": [_l(
                "The same key is used twice in this batch for different records.")]}
            continue
        if key in stored:  # acknowledged once: answered, not judged again
            if body_of(stored[key]) != _sent_body(data):
                raise Conflict(_l("Idempotency keys reused with other bodies at records: "
                                  "%(records)s", records=index))
            checked.append((key, stored[key]))
            continue
        outside = len(rules.outside)
        record, problems = rules.check(data, places, index)
        if problems:
            errors[str(index)] = problems
        elif len(rules.outside) == outside:
            checked.append((key, record))
    if rules.outside:
        raise _outside(rules.outside, batch=True)
    if errors:
        raise RuleViolation({"records": errors})
    new = {key: record for key, record in checked if isinstance(record, InspectionInput)}
    ids = _store(user_id, list(new.items())) if new else {}
    if len(ids) < len(new):  # a concurrent posting stored some of these keys first
        stored.update(_concurrent(user_id, new, ids))
    db.session.commit()
    outcomes, answered = [], set()
    for key, _record in checked:
        created = key in ids and key not in answered
        answered.add(key)
        outcomes.append(BatchOutcome(ids[key] if key in ids else stored[key].id, key, created))
    return outcomes


def _concurrent(user_id: int, new: dict, ids: dict) -> dict[str, Inspection]:
    """The rows a concurrent posting stored under keys of this batch (its INSERT waited for
    them): answered as retries when their bodies match, else the batch is a 409."""
    keys = [key for key in new if key not in ids]
    found = _stored(user_id, keys)
    conflicts = [key for key in keys if key in found and body_of(found[key]) != body_of(new[key])]
    if conflicts or len(found) < len(keys):
        db.session.rollback()
        if conflicts:
            raise Conflict(_l("Idempotency keys reused with other bodies at records: "
                              "%(records)s", records=", ".join(conflicts)))
        raise Conflict(_l("The batch collided with a concurrent posting; send it again."))
    return found


def may_void(user: User, row: Inspection, township_id: int) -> bool:
    """Administrators void any inspection, street administrators those of their town or
    street, inspectors their own."""
    if user.role is Role.INSPECTOR:
        return row.inspector_id == user.id and may_inspect_in(user, township_id)
    return may_inspect_in(user, township_id)


@retry_conflicts
def void_inspection(user: User, inspection_id: int, reason: str) -> Inspection:
    """Mark an inspection void with a reason (a correction: post the right one afterwards).
    One conditional UPDATE (``WHERE NOT voided``): of two requests voiding one inspection at
    once, only the one whose UPDATE changed the row takes it out of the tally; the other is
    told it is void already (409)."""
    _require_poster(user)
    row = get_by_id(Inspection, inspection_id)
    if row is None:
        raise NotFound(_l("No such inspection."))
    if not may_void(user, row, row.community.township_id):
        raise Forbidden(_l("You may void your own inspections, or those of your own town or "
                           "street as its administrator."))
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON_LENGTH or not reason.isprintable():
        raise RuleViolation({"reason": [_l("Give a reason of 1 to %(n)s characters.",
                                            n=MAX_REASON_LENGTH)]})
    rules = InspectionRules(user)
    if not rules.within_window(row.inspected_on):
        raise RuleViolation({"inspected_at": [_l(
            "Inspections of the last %(n)s days only may be voided; ask an administrator for "
            "older corrections.", n=rules.backdate_days)]})
    voided = db.session.execute(
        update(Inspection)
        .where(Inspection.id == row.id, Inspection.voided.is_(False))
        .values(voided=True, void_reason=reason, voided_at=utcnow(), voided_by_id=user.id)
        .returning(Inspection.inspected_on, Inspection.community_id,
                   *(getattr(Inspection, name) for name in COUNTS))
        .execution_options(synchronize_session=False)).first()
    if voided is None:
        db.session.rollback()
        raise Conflict(_l("This inspection is already void."))
    tally.add(db.session.connection(), tally.deltas_of([voided], -1))
    db.session.commit()
    return db.session.get(Inspection, row.id, populate_existing=True)


def visible_inspections(user: User):
    """A SELECT of the inspections ``user`` may read (403 for roles that read none)."""
    stmt = select(Inspection)
    if reads_everything(user):
        return stmt
    if user.role in (Role.STREET_ADMIN, Role.INSPECTOR):
        return stmt.join(Community, Inspection.community_id == Community.id) \
            .where(Community.township_id == user.township_id)
    raise Forbidden(_l("Your role cannot see inspections."))


def get_inspection(user: User, inspection_id: int) -> Inspection:
    row = db.session.scalar(visible_inspections(user).where(Inspection.id == inspection_id)) \
        if valid_id(inspection_id) else None
    if row is None:
        raise NotFound(_l("No such inspection."))
    return row


def inspections_query(user: User, *, community_id: int | None = None,
                      township_id: int | None = None, district_id: int | None = None,
                      inspector_id: int | None = None, recycling_point_id: int | None = None,
                      sorting_bin_id: int | None = None, date_from: dt.date | None = None,
                      date_to: dt.date | None = None, voided: bool | None = None):
    """The visible inspections, newest first (by id), with optional filters (dates are the
    local ``inspected_on``)."""
    stmt = visible_inspections(user)
    if community_id is not None:
        stmt = stmt.where(Inspection.community_id == community_id)
    if township_id is not None or district_id is not None:
        communities = select(Community.id).join(Township)
        if township_id is not None:
            communities = communities.where(Community.township_id == township_id)
        if district_id is not None:
            communities = communities.where(Township.district_id == district_id)
        stmt = stmt.where(Inspection.community_id.in_(communities))
    for column, value in ((Inspection.inspector_id, inspector_id),
                          (Inspection.recycling_point_id, recycling_point_id),
                          (Inspection.sorting_bin_id, sorting_bin_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if date_from is not None:
        stmt = stmt.where(Inspection.inspected_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(Inspection.inspected_on <= date_to)
    if voided is not None:
        stmt = stmt.where(Inspection.voided.is_(voided))
    return stmt.order_by(Inspection.id.desc())
