"""The ``wastesort`` console command: Flask's CLI over this app (``db``, ``run``, ``shell``
and every operational command the features register)."""

import sys

import click
from flask.cli import FlaskGroup

from . import create_app
from .config import ConfigError


def main() -> None:
    """Check the configuration before anything else, so a bad setting is one plain line."""
    try:
        app = create_app()
    except ConfigError as exc:
        click.echo(f"wastesort: configuration error: {exc}", err=True)
        sys.exit(2)
    group = FlaskGroup(name="wastesort", create_app=lambda: app, add_version_option=False,
                       help="Waste-sorting community management service.")
    group.main(prog_name="wastesort")
