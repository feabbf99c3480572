"""wastesort: a waste-sorting community management service."""

import os

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Build the application. Reads like a table of contents; nothing runs at import time."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("WASTESORT_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path or None)
    from .api.jsonbody import SafeJSONProvider

    app.json = SafeJSONProvider(app)  # too deeply nested JSON is a 400, not a 500

    from .config import load_config

    load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_front_door(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import (
        database,  # the SQLite pragmas; PostgreSQL's pooled connections
        models,  # noqa: F401  (complete metadata for migrations)
    )
    from .accounts.auth import init_login
    from .extensions import csrf, db, migrate
    from .i18n import init_babel

    db.init_app(app)
    database.init_database(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    init_login(app)
    init_babel(app)


def register_blueprints(app: Flask) -> None:
    from .accounts.staff_views import bp as staff_bp
    from .accounts.token_views import bp as tokens_bp
    from .accounts.views import auth_bp, users_bp
    from .api import init_api
    from .areas.views import bp as communities_bp
    from .bins.views import bp as bins_bp
    from .bintasks.views import bp as bintasks_bp
    from .collections.post_views import bp as post_bp
    from .collections.views import bp as collections_bp
    from .dashboard.views import bp as dashboard_bp
    from .facilities.views import bp as facilities_bp
    from .health import bp as health_bp
    from .home.views import bp as home_bp
    from .households.views import bp as households_bp
    from .inspections.views import bp as inspections_bp
    from .inspections.views import form_bp as inspection_form_bp
    from .intake.views import bp as intake_bp
    from .pages import init_pages
    from .picker import bp as picker_bp
    from .picker import init_picker
    from .points.views import bp as points_bp
    from .rankings.views import bp as rankings_bp
    from .reports import init_reports
    from .street.views import bp as street_bp

    for blueprint in (health_bp, home_bp, auth_bp, users_bp, dashboard_bp, communities_bp,
                      bintasks_bp,
                      staff_bp, tokens_bp,
                      households_bp, bins_bp, points_bp, facilities_bp, collections_bp, post_bp,
                      picker_bp, street_bp, intake_bp, rankings_bp, inspection_form_bp,
                      inspections_bp):
        app.register_blueprint(blueprint)
    init_pages(app)
    init_picker(app)
    init_api(app)
    init_reports(app)


def register_front_door(app: Flask) -> None:
    """Throttling, the security headers and the proxy set-up (after the blueprints)."""
    from .http_security import init_http_security
    from .throttle import init_throttle

    init_throttle(app)
    init_http_security(app)


def register_errorhandlers(app: Flask) -> None:
    from .errors import init_errors

    init_errors(app)


def register_commands(app: Flask) -> None:
    from .accounts.commands import create_user_command
    from .accounts.tokens import create_token_command
    from .check import check_command
    from .demo.commands import demo_logins_command, seed_demo_command
    from .serve import serve_command

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_logins_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(check_command)
    app.cli.add_command(serve_command)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
