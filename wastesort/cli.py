"""The ``wastesort`` console command: Flask's CLI over this app (``db``, ``run``, ``shell``
and every operational command the features register)."""

import copy
import functools
import sys

import click
from flask.cli import FlaskGroup

from . import create_app
from .config import ConfigError
from .database import StartupError, check_ready_to_serve

# Commands that serve: they start only on a database migrated to the code's revision
# (``db upgrade`` and the rest must work on an empty or older one).
SERVING_COMMANDS = ("run", "scheduler", "serve")


class WastesortGroup(FlaskGroup):
    def __init__(self, app, **kwargs):
        super().__init__(create_app=lambda: app, **kwargs)
        self.app = app

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None or name not in SERVING_COMMANDS:
            return command
        return _checked_first(command, self.app)


def _checked_first(command: click.Command, app) -> click.Command:
    """``command`` that first checks the database is ready to serve: one line if not."""
    checked = copy.copy(command)
    serve = command.callback

    @functools.wraps(serve)
    def callback(*args, **kwargs):
        try:
            check_ready_to_serve(app)
        except StartupError as exc:
            click.echo(f"wastesort: {exc}", err=True)
            sys.exit(3)
        return serve(*args, **kwargs)

    checked.callback = callback
    return checked


def main() -> None:
    """Check the configuration before anything else, so a bad setting is one plain line."""
    try:
        app = create_app()
    except ConfigError as exc:
        click.echo(f"wastesort: configuration error: {exc}", err=True)
        sys.exit(2)
    group = WastesortGroup(app, name="wastesort", add_version_option=False,
                           help="Waste-sorting community management service.")
    group.main(prog_name="wastesort")
