"""A year of demo inspections for the demo city (or any city already seeded), deterministic.

One inspector per town or street (``inspector-<township id>``, no password until an
administrator sets one) visits its communities on the mornings waste is put out: most
communities about twice a week; in the lagging towns and streets (one in nine) about once in
eight days, with lower figures that rise more slowly; a few communities are never inspected,
and a few not for the last weeks (the "not inspected lately" list). Participation and accuracy
rise over the year (the city's campaign working), each community a little above or below its
town's line, each visit a little above or below its community's. A few inspections are void.

Rows go in through :func:`wastesort.bulk.bulk_insert` (``executemany`` on SQLite, ``COPY`` on
PostgreSQL), and the daily tally is then made from them by one ``INSERT … SELECT``
(:func:`wastesort.inspections.tally.rebuild`), in the same transaction: a hundred thousand rows
in a few seconds, which the city seed's budget allows.
"""

import datetime as dt
import math
import random
from collections import defaultdict

from sqlalchemy import func, select

from ..accounts.models import Role, User
from ..areas.models import Community, Township
from ..bulk import bulk_insert
from ..extensions import db
from ..households.tally import HouseholdTally
from ..inspections import tally
from ..points.models import RecyclingPoint
from ..timeutil import city_zone, local_now

RANDOM_SEED = 20211008 + 15  # apart from the city's own, which stays as it was
DAYS = 365
VISITS_PER_DAY = 0.3  # a community's chance of a visit on a given day (about twice a week)
LAGGING_VISITS_PER_DAY = 0.12
LAGGING_EVERY = 9  # one town or street in nine lags
NEVER_INSPECTED = 0.04  # share of communities no inspector has reached yet
PAUSED = 0.04  # share whose visits stopped 15 to 45 days ago
VOID_SHARE = 0.005
# (participation, accuracy) a year ago and today, in normal and lagging towns and streets
TRENDS = {False: ((0.62, 0.58), (0.88, 0.87)), True: ((0.45, 0.40), (0.62, 0.58))}
# The wrong bags and bins fall into the categories whose bins they were in: kitchen 45 %,
# residual 30 %, recyclable 20 %, and the rest hazardous at three visits in ten (_visit).
NOTES = ["厨余垃圾袋未破袋", "可回收物混入厨余", "桶边有散落垃圾", "有害垃圾投放点无标识",
         "督导员现场指导分类", "部分居民未分类直接投放"]
COLUMNS = ("community_id", "recycling_point_id", "inspected_at", "inspected_on", "inspector_id",
           "households_seen", "households_sorted", "items_inspected", "items_correct",
           "contaminated_recyclable", "contaminated_hazardous", "contaminated_kitchen",
           "contaminated_residual", "notes", "posted_at", "idempotency_key", "voided",
           "void_reason", "voided_at", "voided_by_id")


def seed_inspections(today: dt.date, days: int = DAYS) -> int:
    """Add ``days`` days of inspections ending ``today`` (only the morning's visits already
    made, if ``today`` is the city's today) to the seeded city in the session's transaction,
    with their inspectors and the daily tally; returns how many inspections."""
    rng = random.Random(RANDOM_SEED)
    townships = db.session.scalars(select(Township.id).order_by(Township.id)).all()
    communities: dict[int, list[int]] = defaultdict(list)
    for cid, tid in db.session.execute(select(Community.id, Community.township_id)
                                       .order_by(Community.id)):
        communities[tid].append(cid)
    households = dict(db.session.execute(
        select(HouseholdTally.community_id, func.sum(HouseholdTally.households))
        .group_by(HouseholdTally.community_id)).all())
    points: dict[int, list[int]] = defaultdict(list)
    for pid, cid in db.session.execute(select(RecyclingPoint.id, RecyclingPoint.community_id)
                                       .where(RecyclingPoint.active)
                                       .order_by(RecyclingPoint.id)):
        points[cid].append(pid)
    inspectors = _inspectors(townships)
    first = today - dt.timedelta(days=days - 1)
    stamps = _Stamps(first, days)
    # today's visits made already (the morning's, up to now), when today is the city's today
    now = local_now()
    late = (now.hour - 7) * 60 + now.minute if today == now.date() else 24 * 60

    def rows():
        for t_index, tid in enumerate(townships):
            lagging = t_index % LAGGING_EVERY == 4
            (part0, acc0), (part1, acc1) = TRENDS[lagging]
            chance = LAGGING_VISITS_PER_DAY if lagging else VISITS_PER_DAY
            for cid in communities[tid]:
                r = rng.random()
                if r < NEVER_INSPECTED:
                    continue
                stop = days - rng.randint(15, 45) if r < NEVER_INSPECTED + PAUSED else days
                offset = rng.uniform(-0.06, 0.06)
                size = int(households.get(cid, 0))
                random_ = rng.random
                for d in range(stop):
                    if random_() >= chance:
                        continue
                    minute = rng.randrange(150)  # 07:00 to 09:29, when waste is put out
                    if d == days - 1 and minute > late:
                        continue
                    progress = d / max(days - 1, 1)
                    yield _visit(rng, stamps, d, minute, cid, points.get(cid, ()),
                                 inspectors[tid], size,
                                 part0 + (part1 - part0) * progress + offset,
                                 acc0 + (acc1 - acc0) * progress + offset)

    count = bulk_insert("inspections", COLUMNS, rows())
    tally.rebuild(db.session.connection())
    return count


def _inspectors(townships) -> dict[int, int]:
    """One inspector account per town or street: {township id: user id}."""
    rows = [User(username=f"inspector-{tid}", password_hash="!", role=Role.INSPECTOR,
                 township_id=tid) for tid in townships]
    db.session.add_all(rows)
    db.session.flush()
    return {u.township_id: u.id for u in rows}


def _share(rng: random.Random, n: int, p: float) -> int:
    """About ``n × p`` (``p`` kept within 2-99 %), as a binomial count would scatter."""
    p = min(0.99, max(0.02, p))
    return min(n, max(0, round(n * p + math.sqrt(n * p * (1 - p)) * rng.gauss(0, 1))))


class _Stamps:
    """Times as the bulk loader takes them (UTC text), minutes after 07:00 of each day, made
    once each: a year of visits would otherwise format two hundred thousand of them."""

    def __init__(self, first: dt.date, days: int):
        zone, self.days = city_zone(), []
        postgresql = db.session.get_bind().dialect.name == "postgresql"
        self.suffix = "+00" if postgresql else ""
        self.timespec = "seconds" if postgresql else "microseconds"
        for d in range(days):
            start = dt.datetime.combine(first + dt.timedelta(days=d), dt.time(7), tzinfo=zone)
            self.days.append((start.date().isoformat(), start.astimezone(dt.UTC)))
        self.made: dict[tuple[int, int], str] = {}

    def day(self, d: int) -> str:
        return self.days[d][0]

    def at(self, d: int, minute: int) -> str:
        key = (d, minute)
        if key not in self.made:
            moment = (self.days[d][1] + dt.timedelta(minutes=minute)).replace(tzinfo=None)
            self.made[key] = moment.isoformat(" ", self.timespec) + self.suffix
        return self.made[key]


def _visit(rng, stamps, d, minute, community_id, point_ids, inspector_id, households,
           participation, accuracy) -> tuple:
    random_ = rng.random
    seen = max(2, round(households * (0.03 + 0.05 * random_())))
    sorted_ = _share(rng, seen, participation - 0.05 + 0.1 * random_())
    checked = max(2, round(seen * (0.6 + 0.6 * random_())))
    correct = _share(rng, checked, accuracy - 0.05 + 0.1 * random_())
    wrong = checked - correct
    kitchen, residual, recyclable = int(wrong * 0.45), int(wrong * 0.30), int(wrong * 0.20)
    hazardous = wrong - kitchen - residual - recyclable if random_() < 0.3 else 0
    posted = stamps.at(d, minute + 2 + int(38 * random_()))
    void = random_() < VOID_SHARE
    return (community_id, rng.choice(point_ids) if point_ids and random_() < 0.4 else None,
            stamps.at(d, minute), stamps.day(d), inspector_id, seen, sorted_, checked, correct,
            recyclable, hazardous, kitchen, residual,
            rng.choice(NOTES) if random_() < 0.1 else None, posted,
            f"demo-{stamps.day(d)}-{community_id}", void, "重复录入" if void else None,
            posted if void else None, inspector_id if void else None)
