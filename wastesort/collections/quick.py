"""The point staff's posting screen: a day's four streams in one batch, from a phone.

One weight box per category; the boxes that hold a weight go to :func:`.service.post_batch`
together, so all of them are stored or none. Each box carries the idempotency key the server
rendered into the page: the same form sent again (the resend after an answer lost on a poor
connection) is answered from the stored rows and counts once.

The other way to post twice is Back and send again: a page shown afresh has fresh keys. So
before storing, each box is compared with the point's postings of that day and category made in
the last NEAR_DUPLICATE_MINUTES, by anyone; a box of the same weight is stored only once the
person confirms it. That comparison is advice, not an integrity rule (no aggregate follows it):
two people sending the same weight in the same second are both stored, as on the one-record
form. The rows a resend of this very form stored are left out of it, so a replay is never taken
for a near duplicate, even when the first send commits between the two reads.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from ..accounts.models import Role, User
from ..enums import WasteCategory
from ..errors_domain import Conflict, Forbidden, RuleViolation
from ..extensions import db
from ..points.models import RecyclingPoint
from ..timeutil import utcnow
from .models import Collection
from .service import MAX_KEY_LENGTH, PostingRules, body_of, post_batch

POSTINGS_SHOWN = 50  # a point posts a handful a day; the collections page has them all
STAFF_ONLY = _l("This page is for recycling-point staff: others post on the Collections page.")


@dataclass(slots=True)
class Box:
    """One category's box as sent: the weight (None: left empty), the key rendered with it,
    and the weight the person confirmed to post although it repeats a recent posting."""

    category: WasteCategory
    weight_kg: int | None
    idempotency_key: str
    confirmed_kg: int | None = None
    unreadable: bool = False  # something was typed that is not a whole number (the form says)


@dataclass
class Answer:
    """What became of a posting of the boxes: stored (``saved`` now, ``replayed`` from an
    earlier send of the same form), or sent back with messages where they belong."""

    saved: list[tuple[WasteCategory, int]] = field(default_factory=list)
    replayed: list[tuple[WasteCategory, int]] = field(default_factory=list)
    box_errors: dict[WasteCategory, list] = field(default_factory=dict)
    day_errors: list = field(default_factory=list)
    form_errors: list = field(default_factory=list)
    # boxes that repeat a recent posting of the point: when that one was posted
    near_duplicates: dict[WasteCategory, dt.datetime] = field(default_factory=dict)
    # boxes whose key this poster used before for another weight or day: their new key
    new_keys: dict[WasteCategory, str] = field(default_factory=dict)

    @property
    def stored(self) -> bool:
        return bool(self.saved or self.replayed)


def post_boxes(user: User, day: dt.date | None, boxes: list[Box]) -> Answer:
    """Check the filled boxes of one day and post them as one batch for the user's own point.

    Sent back without storing anything: any message (by box, for the day, for the form), or a
    box that repeats a recent posting and is not confirmed."""
    if user.role is not Role.POINT_STAFF:
        raise Forbidden(STAFF_ONLY)
    answer = Answer()
    filled = [box for box in boxes if box.weight_kg is not None]
    unreadable = any(box.unreadable for box in boxes)
    if not filled:
        if not unreadable:
            answer.form_errors.append(_l("Enter the weight of at least one category."))
        return answer
    point_id = user.recycling_point_id
    records = [batch_record(point_id, day, box) for box in filled]
    stored = _stored_bodies(user.id, [r["idempotency_key"] for r in records])
    rules = PostingRules(user)
    points = {p.id: p for p in db.session.execute(
        select(RecyclingPoint.id, RecyclingPoint.active).where(RecyclingPoint.id == point_id))}
    fresh = []
    for box, record in zip(filled, records, strict=True):
        key = record["idempotency_key"]
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            answer.form_errors.append(_l("The form is incomplete; enter the weights again."))
            answer.new_keys[box.category] = new_key()
        elif key in stored:
            if body_of(stored[key]) != (point_id, day, box.category, box.weight_kg):
                answer.box_errors[box.category] = [_l(
                    "This box was saved already from this form: %(weight)s kg on %(day)s. "
                    "Send again to post the new figure as well.",
                    weight=f"{stored[key].weight_kg:,}", day=stored[key].collected_on)]
                answer.new_keys[box.category] = new_key()
            # else: a resend of this form, answered from the stored row
        else:
            _checked, problems = rules.check(record, points)
            for name, messages in problems.items():
                if name == "weight_kg":
                    answer.box_errors.setdefault(box.category, []).extend(messages)
                else:
                    into = answer.day_errors if name == "collected_on" else answer.form_errors
                    into.extend(m for m in messages if m not in into)
            if not problems:
                fresh.append(box)
    if day is not None and not answer.day_errors:
        answer.near_duplicates = near_duplicates(
            point_id, day, {b.category: b.weight_kg for b in fresh
                            if b.confirmed_kg != b.weight_kg},
            poster_id=user.id, own_keys=[r["idempotency_key"] for r in records])
    if (unreadable or answer.box_errors or answer.day_errors or answer.form_errors
            or answer.near_duplicates):
        return answer
    try:
        outcomes = post_batch(user, records)
    except RuleViolation as exc:  # changed since the checks above: the point deactivated
        db.session.rollback()
        _sort_batch_errors(answer, filled, exc.errors)
        return answer
    except Conflict as exc:  # the other copy of a concurrent send rolled back: send again
        db.session.rollback()
        answer.form_errors.append(exc.description)
        return answer
    for box, outcome in zip(filled, outcomes, strict=True):
        (answer.saved if outcome.created else answer.replayed).append(
            (box.category, box.weight_kg))
    return answer


def batch_record(point_id: int, day: dt.date | None, box: Box) -> dict:
    """A box as a record of :func:`.service.post_batch`."""
    key = box.idempotency_key.strip() if isinstance(box.idempotency_key, str) else ""
    return {"recycling_point_id": point_id, "collected_on": day,
            "category": box.category.value, "weight_kg": box.weight_kg,
            "idempotency_key": key}


def new_key() -> str:
    return uuid.uuid4().hex


def _stored_bodies(user_id: int, keys: list[str]) -> dict:
    """{key: stored row's body} of the rows this poster stored under ``keys``."""
    keys = [k for k in keys if k]
    if not keys:
        return {}
    rows = db.session.execute(
        select(Collection.idempotency_key, Collection.recycling_point_id,
               Collection.collected_on, Collection.category, Collection.weight_kg)
        .where(Collection.posted_by_id == user_id, Collection.idempotency_key.in_(keys)))
    return {row.idempotency_key: row for row in rows}


def _sort_batch_errors(answer: Answer, boxes: list[Box], errors: dict) -> None:
    """A batch's messages (by record index, then field) beside the boxes they concern."""
    by_index = errors.get("records")
    if not isinstance(by_index, dict):
        answer.form_errors.extend(by_index or [])
        return
    for index, problems in by_index.items():
        for name, messages in problems.items():
            if name == "weight_kg":
                answer.box_errors.setdefault(boxes[int(index)].category, []).extend(messages)
            else:
                into = answer.day_errors if name == "collected_on" else answer.form_errors
                into.extend(m for m in messages if m not in into)


def near_duplicates(point_id: int, day: dt.date, weights: dict[WasteCategory, int], *,
                    poster_id: int, own_keys: list[str],
                    now: dt.datetime | None = None) -> dict[WasteCategory, dt.datetime]:
    """{category: when it was last posted} for the ``weights`` that repeat a posting (not void)
    of the point, day and category made in the last NEAR_DUPLICATE_MINUTES, by anyone; the
    rows stored under ``own_keys`` by this poster (a resend of the same form) do not count.

    One SELECT on the index (recycling_point_id, collected_on): a point's postings of one day.
    """
    minutes = current_app.config["NEAR_DUPLICATE_MINUTES"]
    if not minutes or not weights:
        return {}
    since = (now or utcnow()) - dt.timedelta(minutes=minutes)
    own = and_(Collection.posted_by_id == poster_id,
               Collection.idempotency_key.in_([k for k in own_keys if k]))
    rows = db.session.execute(
        select(Collection.category, func.max(Collection.posted_at))
        .where(Collection.recycling_point_id == point_id, Collection.collected_on == day,
               Collection.posted_at >= since, Collection.voided.is_(False),
               or_(*(and_(Collection.category == category, Collection.weight_kg == weight_kg)
                     for category, weight_kg in weights.items())),
               or_(Collection.posted_by_id.is_(None), ~own))
        .group_by(Collection.category))
    return {WasteCategory(category): posted_at for category, posted_at in rows}


def day_totals_kg(point_id: int, day: dt.date) -> dict[WasteCategory, int]:
    """kg per category the point collected on ``day`` (void records left out), summed in SQL
    over the point's postings of that day (the index (recycling_point_id, collected_on))."""
    totals = dict.fromkeys(WasteCategory, 0)
    rows = db.session.execute(
        select(Collection.category, func.sum(Collection.weight_kg))
        .where(Collection.recycling_point_id == point_id, Collection.collected_on == day,
               Collection.voided.is_(False))
        .group_by(Collection.category))
    totals.update({WasteCategory(category): int(kg) for category, kg in rows})
    return totals


def day_postings(point_id: int, day: dt.date, limit: int = POSTINGS_SHOWN) -> list:
    """The point's postings of ``day``, latest first, with who posted each: (collection,
    username or None)."""
    return db.session.execute(
        select(Collection, User.username)
        .outerjoin(User, User.id == Collection.posted_by_id)
        .where(Collection.recycling_point_id == point_id, Collection.collected_on == day)
        .order_by(Collection.id.desc()).limit(limit)).all()
