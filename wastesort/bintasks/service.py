"""Who may see and handle bin tasks, the lists, and a task's steps (acknowledge, resolve,
reject): the rules the API and the pages share. Reports are :mod:`.reporting`'s.

Who: administrators everywhere; a street administrator handles (acknowledges, resolves,
rejects) the tasks of their own town or street; inspectors and street administrators read and
report in their own town or street; point staff read and report the bins of their point's
community (of their point's town or street when the point has no community); managers read
every task. Reading outside one's scope is 404, writing outside it 403.

Each step is one conditional UPDATE (``WHERE status IN (…)``): of two administrators resolving
one task at once, the one whose UPDATE changed the row wins and the other is told what became
of the task (409). The task is read under a row lock first, so a step's time is taken after
any report that joined the task before it (a report holds the same lock while it joins).
The bin's status follows in the same transaction (docs/integrity.md):

- acknowledging a damaged or missing bin takes it out of service (in service → damaged), and
  the task remembers that it did;
- resolving a damaged or missing bin puts it back in service (repaired or replaced), unless
  the administrator says it was taken away (→ removed), or another acknowledged damaged or
  missing task of that bin still holds it out;
- rejecting gives the bin back to service only if this task took it out (same proviso).
"""

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..accounts.models import Role, User
from ..accounts.scope import TOWNSHIP_ROLES, reads_everything
from ..areas.models import Community, Township
from ..bins.models import BinStatus, SortingBin
from ..errors_domain import Conflict, Forbidden, NotFound, RuleViolation
from ..extensions import db
from ..locking import locked, retry_conflicts
from ..points.models import RecyclingPoint
from ..rules import get_by_id, valid_id
from ..timeutil import utcnow
from .labels import ENDED_ALREADY
from .models import (
    ACTIVE,
    OUT_OF_SERVICE,
    BinProblemKind,
    BinProblemReport,
    BinTask,
    BinTaskStatus,
)

MAX_NOTE_LENGTH = 500
MAX_REASON_LENGTH = 200
HANDLERS = (Role.ADMIN, Role.STREET_ADMIN)
NO_SUCH_TASK = _l("No such bin task.")


def due_hours(kind: BinProblemKind) -> float:
    """Hours a task of ``kind`` is due in (``BIN_TASK_DUE_HOURS``)."""
    return current_app.config["BIN_TASK_DUE_HOURS"][kind.value]


def staff_place(user: User) -> tuple[int | None, int | None]:
    """(community id, township id) of a point staff member's recycling point."""
    row = db.session.execute(select(RecyclingPoint.community_id, RecyclingPoint.township_id)
                             .where(RecyclingPoint.id == user.recycling_point_id)).first()
    return (row[0], row[1]) if row else (None, None)


def may_report(user: User, community_id: int, township_id: int) -> bool:
    """Whether ``user`` may report the bins of this community (of this town or street)."""
    if user.role is Role.ADMIN:
        return True
    if user.role in TOWNSHIP_ROLES:
        return user.township_id == township_id
    if user.role is Role.POINT_STAFF:
        own_community, own_township = staff_place(user)
        return community_id == own_community if own_community is not None \
            else township_id == own_township
    return False


def may_handle(user: User, township_id: int) -> bool:
    """Whether ``user`` acknowledges, resolves and rejects the tasks of this town or street."""
    return user.role is Role.ADMIN or (user.role is Role.STREET_ADMIN
                                       and user.township_id == township_id)


def visible_tasks(user: User):
    """A SELECT of the tasks ``user`` may read (403 for roles that read none)."""
    stmt = select(BinTask)
    if reads_everything(user):
        return stmt
    if user.role in TOWNSHIP_ROLES:
        return stmt.where(BinTask.township_id == user.township_id)
    if user.role is Role.POINT_STAFF:
        community_id, township_id = staff_place(user)
        if community_id is None:
            return stmt.where(BinTask.township_id == township_id)
        return stmt.where(BinTask.sorting_bin_id.in_(
            select(SortingBin.id).where(SortingBin.community_id == community_id)))
    raise Forbidden(_l("Your role cannot see bin tasks."))


def overdue_condition(now: dt.datetime):
    """Open or acknowledged past the due time: escalated, by the clock alone."""
    return and_(BinTask.status.in_(ACTIVE), BinTask.due_at < now)


def tasks_query(user: User, *, status: str | None = None, active: bool | None = None,
                overdue: bool | None = None, kind: str | None = None,
                sorting_bin_id: int | None = None, community_id: int | None = None,
                township_id: int | None = None, district_id: int | None = None,
                now: dt.datetime | None = None):
    """The visible tasks with optional filters, by due time (the most overdue first)."""
    now = now or utcnow()
    stmt = visible_tasks(user)
    if status is not None:
        stmt = stmt.where(BinTask.status == BinTaskStatus(status))
    if active is not None:
        stmt = stmt.where(BinTask.status.in_(ACTIVE) if active
                          else BinTask.status.not_in(ACTIVE))
    if overdue is not None:
        condition = overdue_condition(now)
        stmt = stmt.where(condition if overdue else ~condition)
    if kind is not None:
        stmt = stmt.where(BinTask.kind == BinProblemKind(kind))
    if sorting_bin_id is not None:
        stmt = stmt.where(BinTask.sorting_bin_id == sorting_bin_id)
    if community_id is not None:
        stmt = stmt.where(BinTask.sorting_bin_id.in_(
            select(SortingBin.id).where(SortingBin.community_id == community_id)))
    if township_id is not None:
        stmt = stmt.where(BinTask.township_id == township_id)
    if district_id is not None:
        stmt = stmt.where(BinTask.township_id.in_(
            select(Township.id).where(Township.district_id == district_id)))
    return stmt.order_by(BinTask.due_at, BinTask.id)


def with_places(stmt):
    """``stmt`` with each task's bin, community, town or street loaded (lists and pages)."""
    return stmt.options(
        joinedload(BinTask.sorting_bin).joinedload(SortingBin.community),
        joinedload(BinTask.township).joinedload(Township.district))


def get_task(user: User, task_id: int, *, with_reports: bool = False) -> BinTask:
    """One visible task (404 otherwise)."""
    stmt = with_places(visible_tasks(user).where(BinTask.id == task_id))
    if with_reports:
        stmt = stmt.options(selectinload(BinTask.reports))
    row = db.session.scalar(stmt) if valid_id(task_id) else None
    if row is None:
        raise NotFound(NO_SUCH_TASK)
    return row


def _handled(user: User, task_id: int) -> BinTask:
    """The task, for a step by ``user``: 404 if there is none, 403 outside their town or
    street (or for a role that handles none). Then read again under a lock held to the
    commit, so the step's time is taken after any report that joined the task before it."""
    row = get_by_id(BinTask, task_id)
    if row is None:
        raise NotFound(NO_SUCH_TASK)
    if not may_handle(user, row.township_id):
        raise Forbidden(_l("Only the administrator of the bin's town or street deals with its "
                           "tasks."))
    return locked(BinTask, row.id)


def _text(errors: dict, field: str, value, limit: int, *, required: bool) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_l("Enter text.")]
        return None
    value = value.strip()
    if required and not value:
        errors[field] = [_l("Give a reason of 1 to %(n)s characters.", n=limit)]
    elif len(value) > limit:
        errors[field] = [_l("At most %(n)s characters.", n=limit)]
    elif not value.isprintable():
        errors[field] = [_l("Use printable characters only (no control characters).")]
    return value or None


def _lost(task_id: int) -> Conflict:
    """The answer to a step whose conditional UPDATE changed nothing: what the task is now."""
    db.session.rollback()
    status = db.session.scalar(select(BinTask.status).where(BinTask.id == task_id))
    return Conflict(ENDED_ALREADY.get(status, NO_SUCH_TASK))


def _step(task_id: int, from_statuses, values: dict):
    """The conditional UPDATE of one step; the row's (bin, kind, bin taken out) as it is
    after the UPDATE, or None when another step came first."""
    return db.session.execute(
        update(BinTask).where(BinTask.id == task_id, BinTask.status.in_(from_statuses))
        .values(**values)
        .returning(BinTask.sorting_bin_id, BinTask.kind, BinTask.bin_taken_out_of_service)
        .execution_options(synchronize_session=False)).first()


def _back_in_service(bin_id: int, task_id: int) -> None:
    """A bin out of service (damaged) goes back in service, unless another acknowledged
    damaged or missing task of it still holds it out."""
    other = aliased(BinTask)
    db.session.execute(
        update(SortingBin).where(
            SortingBin.id == bin_id, SortingBin.status == BinStatus.DAMAGED,
            ~exists().where(other.sorting_bin_id == bin_id, other.id != task_id,
                            other.status == BinTaskStatus.ACKNOWLEDGED,
                            other.kind.in_(OUT_OF_SERVICE)))
        .values(status=BinStatus.IN_SERVICE).execution_options(synchronize_session=False))


def _done(task_id: int) -> BinTask:
    db.session.commit()
    return db.session.get(BinTask, task_id, populate_existing=True)


@retry_conflicts
def acknowledge(user: User, task_id: int) -> BinTask:
    """The administrator has seen the problem and is on it. A damaged or missing bin goes out
    of service (counted no more by coverage) until the task ends."""
    row = _handled(user, task_id)
    task_id = row.id
    stepped = _step(task_id, [BinTaskStatus.OPEN], {
        "status": BinTaskStatus.ACKNOWLEDGED, "acknowledged_at": utcnow(),
        "acknowledged_by_id": user.id})
    if stepped is None:
        raise _lost(task_id)
    bin_id, kind, _taken = stepped
    if BinProblemKind(kind) in OUT_OF_SERVICE:
        taken = db.session.execute(
            update(SortingBin).where(SortingBin.id == bin_id,
                                     SortingBin.status == BinStatus.IN_SERVICE)
            .values(status=BinStatus.DAMAGED).execution_options(synchronize_session=False))
        if taken.rowcount:
            db.session.execute(update(BinTask).where(BinTask.id == task_id)
                               .values(bin_taken_out_of_service=True)
                               .execution_options(synchronize_session=False))
    return _done(task_id)


def _closing(user: User, row: BinTask) -> dict:
    now = utcnow()
    minutes = max(0, int((now - row.opened_at).total_seconds() // 60))
    return {"closed_at": now, "closed_by_id": user.id, "minutes_to_close": minutes}


@retry_conflicts
def resolve(user: User, task_id: int, note: str | None = None,
            bin_removed: bool = False) -> BinTask:
    """The problem is dealt with (emptied, cleaned, repaired, replaced). A damaged or missing
    bin goes back in service, or with ``bin_removed`` off the registry (removed)."""
    row = _handled(user, task_id)
    errors: dict = {}
    note = _text(errors, "note", note, MAX_NOTE_LENGTH, required=False)
    if not isinstance(bin_removed, bool):
        errors["bin_removed"] = [_l("Enter true or false.")]
    elif bin_removed and row.kind not in OUT_OF_SERVICE:
        errors["bin_removed"] = [_l("Only a damaged or missing bin is taken away.")]
    if errors:
        raise RuleViolation(errors)
    task_id = row.id
    stepped = _step(task_id, ACTIVE, {"status": BinTaskStatus.RESOLVED, "resolution_note": note,
                                      "bin_removed": bin_removed, **_closing(user, row)})
    if stepped is None:
        raise _lost(task_id)
    bin_id, kind, _taken = stepped
    if bin_removed:
        db.session.execute(update(SortingBin).where(SortingBin.id == bin_id)
                           .values(status=BinStatus.REMOVED)
                           .execution_options(synchronize_session=False))
    elif BinProblemKind(kind) in OUT_OF_SERVICE:
        _back_in_service(bin_id, task_id)
    return _done(task_id)


@retry_conflicts
def reject(user: User, task_id: int, reason: str | None) -> BinTask:
    """The report was wrong (the bin is fine, or the problem was someone else's): ended with a
    reason. A bin this task took out of service goes back in."""
    row = _handled(user, task_id)
    errors: dict = {}
    reason = _text(errors, "reason", reason, MAX_REASON_LENGTH, required=True)
    if errors:
        raise RuleViolation(errors)
    task_id = row.id
    stepped = _step(task_id, ACTIVE, {"status": BinTaskStatus.REJECTED, "reject_reason": reason,
                                      **_closing(user, row)})
    if stepped is None:
        raise _lost(task_id)
    bin_id, _kind, taken = stepped
    if taken:
        _back_in_service(bin_id, task_id)
    return _done(task_id)


def users_named(ids) -> dict[int, str]:
    """{user id: username} of the people a page names (who reported, acknowledged, closed)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def reportable_communities(user: User) -> list[Community]:
    """The communities whose bins ``user`` may report, by name (the report form's choice)."""
    stmt = select(Community).options(joinedload(Community.township)).order_by(Community.name,
                                                                              Community.id)
    if user.role is Role.ADMIN:
        return []  # a whole city's communities: administrators type a serial number
    if user.role in TOWNSHIP_ROLES:
        return list(db.session.scalars(stmt.where(Community.township_id == user.township_id)))
    if user.role is Role.POINT_STAFF:
        community_id, township_id = staff_place(user)
        condition = Community.id == community_id if community_id is not None \
            else Community.township_id == township_id
        return list(db.session.scalars(stmt.where(condition)))
    return []


def bins_of(community_id: int) -> list[SortingBin]:
    """A community's bins that can be reported (not removed), by category and serial."""
    return list(db.session.scalars(
        select(SortingBin).where(SortingBin.community_id == community_id,
                                 SortingBin.status != BinStatus.REMOVED)
        .order_by(SortingBin.category, SortingBin.serial)))


def reports_of(task_id: int) -> list[BinProblemReport]:
    return list(db.session.scalars(select(BinProblemReport)
                                   .where(BinProblemReport.task_id == task_id)
                                   .order_by(BinProblemReport.id)))
