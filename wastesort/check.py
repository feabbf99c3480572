"""``wastesort check``: recompute the aggregate tables from the raw rows and report drift.

The aggregates (``household_tallies``, ``daily_tonnage``, ``daily_inspection_tally``,
``daily_intake``) are kept in the same transaction as the rows they summarise; this command
proves it, and ``--fix`` rebuilds them if a hand-made change to the database ever bypassed the
application.
"""

from collections import Counter

import click
from flask.cli import with_appcontext
from sqlalchemy import delete

from .collections import tonnage
from .extensions import db
from .households import tally
from .inspections import tally as inspection_tally
from .intake import aggregate as intake


def drift() -> dict[str, list[str]]:
    """Human-readable differences, by aggregate; empty lists mean no drift."""
    return {
        "household_tallies": _differences(tally.recount(), tally.stored(),
                                          "community {0} joined in month {1}"),
        "daily_tonnage": _differences(tonnage.recount(), tonnage.stored(),
                                      "{0} township {1} {2}"),
        "daily_inspection_tally": _differences(inspection_tally.recount(),
                                               inspection_tally.stored(), "{0} community {1}"),
        "daily_intake": _differences(intake.recount(), intake.stored(),
                                     "{0} facility {1} {2}"),
    }


def _differences(expected: Counter, actual: Counter, label: str) -> list[str]:
    lines = []
    for key in sorted(set(expected) | set(actual), key=str):
        if expected.get(key) != actual.get(key):
            lines.append(f"{label.format(*key)}: expected {expected.get(key, 0)}, "
                         f"stored {actual.get(key, 0)}")
    return lines


def rebuild() -> None:
    db.session.execute(delete(tally.HouseholdTally))
    db.session.execute(delete(tonnage.DailyTonnage))
    connection = db.session.connection()
    tally.add_counts(connection, tally.recount())
    recounted = tonnage.recount()
    tonnage.add_weights(connection, Counter({k: v[0] for k, v in recounted.items()}),
                        Counter({k: v[1] for k, v in recounted.items()}))
    inspection_tally.rebuild(connection)
    db.session.execute(delete(intake.DailyIntake))
    intake.fill_from_tickets(db.session.connection())
    db.session.commit()


@click.command("check")
@click.option("--fix", is_flag=True, help="Rebuild the aggregates from the raw rows.")
@with_appcontext
def check_command(fix: bool) -> None:
    """Recompute the aggregate tables from the raw rows and report any drift."""
    found = drift()
    total = sum(len(lines) for lines in found.values())
    for name, lines in found.items():
        click.echo(f"{name}: {'no drift' if not lines else f'{len(lines)} rows drifted'}")
        for line in lines[:20]:
            click.echo(f"  {line}")
    if total and fix:
        rebuild()
        click.echo("Rebuilt the aggregates from the raw rows.")
    elif total:
        raise click.ClickException(f"{total} aggregate rows drifted; run with --fix to rebuild")
