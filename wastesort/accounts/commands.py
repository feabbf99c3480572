"""``wastesort create-user``."""

import click
from flask.cli import with_appcontext

from ..errors_domain import RuleViolation
from ..extensions import db
from .models import Role
from .service import create_user


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--township-id", type=int, help="Scope of a street administrator.")
@click.option("--point-id", "recycling_point_id", type=int, help="Scope of point staff.")
@click.option("--facility-id", "treatment_facility_id", type=int,
              help="Scope of a facility operator.")
@click.option("--email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked at a prompt when not given.")
@with_appcontext
def create_user_command(username, role, township_id, recycling_point_id, email, password,
                        treatment_facility_id):
    """Create a user with a role and, for street administrators and point staff, a scope."""
    try:
        user = create_user(username=username, password=password, role=role, email=email,
                           township_id=township_id, recycling_point_id=recycling_point_id,
                           treatment_facility_id=treatment_facility_id)
        db.session.commit()
    except RuleViolation as exc:
        db.session.rollback()
        raise click.ClickException(exc.one_line()) from None
    click.echo(f"Created {user.role.value} {user.username!r} (id {user.id}).")
