"""Demo bin problems: the last DAYS days of reports and tasks of the seeded city, deterministic.

Each bin in use has its problems at random moments between 06:00 and 21:00: kitchen bins fill
most often, residual bins next; dirty bins now and then, damage and loss rarely. A task opens
at the first report; a second or third report of the same problem (staff of the community's
points, its town's or street's inspector, the administrator) often joins it before it ends.
Most tasks are resolved within their due time (``BIN_TASK_DUE_HOURS``), some late, a few
rejected; in the slow towns and streets (one in seven) more are late, and a few tasks of the
last fortnight of any street have not been dealt with yet: open, and overdue once their due
time passed. The bins the seed marked damaged have an acknowledged task of the last days that
took them out of service (about half of them past their 48 hours), and the removed ones a task
resolved by taking them away. Each town and street gets
an administrator account ``street-<township id>`` (no password) who handles its tasks.

One problem of a bin never overlaps the next of the same kind: a new task opens only after
the last one ended, as the partial unique index requires. Rows go in through
:func:`wastesort.bulk.bulk_insert` with their ids (the reports name their task), then the id
sequences of PostgreSQL are moved past them.
"""

import datetime as dt
import random
from collections import defaultdict

from flask import current_app
from sqlalchemy import func, select, text

from ..accounts.models import Role, User
from ..areas.models import Community
from ..bins.models import BinStatus, SortingBin
from ..bintasks.models import BinProblemReport, BinTask
from ..bulk import bulk_insert
from ..extensions import db
from ..points.models import RecyclingPoint
from ..timeutil import city_zone, utcnow

RANDOM_SEED = 20211008 + 1512  # apart from the city's and the inspections' own
DAYS = 90
# a bin's chance per day of a problem of each kind, by the bin's category for "full"
FULL_PER_DAY = {"kitchen": 0.02, "residual": 0.013, "recyclable": 0.008, "hazardous": 0.002}
PER_DAY = {"dirty": 0.004, "damaged": 0.0007, "missing": 0.0002}
SLOW_EVERY = 7  # one town or street in seven deals with its tasks slowly
LATE = {False: 0.07, True: 0.35}  # share resolved after the due time
STUCK = {False: 0.004, True: 0.02}  # share of the last fortnight's not dealt with yet
STUCK_DAYS = 14  # older tasks were all dealt with, if late
REJECTED = 0.05
ACKNOWLEDGED = 0.6
NOTES = {"full": ["垃圾溢出到地面", "桶已满，盖子盖不上", "厨余桶满了"],
         "dirty": ["桶身有污渍", "桶边有异味", "桶周围散落垃圾"],
         "damaged": ["桶盖断裂", "轮子坏了", "桶身开裂"],
         "missing": ["桶不见了", "原位置没有桶"]}
RESOLUTIONS = {"full": "已清运", "dirty": "已清洗", "damaged": "已维修", "missing": "已补放新桶"}
TASK_COLUMNS = ("id", "sorting_bin_id", "township_id", "kind", "status", "opened_at", "due_at",
                "opened_by_id", "acknowledged_at", "acknowledged_by_id", "closed_at",
                "closed_by_id", "minutes_to_close", "resolution_note", "reject_reason",
                "bin_taken_out_of_service", "bin_removed")
REPORT_COLUMNS = ("id", "task_id", "reported_by_id", "reported_at", "note", "idempotency_key")


class _Clock:
    """Minutes since the first day's midnight (city time) as the bulk loader's UTC text, each
    made once."""

    def __init__(self, first: dt.date):
        self.start = dt.datetime.combine(first, dt.time(0), tzinfo=city_zone()).astimezone(dt.UTC)
        postgresql = db.session.get_bind().dialect.name == "postgresql"
        self.suffix, self.spec = ("+00", "seconds") if postgresql else ("", "microseconds")
        self.made: dict[int, str] = {}

    def __call__(self, minute: int) -> str:
        if minute not in self.made:
            moment = (self.start + dt.timedelta(minutes=minute)).replace(tzinfo=None)
            self.made[minute] = moment.isoformat(" ", self.spec) + self.suffix
        return self.made[minute]


def seed_bin_tasks(today: dt.date, days: int = DAYS) -> int:
    """Add ``days`` days of bin problems ending ``today`` (up to now, if it is the city's
    today) to the seeded city in the session's transaction; returns how many tasks."""
    rng = random.Random(RANDOM_SEED)
    first = today - dt.timedelta(days=days - 1)
    clock = _Clock(first)
    now_minute = min(days * 1440, int((utcnow() - clock.start).total_seconds() // 60))
    due_minutes = {k: round(h * 60) for k, h in current_app.config["BIN_TASK_DUE_HOURS"].items()}
    places = _Places()
    tasks, reports = [], []
    next_task = (db.session.scalar(select(func.max(BinTask.id))) or 0) + 1
    next_report = (db.session.scalar(select(func.max(BinProblemReport.id))) or 0) + 1

    def add(bin_id, community_id, township_id, kind, opened, outcome, ended=None,
            acknowledged=False, taken_out=False, removed=False):
        """One task (and its reports); ``outcome`` resolved, rejected or open; returns the
        minute it ended (None while open)."""
        nonlocal next_task, next_report
        due = opened + due_minutes[kind]
        handler = places.handlers[township_id]
        ack_at = None
        if acknowledged:
            ack_at = opened + max(1, int(((ended or now_minute) - opened) * rng.uniform(.1, .4)))
        closed = outcome != "open"
        tasks.append((next_task, bin_id, township_id, kind, "acknowledged" if acknowledged
                      and not closed else outcome, clock(opened), clock(due),
                      places.reporter(rng, community_id, township_id), clock(ack_at) if ack_at
                      else None, handler if ack_at else None, clock(ended) if closed else None,
                      handler if closed else None, ended - opened if closed else None,
                      RESOLUTIONS[kind] if outcome == "resolved" and rng.random() < 0.4
                      else None, "现场核实无此问题" if outcome == "rejected" else None,
                      taken_out, removed))
        reported_by = tasks[-1][7]
        last = ended if closed else now_minute
        moments = [opened] + sorted(rng.randrange(opened, max(opened + 1, last))
                                    for _ in range(_extra_reports(rng)))
        for n, moment in enumerate(moments):
            who = reported_by if n == 0 else places.reporter(rng, community_id, township_id)
            if n and who == reported_by:
                continue  # the same person does not report twice
            reports.append((next_report, next_task, who, clock(moment),
                            rng.choice(NOTES[kind]) if rng.random() < 0.3 else None,
                            f"demo-{next_task}-{n}"))
            next_report += 1
        next_task += 1
        return ended if closed else None

    for t_index, township_id in enumerate(places.townships):
        slow = t_index % SLOW_EVERY == 3
        for bin_id, community_id, category, status in places.bins[township_id]:
            if status == BinStatus.REMOVED.value:  # taken away after its last problem
                kind = rng.choice(("damaged", "missing"))
                opened = rng.randrange(0, max(1, now_minute - due_minutes[kind]))
                add(bin_id, community_id, township_id, kind, opened, "resolved",
                    opened + int(due_minutes[kind] * rng.uniform(.2, .9)), acknowledged=True,
                    taken_out=True, removed=True)
                continue
            for kind in ("full", "dirty", "damaged", "missing"):
                rate = FULL_PER_DAY[category] if kind == "full" else PER_DAY[kind]
                held_out = status == BinStatus.DAMAGED.value and kind == "damaged"
                until = now_minute - (rng.randrange(360, 5 * 1440) if held_out else 0)
                moment, free_from, active = 0, 0, False  # the last task's end
                while True:
                    moment += int(rng.expovariate(rate) * 1440)
                    opened = (moment // 1440) * 1440 + 360 + rng.randrange(900)
                    if opened >= until:
                        break
                    opened = max(opened, free_from + 1)
                    ended = _ending(rng, kind, opened, due_minutes[kind], slow,
                                    opened > now_minute - STUCK_DAYS * 1440)
                    if ended is None or ended >= now_minute:  # not dealt with (yet)
                        add(bin_id, community_id, township_id, kind, opened, "open")
                        active = True
                        break
                    outcome = "rejected" if rng.random() < REJECTED else "resolved"
                    moment = free_from = add(
                        bin_id, community_id, township_id, kind, opened, outcome, ended,
                        acknowledged=rng.random() < ACKNOWLEDGED, taken_out=False)
                if held_out and not active:  # the seed's damaged bin: out of service
                    opened = max(until, free_from + 60, 0)
                    if opened < now_minute - 1:
                        add(bin_id, community_id, township_id, "damaged", opened, "open",
                            acknowledged=True, taken_out=True)
    bulk_insert("bin_tasks", TASK_COLUMNS, tasks)
    bulk_insert("bin_problem_reports", REPORT_COLUMNS, reports)
    _move_sequences()
    return len(tasks)


def _ending(rng, kind: str, opened: int, due: int, slow: bool, recent: bool) -> int | None:
    """The minute a task is resolved or rejected, or None if nobody has dealt with it yet."""
    if recent and rng.random() < STUCK[slow] * (3 if kind in ("damaged", "missing") else 1):
        return None
    share = rng.uniform(1.05, 3.0) if rng.random() < LATE[slow] else rng.uniform(0.08, 0.95)
    return opened + max(5, int(due * share))


def _extra_reports(rng) -> int:
    r = rng.random()
    return 2 if r < 0.08 else 1 if r < 0.33 else 0


class _Places:
    """What the generator draws from: towns and streets, their bins with community and
    category, who reports in each community, and who handles each street's tasks."""

    def __init__(self):
        session = db.session
        self.bins: dict[int, list] = defaultdict(list)
        for bin_id, community_id, township_id, category, status in session.execute(
                select(SortingBin.id, SortingBin.community_id, Community.township_id,
                       SortingBin.category, SortingBin.status)
                .join(Community, SortingBin.community_id == Community.id)
                .order_by(SortingBin.id)):
            self.bins[township_id].append((bin_id, community_id, category.value, status.value))
        self.townships = sorted(self.bins)
        self.staff: dict[int, list[int]] = defaultdict(list)
        for user_id, community_id in session.execute(
                select(User.id, RecyclingPoint.community_id)
                .join(RecyclingPoint, User.recycling_point_id == RecyclingPoint.id)
                .where(User.role == Role.POINT_STAFF).order_by(User.id)):
            if community_id is not None:
                self.staff[community_id].append(user_id)
        self.inspectors = dict(session.execute(
            select(User.township_id, func.min(User.id)).where(User.role == Role.INSPECTOR)
            .group_by(User.township_id)).all())
        admins = [User(username=f"street-{tid}", password_hash="!", role=Role.STREET_ADMIN,
                       township_id=tid) for tid in self.townships]
        session.add_all(admins)
        session.flush()
        self.handlers = {u.township_id: u.id for u in admins}

    def reporter(self, rng, community_id: int, township_id: int) -> int:
        r = rng.random()
        if self.staff.get(community_id) and r < 0.55:
            return rng.choice(self.staff[community_id])
        if township_id in self.inspectors and r < 0.85:
            return self.inspectors[township_id]
        return self.handlers[township_id]


def _move_sequences() -> None:
    """PostgreSQL: the id sequences past the ids loaded (SQLite takes the largest id + 1)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("bin_tasks", "bin_problem_reports"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"))
