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
