"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

import sys

from wastesort import create_app
from wastesort.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    print(f"wastesort: configuration error: {exc}", file=sys.stderr)
    sys.exit(4)  # gunicorn: "app failed to load" stops the arbiter instead of respawning
