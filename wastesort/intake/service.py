"""Posting, batching, voiding and reading weighbridge tickets: the rules the API, the pages and
the import share.

Who: a facility operator posts, voids and reads the tickets of their own facility; an
administrator those of any facility (and of any age); a manager reads every facility's.
Reading outside one's scope is "not found" (404), writing is "forbidden" (403), as everywhere
(accounts/scope.py).

Idempotency: a ticket's key is its facility's own ticket number. The same number with the same
body answers the ticket stored the first time (200), with another body a conflict (409); the
unique index decides races between requests and processes.
"""

import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass
from operator import attrgetter

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..accounts.models import Role, User
from ..areas.models import Township
from ..enums import WasteCategory
from ..errors_domain import Conflict, Forbidden, NotFound, RuleViolation
from ..extensions import db
from ..facilities.models import TreatmentFacility
from ..locking import retry_conflicts
from ..rules import get_by_id, valid_id
from ..timeutil import city_zone, utcnow
from . import aggregate, store
from .models import WeighbridgeTicket

log = logging.getLogger(__name__)

MAX_NUMBER_LENGTH = 40
MAX_PLATE_LENGTH = 16
MAX_REASON_LENGTH = 200
EARLIEST_DAY = dt.date(2000, 1, 1)  # as collections: earlier is a typing slip
# A weighbridge's clock may run a little ahead of ours; a ticket further ahead is a slip.
CLOCK_SKEW = dt.timedelta(minutes=10)
POSTERS = (Role.ADMIN, Role.FACILITY_OPERATOR)
READERS = (Role.ADMIN, Role.MANAGER, Role.FACILITY_OPERATOR)
STREAMS = {c.value: c for c in WasteCategory}
STREAM_LIST = ", ".join(STREAMS)


def number_reused(number: str):
    return _l("Ticket number %(number)s of this facility was stored with other values.",
              number=number)


@dataclass(slots=True)
class TicketInput:
    treatment_facility_id: int
    ticket_number: str
    arrived_at: dt.datetime  # aware, UTC, whole seconds
    arrived_on: dt.date  # its day in the city
    stream: WasteCategory
    net_weight_kg: int
    township_id: int | None
    vehicle_plate: str | None


# What a retry must repeat, of an input or a stored ticket.
body_of = attrgetter("treatment_facility_id", "ticket_number", "arrived_at", "stream",
                     "net_weight_kg", "township_id", "vehicle_plate")


def as_city_instant(moment: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime:
    """A time as weighbridges write it (on the city's clock, ``zone``, when it carries no
    offset), as an aware UTC instant to the second (weighbridges weigh to the second: a retry
    that sends fractions another way is still the same ticket)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or city_zone())
    if moment.microsecond:
        moment = moment.replace(microsecond=0)
    return moment.astimezone(dt.UTC)


def clean_plate(value) -> str | None:
    """A plate as typed, trimmed, full-width letters and digits made plain and Latin letters
    upper case (渝a·12345 and 渝Ａ·12345 are one plate); None when blank."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    return text or None


class TicketRules:
    """The posting rules for one caller and one request, settings and look-ups read once: a
    batch or an import checks thousands of tickets against them."""

    def __init__(self, user: User, now: dt.datetime | None = None):
        cfg = current_app.config
        self.user = user
        self.max_weight_kg = cfg["INTAKE_MAX_WEIGHT_KG"]
        self.backdate_days = cfg["INTAKE_BACKDATE_DAYS"]
        self.now = now or utcnow()
        self.today = self.now.astimezone(city_zone()).date()
        self.zone = city_zone()
        self.any_age = user.role is Role.ADMIN
        self._facilities: dict[int, bool] = {}  # id: exists
        self._townships: dict[int, bool] = {}

    def check(self, data: dict) -> tuple[TicketInput | None, dict[str, list]]:
        """One ticket of already-typed values: treatment_facility_id:int (an operator's own
        when absent), ticket_number:str, arrived_at:datetime (naive: city time), stream:str,
        net_weight_kg:int, township_id:int|None, vehicle_plate:str|None. Returns
        (input, {}) or (None, messages by field)."""
        errors: dict[str, list] = {}
        facility_id = self.facility_of(data, errors)
        number = data.get("ticket_number")
        number = number.strip() if isinstance(number, str) else ""
        if not number or len(number) > MAX_NUMBER_LENGTH or not number.isprintable():
            errors["ticket_number"] = [_l("Enter the facility's ticket number (1 to %(n)s "
                                          "characters).", n=MAX_NUMBER_LENGTH)]
        arrived_at = data.get("arrived_at")
        arrived_on = None
        if not isinstance(arrived_at, dt.datetime) or not EARLIEST_DAY.year <= arrived_at.year \
                <= 9998:  # (years outside overflow the conversions; none is a real ticket)
            errors["arrived_at"] = [_l("Enter the arrival time (YYYY-MM-DD HH:MM, city time).")]
        else:
            naive = arrived_at.tzinfo is None
            arrived_at = as_city_instant(arrived_at, self.zone)
            # a time on the city's clock is on its day already (no conversion: a batch has
            # a thousand of them)
            arrived_on = data["arrived_at"].date() if naive else \
                arrived_at.astimezone(self.zone).date()
            if arrived_at > self.now + CLOCK_SKEW:
                errors["arrived_at"] = [_l("The arrival time is in the future.")]
            elif arrived_on < EARLIEST_DAY:
                errors["arrived_at"] = [_l("Enter a date from %(day)s on.",
                                           day=EARLIEST_DAY.isoformat())]
            elif not self.within_window(arrived_on):
                errors["arrived_at"] = [_l("Tickets may go back at most %(n)s days; ask an "
                                           "administrator for older corrections.",
                                           n=self.backdate_days)]
        stream = data.get("stream")
        stream = STREAMS.get(stream) if isinstance(stream, str) else None
        if stream is None:
            errors["stream"] = [_l("Choose one of: %(values)s.", values=STREAM_LIST)]
        weight = data.get("net_weight_kg")
        if isinstance(weight, bool) or not isinstance(weight, int):
            errors["net_weight_kg"] = [_l("Enter the net weight as a whole number of "
                                          "kilograms.")]
        elif not 1 <= weight <= self.max_weight_kg:
            errors["net_weight_kg"] = [_l("The net weight must be from 1 to %(max)s kg.",
                                          max=f"{self.max_weight_kg:,}")]
        township_id = data.get("township_id")
        if township_id is not None and not self._exists(self._townships, Township,
                                                        township_id):
            errors["township_id"] = [_l("No such town or street.")]
        plate = clean_plate(data.get("vehicle_plate"))
        if plate is not None and (len(plate) > MAX_PLATE_LENGTH or not plate.isprintable()):
            errors["vehicle_plate"] = [_l("A plate has at most %(n)s characters.",
                                          n=MAX_PLATE_LENGTH)]
        if errors:
            return None, errors
        return TicketInput(facility_id, number, arrived_at, arrived_on, stream, weight,
                           township_id, plate), {}

    def facility_of(self, data: dict, errors: dict) -> int | None:
        facility_id = data.get("treatment_facility_id")
        if self.user.role is Role.FACILITY_OPERATOR:
            if facility_id is None:
                return self.user.treatment_facility_id
            if facility_id != self.user.treatment_facility_id:
                errors["treatment_facility_id"] = [_l("You may post the tickets of your own "
                                                      "facility only.")]
            return facility_id
        if facility_id is None:
            errors["treatment_facility_id"] = [_l("Choose the facility.")]
        elif not self._exists(self._facilities, TreatmentFacility, facility_id):
            errors["treatment_facility_id"] = [_l("No such facility.")]
        return facility_id

    def within_window(self, day: dt.date) -> bool:
        """Whether this caller may post (or void) a ticket of ``day``: operators within
        INTAKE_BACKDATE_DAYS (a month's export imported at its end), administrators any."""
        return self.any_age or (self.today - day).days <= self.backdate_days

    @staticmethod
    def _exists(cache: dict, model, row_id) -> bool:
        if not valid_id(row_id):
            return False
        found = cache.get(row_id)
        if found is None:
            found = cache[row_id] = db.session.get(model, row_id) is not None
        return found


def require_poster(user: User) -> None:
    if user.role not in POSTERS:
        raise Forbidden(_l("Only facility operators and administrators post weighbridge "
                           "tickets."))


def _stored(facility_id, number) -> WeighbridgeTicket | None:
    if not valid_id(facility_id) or not isinstance(number, str):
        return None
    return db.session.scalar(select(WeighbridgeTicket).where(
        WeighbridgeTicket.treatment_facility_id == facility_id,
        WeighbridgeTicket.ticket_number == number.strip()))


def _sent_body(rules: TicketRules, data: dict) -> tuple:
    """A ticket's body as sent (typed, not yet checked), comparable with :data:`body_of`."""
    arrived = data.get("arrived_at")
    if isinstance(arrived, dt.datetime) and EARLIEST_DAY.year <= arrived.year <= 9998:
        arrived = as_city_instant(arrived, rules.zone)
    return (rules.facility_of(data, {}), (data.get("ticket_number") or "").strip(), arrived,
            STREAMS.get(str(data.get("stream"))), data.get("net_weight_kg"),
            data.get("township_id"),
            clean_plate(data.get("vehicle_plate")))


@retry_conflicts
def post_ticket(user: User, data: dict) -> tuple[WeighbridgeTicket, bool]:
    """Store one ticket; returns (ticket, created). A retry returns the first ticket, even when
    it would no longer pass the checks (the back-dating window passed meanwhile)."""
    require_poster(user)
    rules = TicketRules(user)
    ticket, errors = rules.check(data)
    if errors:
        stored = _stored(rules.facility_of(data, {}), data.get("ticket_number"))
        if stored is not None and "treatment_facility_id" not in errors:
            if body_of(stored) != _sent_body(rules, data):
                raise Conflict(number_reused(stored.ticket_number))
            return stored, False
        raise RuleViolation(errors)
    user_id, posted_at = user.id, utcnow()
    key = (ticket.treatment_facility_id, ticket.ticket_number)
    row_id = store.store_new(user_id, posted_at, [ticket]).get(key)
    if row_id is None:  # stored before, or a concurrent request won
        db.session.rollback()
        stored = _stored(*key)
        if stored is None:
            raise Conflict(_l("A concurrent posting of this ticket did not complete; send it "
                              "again."))
        if body_of(stored) != body_of(ticket):
            raise Conflict(number_reused(ticket.ticket_number))
        return stored, False
    db.session.commit()
    after_commit([ticket.arrived_on])
    return db.session.get(WeighbridgeTicket, row_id), True


def after_commit(days) -> None:
    """Facility alerts for the days a posting added to. The tickets are stored whatever
    happens here: an error is logged (the scheduler checks again), never answered."""
    from .alerts import check_after_posting

    try:
        check_after_posting(days)
    except Exception:
        db.session.rollback()
        log.exception("facility alert check after a posting failed; the scheduler checks again")


@dataclass(frozen=True)
class BatchOutcome:
    id: int
    ticket_number: str
    arrived_on: dt.date
    created: bool


def check_batch(user: User, records: list[dict], limit: int | None
                ) -> tuple[list[TicketInput], dict[int, dict]]:
    """Check every record; returns (inputs in record order, {index: messages by field}). A
    number twice in the batch with different bodies is an error on the second; with the same
    body it is one ticket."""
    require_poster(user)
    if not records:
        raise RuleViolation({"records": [_l("Send at least one ticket.")]})
    if limit is not None and len(records) > limit:
        raise RuleViolation({"records": [_l("Send at most %(n)s tickets at once.",
                                            n=f"{limit:,}")]})
    rules = TicketRules(user)
    errors: dict[int, dict] = {}
    checked: list[TicketInput] = []
    seen: dict[tuple, tuple] = {}
    for index, data in enumerate(records):
        ticket, problems = rules.check(data)
        if ticket is not None:
            key = (ticket.treatment_facility_id, ticket.ticket_number)
            if seen.setdefault(key, body := body_of(ticket)) != body:
                problems = {"ticket_number": [_l("The same ticket number is used twice in "
                                                 "this batch for different tickets.")]}
        if problems:
            errors[index] = problems
        else:
            checked.append(ticket)
    return checked, errors


@retry_conflicts
def post_batch(user: User, records: list[dict]) -> list[BatchOutcome]:
    """Store up to INTAKE_BATCH_MAX tickets, all or nothing: any invalid ticket stores none,
    and the error lists messages by index (``{"records": {index: {field: [...]}}}``).
    Tickets whose number is stored with the same body are answered, not stored again (a
    batch sent twice counts once); another body is a 409."""
    checked, errors = check_batch(user, records, current_app.config["INTAKE_BATCH_MAX"])
    if errors:
        raise RuleViolation({"records": {str(i): p for i, p in errors.items()}})
    outcomes = store_checked(user, checked)
    after_commit({o.arrived_on for o in outcomes if o.created})
    return outcomes


def store_checked(user: User, checked: list[TicketInput]) -> list[BatchOutcome]:
    """Insert every ticket whose number is new, answer the others from the stored rows, and
    commit; a stored number with another body rolls everything back (409)."""
    unique = {(t.treatment_facility_id, t.ticket_number): t for t in checked}
    ids = store.store_new(user.id, utcnow(), list(unique.values()))
    before = [key for key in unique if key not in ids]
    if before:
        found = _stored_bodies(before)
        conflicts = [str(i) for i, t in enumerate(checked)
                     if (k := (t.treatment_facility_id, t.ticket_number)) in found
                     and found[k][1:] != body_of(t)]
        if conflicts:
            db.session.rollback()
            raise Conflict(_l("Ticket numbers stored before with other values, at records: "
                              "%(records)s", records=", ".join(conflicts[:50])))
        if len(found) < len(before):
            db.session.rollback()
            raise Conflict(_l("The batch collided with a concurrent posting; send it again."))
        ids.update((key, row[0]) for key, row in found.items())
    new = set(ids).difference(before)
    db.session.commit()
    outcomes = []
    for t in checked:
        key = (t.treatment_facility_id, t.ticket_number)
        outcomes.append(BatchOutcome(ids[key], t.ticket_number, t.arrived_on, key in new))
        new.discard(key)
    return outcomes


_BODY_COLUMNS = (WeighbridgeTicket.id, WeighbridgeTicket.treatment_facility_id,
                 WeighbridgeTicket.ticket_number, WeighbridgeTicket.arrived_at,
                 WeighbridgeTicket.stream, WeighbridgeTicket.net_weight_kg,
                 WeighbridgeTicket.township_id, WeighbridgeTicket.vehicle_plate)
LOOKUP_CHUNK = 500


def _stored_bodies(keys) -> dict[tuple, tuple]:
    """{(facility, number): (id, *body)} of stored tickets, 500 numbers a query."""
    by_facility: dict[int, list[str]] = {}
    for facility_id, number in keys:
        by_facility.setdefault(facility_id, []).append(number)
    found = {}
    for facility_id, numbers in by_facility.items():
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            for row in db.session.execute(select(*_BODY_COLUMNS).where(
                    WeighbridgeTicket.treatment_facility_id == facility_id,
                    WeighbridgeTicket.ticket_number.in_(numbers[start:start + LOOKUP_CHUNK]))):
                found[row[1], row[2]] = tuple(row)
    return found


def stored_bodies(keys) -> dict[tuple, tuple]:
    """{(facility, number): body} of the tickets stored under these keys (the import tells
    tickets it would add from tickets already stored)."""
    return {key: row[1:] for key, row in _stored_bodies(keys).items()}


# --------------------------------------------------------------------------- void

@retry_conflicts
def void_ticket(user: User, ticket_id: int, reason: str) -> WeighbridgeTicket:
    """Mark a ticket void with a reason: a correction never deletes (post the right one under
    a new number). Operators void their facility's tickets within INTAKE_BACKDATE_DAYS,
    administrators any. One conditional UPDATE (``WHERE NOT voided``): of two requests voiding
    one ticket at once only the one whose UPDATE changed the row takes its weight out of the
    daily intake; the other is told it is void already (409)."""
    require_poster(user)
    row = get_by_id(WeighbridgeTicket, ticket_id)
    if row is None or not _reads(user, row.treatment_facility_id):
        raise NotFound(_l("No such ticket."))
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON_LENGTH or not reason.isprintable():
        raise RuleViolation({"reason": [_l("Give a reason of 1 to %(n)s characters.",
                                           n=MAX_REASON_LENGTH)]})
    rules = TicketRules(user)
    if not rules.within_window(row.arrived_on):
        raise RuleViolation({"arrived_at": [_l(
            "Operators may void tickets of the last %(n)s days only; ask an administrator for "
            "older corrections.", n=rules.backdate_days)]})
    voided = db.session.execute(
        update(WeighbridgeTicket)
        .where(WeighbridgeTicket.id == row.id, WeighbridgeTicket.voided.is_(False))
        .values(voided=True, void_reason=reason, voided_at=utcnow(), voided_by_id=user.id)
        .returning(WeighbridgeTicket.arrived_on, WeighbridgeTicket.treatment_facility_id,
                   WeighbridgeTicket.stream, WeighbridgeTicket.net_weight_kg)
        .execution_options(synchronize_session=False)).first()
    if voided is None:
        db.session.rollback()
        raise Conflict(_l("This ticket is already void."))
    day, facility_id, stream, weight_kg = voided
    key = (day, facility_id, str(stream))
    aggregate.add_weights(db.session.connection(), {key: -weight_kg}, {key: -1})
    db.session.commit()
    return db.session.get(WeighbridgeTicket, row.id, populate_existing=True)


# --------------------------------------------------------------------------- reading

def _reads(user: User, facility_id: int) -> bool:
    if user.role in (Role.ADMIN, Role.MANAGER):
        return True
    return user.role is Role.FACILITY_OPERATOR and user.treatment_facility_id == facility_id


def facility_scope(user: User) -> int | None:
    """The facility ``user`` is limited to (None: every facility); 403 for roles that read no
    tickets."""
    if user.role not in READERS:
        raise Forbidden(_l("Your role cannot see weighbridge tickets."))
    return user.treatment_facility_id if user.role is Role.FACILITY_OPERATOR else None


def tickets_query(user: User, *, treatment_facility_id: int | None = None,
                  date_from: dt.date | None = None, date_to: dt.date | None = None,
                  stream: str | None = None, voided: bool | None = None,
                  township_id: int | None = None):
    """The tickets ``user`` reads, newest first (by id), with optional filters: the facility,
    the local days of arrival from and to (inclusive), the stream, the town or street, and
    void or not (None: both)."""
    stmt = select(WeighbridgeTicket)
    scope = facility_scope(user)
    if scope is not None:
        stmt = stmt.where(WeighbridgeTicket.treatment_facility_id == scope)
    if treatment_facility_id is not None:
        stmt = stmt.where(WeighbridgeTicket.treatment_facility_id == treatment_facility_id)
    if date_from is not None:
        stmt = stmt.where(WeighbridgeTicket.arrived_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(WeighbridgeTicket.arrived_on <= date_to)
    if stream is not None:
        stmt = stmt.where(WeighbridgeTicket.stream == WasteCategory(stream))
    if township_id is not None:
        stmt = stmt.where(WeighbridgeTicket.township_id == township_id)
    if voided is not None:
        stmt = stmt.where(WeighbridgeTicket.voided.is_(voided))
    return stmt.order_by(WeighbridgeTicket.id.desc())


def get_ticket(user: User, ticket_id: int) -> WeighbridgeTicket:
    row = db.session.scalar(tickets_query(user).where(WeighbridgeTicket.id == ticket_id)) \
        if valid_id(ticket_id) else None
    if row is None:
        raise NotFound(_l("No such ticket."))
    return row


def readable_facility(user: User, facility_id: int | None = None) -> TreatmentFacility:
    """The facility whose tickets ``user`` works with: an operator's own; for others the one
    named (404 when none)."""
    scope = facility_scope(user)
    if scope is not None and facility_id not in (None, scope):
        raise NotFound(_l("No such facility."))
    facility = get_by_id(TreatmentFacility, scope if scope is not None else facility_id)
    if facility is None:
        raise NotFound(_l("No such facility."))
    return facility
