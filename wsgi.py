"""The WSGI entry point for gunicorn: ``gunicorn --preload wsgi:app``.

Before serving: the configuration is valid and the database answers at the code's migration
(:func:`wastesort.database.check_ready_to_serve`); otherwise one line on stderr and exit 4.
"""

import gc
import sys

from wastesort import create_app
from wastesort.config import ConfigError
from wastesort.database import StartupError, check_ready_to_serve

try:
    app = create_app()
    check_ready_to_serve(app)
except ConfigError as exc:
    print(f"wastesort: configuration error: {exc}", file=sys.stderr)
    sys.exit(4)  # gunicorn: "app failed to load" stops the arbiter instead of respawning
except StartupError as exc:
    print(f"wastesort: {exc}", file=sys.stderr)
    sys.exit(4)

# With --preload the app is built once in the master; freezing what exists now keeps the
# garbage collector from walking (and copying) those objects in every worker on each request.
gc.freeze()
