"""``wastesort serve``: the web server (gunicorn) and the report scheduler in one command, as
``make run`` starts them, stopped together and cleanly by Ctrl-C.

Why a supervisor and not a shell ``trap``: the recipe's ``trap 'kill 0' INT TERM EXIT`` sent
TERM to its own process group, the shell included, which ran the trap again and again until
the shell crashed ("Segmentation fault" from make, every time). Here the two children run in
their own process groups, so the terminal's Ctrl-C reaches only this process (and make); it
asks both children to stop with SIGTERM (gunicorn finishes the requests in flight, the
scheduler ends its jobs' transactions), waits for them, and says so in one line. If either
child dies on its own, the other is stopped too and the exit code says it failed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

STOP_GRACE_SECONDS = 30  # gunicorn's own graceful timeout; then the children are killed


def _children(host: str, port: int, workers: int) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent
    return {
        "scheduler": [str(bin_dir / "wastesort"), "scheduler"],
        "web server": [str(bin_dir / "gunicorn"), "--preload", "--workers", str(workers),
                       "--bind", f"{host}:{port}", "--no-control-socket",
                       # its start-up and shutdown notes would bury the one line of ours
                       "--log-level", "warning", "--access-logfile", "-", "wsgi:app"],
    }


def _stop(processes: dict[str, subprocess.Popen]) -> None:
    """SIGTERM to each child's group, then wait; what has not ended in time is killed."""
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes.values():
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class _Stop(Exception):
    """Raised by the signal handler: Ctrl-C or a service manager's TERM."""


def _raise_stop(signum, frame):
    raise _Stop


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
def serve_command(host: str, port: int, workers: int):
    """Serve the web pages and the API with gunicorn, and run the report scheduler."""
    root = Path(current_app.root_path).parent  # wsgi.py lives beside the package
    # in the shell's language (LANG), read now: the signal handler has no time for it
    started = _("Serving on http://%(host)s:%(port)s; Ctrl-C stops the web server and the "
                "scheduler.", host=host, port=port)
    stopped = _("Stopped the web server and the scheduler.")
    names = {"scheduler": _("The scheduler"), "web server": _("The web server")}
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, argv in _children(host, port, workers).items():
            processes[name] = subprocess.Popen(argv, cwd=root, start_new_session=True)
        click.echo(started)
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    click.echo(_("%(name)s stopped (exit code %(code)s); stopping the rest.",
                                 name=names[name], code=process.returncode), err=True)
                    _stop(processes)
                    sys.exit(1)
            time.sleep(0.5)
    except _Stop:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the wait
        _stop(processes)
        click.echo(stopped)
