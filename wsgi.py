"""The WSGI entry point for gunicorn: ``gunicorn --preload wsgi:app``."""

import gc
import sys

from wastesort import create_app
from wastesort.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    print(f"wastesort: configuration error: {exc}", file=sys.stderr)
    sys.exit(4)  # gunicorn: "app failed to load" stops the arbiter instead of respawning

# With --preload the app is built once in the master; freezing what exists now keeps the
# garbage collector from walking (and copying) those objects in every worker on each request.
gc.freeze()
