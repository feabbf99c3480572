"""``wastesort report run|list|send|retry-failed``, ``wastesort subscription add|list|remove`` and
``wastesort scheduler``. Bad input is one plain line on stderr and a non-zero exit code."""

import logging
import signal

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..errors_domain import RuleViolation
from ..extensions import db
from ..timeutil import city_zone
from .delivery import delivery_totals, list_deliveries, queue_report, retry_failed, send_due
from .models import DeliveryStatus
from .schedule import ScheduleError
from .service import list_reports, make_report, parse_date, parse_kind, parse_period
from .subscriptions import add_subscription, list_subscriptions, remove_subscription


def _fail(exc: Exception):
    db.session.rollback()
    if isinstance(exc, RuleViolation):
        return click.ClickException(exc.one_line())
    if isinstance(exc, HTTPException):
        return click.ClickException(exc.description)
    return click.ClickException(str(exc))


def _city_time(moment) -> str:
    """A stored time on the city's clock, with its offset: "2026-11-29 10:00 +0800"."""
    return f"{moment.astimezone(city_zone()):%Y-%m-%d %H:%M %z}"


def _district(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise RuleViolation({"district": [f"Give the district's id as a number, not {value!r}."]})
    return int(value)


@click.group("report")
def report_group():
    """Coverage and capacity reports."""


@report_group.command("run")
@click.argument("kind", metavar="coverage|capacity|ranking")
@click.option("--as-of", "as_of", required=True, metavar="DATE",
              help="A day of the period to report (YYYY-MM-DD, city time).")
@click.option("--period", default="day", show_default=True, metavar="day|week|month")
@click.option("--district", metavar="ID", help="Coverage of one district (default: the city).")
@click.option("--send", is_flag=True, help="Queue it for its subscribers and send now.")
@with_appcontext
def run_command(kind, as_of, period, district, send):
    """Make a report (or show the one already made: never two of the same) and maybe send it."""
    try:
        report, made = make_report(parse_kind(kind), parse_period(period), parse_date(as_of),
                                   district_id=_district(district), made_by="cli")
        click.echo(f"{'Made' if made else 'Already made'}: report {report.id}, {report.kind.value}"
                   f" {report.period.value} {report.period_start}..{report.period_end}"
                   f" ({report.scope}) at {_city_time(report.made_at)}.")
        if send:
            queued = queue_report(report)
            outcome = send_due()
            click.echo(f"Queued {queued} new delivery(ies); sent {outcome['sent']}, "
                       f"to retry {outcome['retry']}, failed {outcome['failed']}.")
    except HTTPException as exc:
        raise _fail(exc) from None


@report_group.command("list")
@click.option("--kind", metavar="coverage|capacity|ranking")
@click.option("--limit", type=click.IntRange(1, 1000), default=30, show_default=True)
@with_appcontext
def list_command(kind, limit):
    """The latest reports, then deliveries that failed."""
    try:
        rows, total = list_reports(kind=parse_kind(kind) if kind else None, limit=limit)
    except HTTPException as exc:
        raise _fail(exc) from None
    click.echo(f"{total} report(s).")
    for r in rows:
        sent = sum(1 for d in r.deliveries if d.status is DeliveryStatus.SENT)
        click.echo(f"{r.id:>6}  {r.kind.value:<8} {r.period.value:<5} {r.period_start}.."
                   f"{r.period_end}  {r.scope:<12} made {_city_time(r.made_at)} by "
                   f"{r.made_by}; deliveries sent {sent}/{len(r.deliveries)}")
    totals = delivery_totals()
    click.echo(f"Deliveries: {totals['pending']} pending ({totals['retrying']} retrying), "
               f"{totals['sent']} sent, {totals['failed']} failed.")
    failed = list_deliveries(status=DeliveryStatus.FAILED)
    for d in failed:
        click.echo(f"FAILED delivery {d.id} to {d.email} after {d.attempts} attempt(s): "
                   f"{d.last_error}")
    if totals["failed"] > len(failed):
        click.echo(f"... and {totals['failed'] - len(failed)} more failed; "
                   f"'wastesort report retry-failed' queues them all again.")


@report_group.command("send")
@with_appcontext
def send_command():
    """Send the deliveries that are due now (new ones and retries)."""
    outcome = send_due()
    click.echo(f"Sent {outcome['sent']}, to retry {outcome['retry']}, "
               f"failed {outcome['failed']}.")


@report_group.command("retry-failed")
@with_appcontext
def retry_failed_command():
    """Queue every failed delivery again (after an SMTP outage, say)."""
    queued = retry_failed()
    click.echo(f"Queued {queued} failed delivery(ies) again; the scheduler sends them within "
               f"{current_app.config['DELIVERY_POLL_SECONDS']} s (or run: wastesort report "
               f"send).")


@click.group("subscription")
def subscription_group():
    """Who receives which reports and alerts."""


@subscription_group.command("add")
@click.argument("email")
@click.option("--kind", required=True, metavar="coverage|capacity|alert|ranking")
@click.option("--period", metavar="day|week|month", help="Cadence (alerts: day).")
@click.option("--district", metavar="ID", help="Coverage of one district (default: the city).")
@with_appcontext
def subscription_add(email, kind, period, district):
    """Subscribe EMAIL to a report kind and cadence."""
    try:
        s = add_subscription(None, email=email, kind=kind, period=period,
                             district_id=_district(district))
    except HTTPException as exc:
        raise _fail(exc) from None
    click.echo(f"Subscription {s.id}: {s.email} receives {s.kind.value} {s.period.value} "
               f"({s.scope}).")


@subscription_group.command("list")
@with_appcontext
def subscription_list():
    """Every subscription."""
    for s in list_subscriptions():
        click.echo(f"{s.id:>5}  {s.email:<40} {s.kind.value:<8} {s.period.value:<5} {s.scope}")


@subscription_group.command("remove")
@click.argument("subscription_id")
@with_appcontext
def subscription_remove(subscription_id):
    """Remove a subscription (its past deliveries stay on record)."""
    try:
        if not subscription_id.isdigit():
            raise RuleViolation({"id": [f"Give the subscription's id as a number, "
                                        f"not {subscription_id!r}."]})
        remove_subscription(None, int(subscription_id))
    except HTTPException as exc:
        raise _fail(exc) from None
    click.echo(f"Removed subscription {subscription_id}.")


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the report scheduler in this process (one per installation; not in web workers)."""
    from .scheduler import start_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()
    signal.signal(signal.SIGTERM, _terminated)
    try:
        start_scheduler(app)
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        click.echo(_("Scheduler stopped."))
    except SystemExit:
        pass  # TERM from a service manager or ``wastesort serve``: it says what stopped


def _terminated(signum, frame):
    """TERM ends the scheduler as Ctrl-C does (jobs in flight finish: the executor's threads
    are joined at exit), not mid-transaction."""
    raise SystemExit(0)
