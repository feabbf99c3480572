"""``wastesort seed-demo`` and ``wastesort demo-logins``."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..accounts.models import Role, User
from ..areas.models import Township
from ..extensions import db
from ..facilities.models import TreatmentFacility
from ..points.models import RecyclingPoint
from .seed import SCALES, DatabaseNotEmpty, database_has_data, seed_demo


@click.command("seed-demo")
@click.option("--scale", type=click.Choice(list(SCALES)), default="sample", show_default=True,
              help="city: 3,754,000 households; sample: 1% of them.")
@click.option("--days", type=click.IntRange(0, 3660), default=30, show_default=True,
              help="Days of collections, ending today (city time).")
@click.option("--inspection-days", type=click.IntRange(0, 3660), default=365, show_default=True,
              help="Days of sorting inspections, ending today (city time).")
@click.option("--reset", is_flag=True, help="Delete all existing data first.")
@click.option("--if-empty", is_flag=True,
              help="Seed only an empty database; otherwise leave it as it is (make run).")
@with_appcontext
def seed_demo_command(scale, days, inspection_days, reset, if_empty):
    """Fill the database with the deterministic demo city."""
    if if_empty and not reset and database_has_data():
        click.echo("The database already holds data: leaving it as it is.")
        return
    try:
        summary = seed_demo(scale=scale, days=days, reset=reset,
                            inspection_days=inspection_days)
    except DatabaseNotEmpty as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Seeded the {scale} demo in {summary.seconds['total']:.1f} s: "
        f"{summary.districts} districts, "
        f"{summary.townships} towns and streets, {summary.communities:,} communities, "
        f"{summary.households:,} households, {summary.bins:,} bins, "
        f"{summary.recycling_points:,} recycling points, {summary.facilities} facilities, "
        f"{summary.collections:,} collections, {summary.inspections:,} inspections, "
        f"{summary.tickets:,} weighbridge tickets."
    )


DEMO_LOGINS = (
    ("admin", Role.ADMIN),
    ("manager", Role.MANAGER),
    ("street", Role.STREET_ADMIN),
    ("staff", Role.POINT_STAFF),
    ("inspector", Role.INSPECTOR),
    ("operator", Role.FACILITY_OPERATOR),
)


@click.command("demo-logins")
@click.option("--password", default="wastesort-demo", show_default=True)
@with_appcontext
def demo_logins_command(password):
    """Create (or reset the password of) one demo login per role, and print them."""
    township = db.session.scalar(select(Township).order_by(Township.id))
    point = db.session.scalar(select(RecyclingPoint).where(RecyclingPoint.township_id
                                                           == getattr(township, "id", None))
                              .order_by(RecyclingPoint.id))
    facility = db.session.scalar(select(TreatmentFacility).order_by(  # the largest
        TreatmentFacility.capacity_t_per_day.desc(), TreatmentFacility.id))
    if township is None or point is None or facility is None:
        raise click.ClickException("no towns or recycling points yet: run seed-demo first")
    for username, role in DEMO_LOGINS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, role=role, email=f"{username}@example.org")
            db.session.add(user)
        user.township_id = township.id if role in (Role.STREET_ADMIN, Role.INSPECTOR) else None
        user.recycling_point_id = point.id if role is Role.POINT_STAFF else None
        user.treatment_facility_id = facility.id if role is Role.FACILITY_OPERATOR else None
        user.set_password(password)
    db.session.commit()
    click.echo(f"Demo logins (password {password!r}): admin, manager, "
               f"street (admin of {township.name}), staff (at {point.name}), "
               f"inspector (of {township.name}), operator (at {facility.name}).")
