"""Bounds on a household import, so that no upload can hold a web worker for long.

An XLSX file is a ZIP archive: 1.4 MiB can unpack to 400 MB of XML, which openpyxl would
parse for half a minute at over 500 MB of memory. :func:`check_xlsx_archive` reads only the
archive's directory and refuses, before any parsing, a file that unpacks to more than
``IMPORT_XLSX_MAX_UNPACKED_MB`` or whose parts are compressed more than
``IMPORT_XLSX_MAX_RATIO`` times (a real 100,000-row sheet: 39 MB, 14 times; Python's zipfile
never inflates a part beyond the size its directory declares). :func:`within_limits` stops a
file at ``IMPORT_MAX_ROWS`` rows and the checking at ``IMPORT_MAX_ERRORS`` problems, and
:func:`one_import_at_a_time` lets one import be read at a time on this machine, so that the
other workers keep serving pages while a large file is checked (measured: 100,000 XLSX rows
take about 10 s to read, CSV 0.5 s).
"""

import contextlib
import fcntl
import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..errors_domain import RuleViolation

XLSX_MAX_PARTS = 1_000  # a workbook of one sheet has about ten
PREVIEW_SUFFIXES = (".csv", ".xlsx")


class ImportBusy(Exception):
    """Another import is being read on this machine right now."""


def check_xlsx_archive(data: bytes) -> None:
    """Refuse an XLSX archive that unpacks too large or too compressed (RuleViolation on the
    ``file`` field); a file that is no archive at all is left to the reader to refuse."""
    cfg = current_app.config
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    limit_mb = cfg["IMPORT_XLSX_MAX_UNPACKED_MB"]
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > XLSX_MAX_PARTS or unpacked > limit_mb * 1024 * 1024:
        raise RuleViolation({"file": [_l(
            "The XLSX file unpacks to %(size)s MB; at most %(limit)s MB is accepted. Split it "
            "or save it as CSV.", size=round(unpacked / 1024 / 1024), limit=limit_mb)]})
    ratio = cfg["IMPORT_XLSX_MAX_RATIO"]
    if any(part.file_size > ratio * max(part.compress_size, 1) for part in parts):
        raise RuleViolation({"file": [_l(
            "The XLSX file is compressed more than %(ratio)s times, which no spreadsheet "
            "needs; save it again as .xlsx or as CSV.", ratio=ratio)]})


def within_limits(records: Iterator[tuple[int, list]], errors: list,
                  row_error) -> Iterator[tuple[int, list]]:
    """The numbered rows of a file, at most ``IMPORT_MAX_ROWS`` of them (more: RuleViolation
    on the ``file`` field); ends after ``IMPORT_MAX_ERRORS`` problems, with one more,
    ``row_error(row, "file", message)``, saying so."""
    cfg = current_app.config
    last_row, max_errors = cfg["IMPORT_MAX_ROWS"] + 1, cfg["IMPORT_MAX_ERRORS"]
    for number, values in records:
        if number > last_row:
            raise RuleViolation({"file": [_l(
                "The file has more than %(limit)s rows; split it into smaller files.",
                limit=cfg["IMPORT_MAX_ROWS"])]})
        if len(errors) >= max_errors:
            del errors[max_errors:]  # a row may have added several
            errors.append(row_error(number, "file", _l(
                "Checking stopped here, after %(limit)s problems: correct them and upload the "
                "file again.", limit=max_errors)))
            return
        yield number, values


@contextlib.contextmanager
def one_import_at_a_time(folder: Path, wait_seconds: float = 3.0):
    """Hold this machine's import lock while reading a file (a lock on a file in ``folder``,
    so every gunicorn worker shares it); ImportBusy if it stays taken ``wait_seconds``."""
    with open(folder / ".reading.lock", "w") as lock:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ImportBusy() from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def remove_stale_previews(folder: Path) -> int:
    """Delete the uploads kept for a preview that nobody confirmed within
    ``IMPORT_PREVIEW_HOURS``; returns how many."""
    oldest = time.time() - current_app.config["IMPORT_PREVIEW_HOURS"] * 3600
    removed = 0
    for path in folder.iterdir():
        # another worker may clean up at the same moment: a file gone meanwhile is done
        with contextlib.suppress(FileNotFoundError):
            if path.suffix in PREVIEW_SUFFIXES and path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
    return removed
