"""Reporting a bin problem: the report opens the bin's task for that kind, or joins the task
already open, in one transaction the database decides.

The task is found or made by ``INSERT … ON CONFLICT (bin, kind) WHERE status IN ('open',
'acknowledged') DO NOTHING RETURNING id`` against the partial unique index; when it returns
nothing, the open task is read under a row lock (PostgreSQL ``FOR UPDATE``; SQLite holds its
one write lock from the start). Two reports of one problem at once thus make one task and two
reports; a report racing the task's resolution either joins it before it ends (the resolution
waits for the lock) or, reading it ended, opens a new one.

Idempotent as collections: a report's key is unique per reporter. The same key and body answer
the report stored the first time (``created`` False); the same key with another body is a 409.
A photo is written to the store before the transaction and removed again if no row keeps it.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import storage
from ..accounts.models import Role, User
from ..areas.models import Community
from ..bins.models import BinStatus, SortingBin
from ..errors_domain import Conflict, Forbidden, NotFound, RuleViolation
from ..extensions import db
from ..idempotency import check_key
from ..inspections.models import Inspection
from ..inspections.service import visible_inspections
from ..locking import hold_write_lock, retry_conflicts
from ..rules import valid_id
from ..timeutil import utcnow
from .models import ACTIVE, ACTIVE_SQL, BinProblemKind, BinProblemReport, BinTask
from .service import MAX_NOTE_LENGTH, _text, due_hours, get_task, may_report

REPORTERS = (Role.ADMIN, Role.STREET_ADMIN, Role.INSPECTOR, Role.POINT_STAFF)
KEY_REUSED = _l("This idempotency key was used for a different report.")


@dataclass(frozen=True)
class Outcome:
    report: BinProblemReport
    created: bool  # stored by this request (False: a retry, answered with the first)
    joined: bool  # the problem had an open task already, which this report joined


@dataclass(frozen=True)
class _Checked:
    bin_id: int
    township_id: int
    kind: BinProblemKind
    note: str | None
    inspection_id: int | None
    photo: bytes | None
    sha256: str | None

    @property
    def body(self) -> tuple:
        return (self.bin_id, self.kind, self.note, self.inspection_id, self.sha256)


def _body_of(report: BinProblemReport) -> tuple:
    return (report.task.sorting_bin_id, report.task.kind, report.note, report.inspection_id,
            report.photo_sha256)


def _stored(user_id: int, key: str) -> BinProblemReport | None:
    return db.session.scalar(select(BinProblemReport).where(
        BinProblemReport.reported_by_id == user_id, BinProblemReport.idempotency_key == key))


def _find_bin(errors: dict, data: dict) -> tuple | None:
    """(bin id, community id, township id, status) of the bin named by ``sorting_bin_id`` or
    by ``serial``, else a message on that field."""
    bin_id, serial = data.get("sorting_bin_id"), data.get("serial")
    columns = select(SortingBin.id, SortingBin.community_id, Community.township_id,
                     SortingBin.status).join(Community)
    if bin_id is not None:
        row = db.session.execute(columns.where(SortingBin.id == bin_id)).first() \
            if valid_id(bin_id) else None
        if row is None:
            errors["sorting_bin_id"] = [_l("No such bin.")]
        return row
    if isinstance(serial, str) and serial.strip():
        serial = serial.strip()
        row = db.session.execute(columns.where(SortingBin.serial == serial)).first() \
            if len(serial) <= 32 else None
        if row is None:
            errors["serial"] = [_l("No bin has the serial number %(serial)s.",
                                   serial=serial[:32])]
        return row
    errors["serial" if "serial" in data else "sorting_bin_id"] = [
        _l("Give the bin: its serial number, or choose it.")]
    return None


def _inspection(user: User, errors: dict, inspection_id, community_id: int | None):
    """The inspection the report was made at: one the reporter may read, of the bin's
    community, not void."""
    if inspection_id is None:
        return None
    row = None
    if valid_id(inspection_id) and user.role is not Role.POINT_STAFF:
        row = db.session.scalar(visible_inspections(user).where(Inspection.id == inspection_id))
    if row is None:
        errors["inspection_id"] = [_l("No such inspection.")]
    elif community_id is not None and row.community_id != community_id:
        errors["inspection_id"] = [_l("This inspection was of another community than the "
                                      "bin's.")]
    elif row.voided:
        errors["inspection_id"] = [_l("This inspection is void.")]
    return inspection_id


def check_report(user: User, data: dict, photo_field: str
                 ) -> tuple[_Checked | None, dict, bool, tuple]:
    """(checked report or None, messages by field, outside the caller's scope, the body as
    sent: what a retry under a stored key is compared with)."""
    errors: dict = {}
    found = _find_bin(errors, data)
    kind = data.get("kind")
    try:
        kind = BinProblemKind(kind)
    except ValueError:
        errors["kind"] = [_l("Choose one of: %(values)s.", values=", ".join(BinProblemKind))]
    note = _text(errors, "note", data.get("note"), MAX_NOTE_LENGTH, required=False)
    photo, sha256 = data.get("photo") or None, None
    if photo is not None:
        sha256 = hashlib.sha256(photo).hexdigest()
        try:
            storage.check_photo(photo, photo_field)
        except RuleViolation as refused:
            errors.update(refused.errors)
    outside = False
    if found is not None:
        bin_id, community_id, township_id, status = found
        outside = not may_report(user, community_id, township_id)
        if BinStatus(status) is BinStatus.REMOVED:
            errors["serial" if data.get("sorting_bin_id") is None else "sorting_bin_id"] = [
                _l("This bin has been removed.")]
    inspection_id = _inspection(user, errors, data.get("inspection_id"),
                                found[1] if found else None)
    sent = (found[0] if found else None, kind, note, inspection_id, sha256)
    if errors or outside:
        return None, errors, outside, sent
    return _Checked(found[0], found[2], kind, note, inspection_id, photo, sha256), {}, False, \
        sent


def _answer(stored: BinProblemReport, body: tuple) -> Outcome:
    if _body_of(stored) != body:
        raise Conflict(KEY_REUSED)
    return Outcome(stored, False, False)


@retry_conflicts
def report_problem(user: User, data: dict, idempotency_key: str | None = None, *,
                   photo_field: str = "photo_base64") -> Outcome:
    """Report a bin as full, damaged, dirty or missing: ``sorting_bin_id`` or ``serial``,
    ``kind``, optional ``note``, ``inspection_id`` and ``photo`` (bytes; its messages go on
    ``photo_field``). Opens the bin's task for that kind or joins the one open."""
    if user.role not in REPORTERS:
        raise Forbidden(_l("Your role does not report bin problems."))
    key = check_key(idempotency_key)
    user_id = user.id
    checked, errors, outside, sent = check_report(user, data, photo_field)
    stored = _stored(user_id, key) if idempotency_key else None
    if stored is not None:  # acknowledged once: answered, even if it would fail the checks now
        return _answer(stored, sent)
    if outside:
        raise Forbidden(_l("You may report the bins of your own town or street (point staff: "
                           "of their point's community) only."))
    if checked is None:
        raise RuleViolation(errors)
    kept = storage.store_photo(checked.photo, photo_field) if checked.photo else None
    try:
        outcome = _store(user_id, key, checked, kept)
    except BaseException:
        db.session.rollback()
        if kept is not None:
            storage.delete_photo(kept.storage_name)
        raise
    if kept is not None and not outcome.created:
        storage.delete_photo(kept.storage_name)  # the first request's photo is kept
    return outcome


def _store(user_id: int, key: str, checked: _Checked, kept) -> Outcome:
    hold_write_lock()  # SQLite: one writer from here to the commit
    now = utcnow()
    task_id, joined = _open_or_join(checked, user_id, now)
    connection = db.session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    photo = {} if kept is None else {
        "photo_storage_name": kept.storage_name, "photo_content_type": kept.content_type,
        "photo_size_bytes": kept.size_bytes, "photo_sha256": kept.sha256}
    report_id = connection.execute(
        insert(BinProblemReport).values(
            task_id=task_id, reported_by_id=user_id, reported_at=now, note=checked.note,
            inspection_id=checked.inspection_id, idempotency_key=key, **photo)
        .on_conflict_do_nothing(index_elements=["reported_by_id", "idempotency_key"])
        .returning(BinProblemReport.id)).scalar()
    if report_id is None:  # the same key stored by a concurrent request: answer as a retry
        db.session.rollback()
        stored = _stored(user_id, key)
        if stored is None:
            raise Conflict(_l("A concurrent report with this key did not complete; send it "
                              "again."))
        return _answer(stored, checked.body)
    db.session.commit()
    return Outcome(db.session.get(BinProblemReport, report_id), True, joined)


def _open_or_join(checked: _Checked, user_id: int, now: dt.datetime) -> tuple[int, bool]:
    """(task id, joined): a new task for the bin and kind, or the open one under a lock."""
    connection = db.session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    for _attempt in range(3):
        task_id = connection.execute(
            insert(BinTask).values(
                sorting_bin_id=checked.bin_id, township_id=checked.township_id,
                kind=checked.kind, status="open", opened_at=now,
                due_at=now + dt.timedelta(hours=due_hours(checked.kind)),
                opened_by_id=user_id, bin_taken_out_of_service=False, bin_removed=False)
            .on_conflict_do_nothing(index_elements=["sorting_bin_id", "kind"],
                                    index_where=text(ACTIVE_SQL))
            .returning(BinTask.id)).scalar()
        if task_id is not None:
            return task_id, False
        task_id = connection.execute(
            select(BinTask.id).where(BinTask.sorting_bin_id == checked.bin_id,
                                     BinTask.kind == checked.kind, BinTask.status.in_(ACTIVE))
            .with_for_update()).scalar()
        if task_id is not None:
            return task_id, True
    raise Conflict(_l("The bin's task changed while the report was saved; send it again."))


def report_photo(user: User, task_id: int, report_id: int):
    """A report's photo as an answer, for readers of its task (404 for anyone else)."""
    task = get_task(user, task_id)
    report = db.session.get(BinProblemReport, report_id) if valid_id(report_id) else None
    if report is None or report.task_id != task.id or report.photo_storage_name is None:
        raise NotFound(_l("No such photo."))
    return storage.photo_response(report.photo_storage_name, report.photo_content_type,
                                  f"bin-task-{task.id}-report-{report.id}")
