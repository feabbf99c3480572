"""What the schedule makes, and catching up: the logic behind the scheduler's jobs.

``REPORT_SCHEDULE`` maps ``"kind:period"`` to a cron expression in the city's ``TIMEZONE``. A
run at a scheduled time reports the last complete period (07:00 on the 1st → last month).

Every run, scheduled or on start, is a catch-up: it walks the schedule's fire times within
the look-back up to now and makes (idempotently) the report of each, for the city and for each
district someone subscribed to by then, queues its deliveries and sends what is due. Reports
already made are found, not made again: the unique constraint is the judge.

The look-back of an entry is ``REPORT_CATCHUP_DAYS``, but never less than one period of its
cadence and a day (daily 2 days, weekly 8, monthly 32): a run then always reaches back past its
entry's previous time, so a time missed for any reason is made at the next one at the latest.
"""

import datetime as dt
from dataclasses import dataclass, field

from apscheduler.triggers.cron import CronTrigger
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..timeutil import local_now
from .delivery import queue_report
from .models import Report, ReportKind, ReportPeriod, Subscription
from .periods import reported_period_at
from .service import make_report


class ScheduleError(ValueError):
    """REPORT_SCHEDULE (or a scheduler setting) is wrong; one line naming the entry."""


@dataclass(frozen=True)
class Entry:
    key: str  # "capacity:day"
    kind: ReportKind
    period: ReportPeriod
    cron: str

    def trigger(self, zone: dt.tzinfo) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone=zone)


def schedule_entries(config=None) -> list[Entry]:
    config = config or current_app.config
    schedule = config["REPORT_SCHEDULE"]
    if not isinstance(schedule, dict):
        raise ScheduleError("REPORT_SCHEDULE: must map 'kind:period' to a cron expression")
    entries = []
    for key, cron in schedule.items():
        kind, _, period = str(key).partition(":")
        try:
            entry = Entry(key, ReportKind(kind), ReportPeriod(period), str(cron))
            entry.trigger(config["TZ"])
        except ValueError as exc:
            raise ScheduleError(f"REPORT_SCHEDULE[{key!r}] = {cron!r}: {exc}") from None
        entries.append(entry)
    catchup = config["REPORT_CATCHUP_DAYS"]
    if not isinstance(catchup, int) or catchup < 0:
        raise ScheduleError(f"REPORT_CATCHUP_DAYS: must be a whole number of days, got {catchup!r}")
    return entries


def fire_times(entry: Entry, since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """The scheduled times of ``entry`` in (since, until], in the city's time zone."""
    trigger = entry.trigger(current_app.config["TZ"])
    times = []
    fire = trigger.get_next_fire_time(None, since + dt.timedelta(microseconds=1))
    while fire is not None and fire <= until:
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(microseconds=1))
    return times


def district_scopes(entry: Entry, subscribed_by: dt.datetime) -> list[int | None]:
    """The city, and each district with a subscription to this kind and cadence by then."""
    if entry.kind in (ReportKind.CAPACITY, ReportKind.RANKING):
        return [None]
    districts = db.session.scalars(select(Subscription.district_id).distinct().where(
        Subscription.kind == entry.kind.value, Subscription.period == entry.period,
        Subscription.district_id.is_not(None), Subscription.created_at <= subscribed_by))
    return [None, *sorted(districts)]


# The longest period of each cadence, in days (a month: 31).
PERIOD_DAYS = {ReportPeriod.DAY: 1, ReportPeriod.WEEK: 7, ReportPeriod.MONTH: 31}


def look_back(entry: Entry, config=None) -> dt.timedelta:
    """How far back a run of ``entry`` makes missed reports: REPORT_CATCHUP_DAYS, and at least
    one period of the entry's cadence and a day."""
    config = config or current_app.config
    return max(dt.timedelta(days=config["REPORT_CATCHUP_DAYS"]),
               dt.timedelta(days=PERIOD_DAYS[entry.period] + 1))


@dataclass
class CatchUp:
    """What a run did: every report due in its look-back, those it made (the rest were made
    before), and how many deliveries it queued."""

    reports: list[Report] = field(default_factory=list)
    made: list[Report] = field(default_factory=list)
    queued: int = 0

    def describe(self) -> str:
        """One line: "made capacity day 2026-11-30 city (report 12), coverage week city
        2026-11-16..2026-11-23 (2 reports); 3 already made; queued 2 delivery(ies)"."""
        groups: dict[tuple, list[Report]] = {}
        for report in self.made:
            groups.setdefault((report.kind.value, report.period.value, report.scope),
                              []).append(report)
        parts = []
        for (kind, period, scope), reports in groups.items():
            if len(reports) == 1:
                parts.append(f"{kind} {period} {reports[0].period_start} {scope} "
                             f"(report {reports[0].id})")
            else:
                days = sorted(r.period_start for r in reports)
                parts.append(f"{kind} {period} {scope} {days[0]}..{days[-1]} "
                             f"({len(reports)} reports)")
        return (f"made {', '.join(parts) or 'nothing new'}; "
                f"{len(self.reports) - len(self.made)} already made; "
                f"queued {self.queued} delivery(ies)")


def run_entry(entry: Entry, fire: dt.datetime, made_by: str,
              result: CatchUp | None = None) -> list[Report]:
    """Make (or find) the reports due at ``fire`` and queue their deliveries."""
    result = result if result is not None else CatchUp()
    start, _end = reported_period_at(entry.period, fire.astimezone(current_app.config["TZ"]))
    reports = []
    for district_id in district_scopes(entry, fire):
        report, made = make_report(entry.kind, entry.period, start, district_id=district_id,
                                   made_by=made_by)
        result.queued += queue_report(report, subscribed_by=fire)
        reports.append(report)
        result.reports.append(report)
        if made:
            result.made.append(report)
    return reports


def run_catch_up(entries: list[Entry] | None = None, *, now: dt.datetime | None = None,
                 made_by: str = "catch-up") -> CatchUp:
    """Run every scheduled time of ``entries`` (default: all) within each one's look-back."""
    now = now or local_now()
    result = CatchUp()
    for entry in entries if entries is not None else schedule_entries():
        for fire in fire_times(entry, now - look_back(entry), now):
            run_entry(entry, fire, made_by, result)
    return result


def catch_up(entries: list[Entry] | None = None, *, now: dt.datetime | None = None,
             made_by: str = "catch-up") -> list[Report]:
    """Run every scheduled time of ``entries`` within the look-back; returns the reports."""
    return run_catch_up(entries, now=now, made_by=made_by).reports
