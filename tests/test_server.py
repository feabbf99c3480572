"""The service under gunicorn, as production and ``make run`` serve it."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn(port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--no-control-socket", "wsgi:app"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)


def get(url: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_gunicorn_serves_home_and_health(db, city, migrated, tmp_path):
    port = free_port()
    server = gunicorn(port, {"WASTESORT_SQLALCHEMY_DATABASE_URI": migrated,
                             "WASTESORT_INSTANCE_PATH": str(tmp_path)})
    try:
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and '"ok"' in body
        status, body = get(f"http://127.0.0.1:{port}/")
        assert status == 200, body
        assert "渝中区" in body  # the registry's districts on the home page
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_gunicorn_misconfiguration_is_one_line(tmp_path):
    server = gunicorn(free_port(), {"WASTESORT_TIMEZONE": "Nowhere/Else",
                                    "WASTESORT_INSTANCE_PATH": str(tmp_path)})
    try:
        _, stderr = server.communicate(timeout=60)
    finally:
        server.kill()
        server.communicate()
    assert server.returncode != 0
    assert "wastesort: configuration error: TIMEZONE: unknown time zone 'Nowhere/Else'" in stderr
    assert "Traceback" not in stderr


def _serve_until_ready(argv: list[str], port: int, env: dict, tmp_path: Path):
    """Start ``argv`` on a terminal of its own (Ctrl-C is the terminal's SIGINT to its
    foreground group, as at a shell); returns (pid, terminal fd) once /healthz answers."""
    import pty

    pid, terminal = pty.fork()
    if pid == 0:  # the child: make or wastesort, in ROOT, with the test's settings
        os.chdir(ROOT)
        os.execvpe(argv[0], argv, {**os.environ, **env})
    status, _body = get(f"http://127.0.0.1:{port}/healthz", timeout=120)
    assert status == 200
    return pid, terminal


def _ctrl_c(pid: int, terminal: int) -> tuple[int, str]:
    """Type Ctrl-C on the terminal; returns (wait status, everything the terminal showed)."""
    import select

    shown = b""
    deadline = time.monotonic() + 120
    while b"catch-up on start" not in shown and time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1)  # the scheduler's start-up is done
        if ready:
            shown += os.read(terminal, 65536)
    os.write(terminal, b"\x03")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1)
        if ready:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # the terminal closed: everything on it has ended
                break
            if not chunk:
                break
            shown += chunk
    _, status = os.waitpid(pid, 0)
    return status, shown.decode(errors="replace")


def test_make_run_stops_cleanly_on_ctrl_c(tmp_path):
    """``make run`` (the demo on a fresh instance), then Ctrl-C: one line saying what stopped,
    no "Segmentation fault" or "Interrupt" from make, nothing left listening."""
    port = free_port()
    env = {"WASTESORT_INSTANCE_PATH": str(tmp_path), "LANG": "en_US.UTF-8"}
    pid, terminal = _serve_until_ready(["make", "--no-print-directory", "run", f"PORT={port}"],
                                       port, env, tmp_path)
    status, shown = _ctrl_c(pid, terminal)
    after = shown.rsplit("^C", 1)[-1].strip().splitlines()
    assert after == ["Stopped the web server and the scheduler."], shown[-2000:]
    assert "Segmentation fault" not in shown and "Interrupt" not in shown
    with socket.socket() as sock:  # the web server is gone with its port
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    assert subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True
                          ).returncode == 1  # no gunicorn left behind


def test_serve_stops_both_when_the_web_server_dies(db, migrated, tmp_path):
    """If one child dies on its own, ``wastesort serve`` stops the other and fails, in one
    line (here: gunicorn cannot bind a port already taken)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(Path(sys.executable).with_name("wastesort")), "serve", "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**os.environ, "WASTESORT_SQLALCHEMY_DATABASE_URI": migrated,
                 "WASTESORT_INSTANCE_PATH": str(tmp_path), "LANG": "en_US.UTF-8"})
    assert done.returncode == 1
    assert "The web server stopped (exit code" in done.stderr
    assert "Traceback" not in done.stderr
