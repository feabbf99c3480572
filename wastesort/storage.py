"""Photos kept as files in the instance folder, behind one small interface.

Inspections attach photos (and bin problems will): a feature keeps a row per photo with the
``storage_name``, ``content_type``, ``size_bytes`` and ``sha256`` this module gives back, and
asks it for the file again when a reader who may see the photo asks. Only this module knows
where files live, so another store (an object store) would replace this module only.

What a file must be:

- at most ``PHOTO_MAX_BYTES`` (default 5 MB);
- a JPEG, PNG or WebP **by its content** (the magic bytes at its start), whatever name or
  type the sender gave it: a file that merely calls itself ``.jpg`` is refused, so a page or
  script never reaches a reader's browser as a "photo";
- stored under a random name (``instance/photos/ab/<32 hex>.jpg``): nothing the sender chose
  reaches the file system, and names cannot be guessed.

It is served with the type found at upload, ``X-Content-Type-Options: nosniff`` (no browser
guesses another type) and ``Content-Disposition: inline`` with our own file name.

A request that carries a photo is larger than ``MAX_CONTENT_LENGTH`` (4 MiB) allows:
:func:`photo_body_limit` gives the limit to set on that request (Flask's
``request.max_content_length``) before its body is read.
"""

import hashlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l

from .errors_domain import NotFound, RuleViolation

FOLDER = "photos"
# content type -> (magic bytes test, extension)
TYPES = {
    "image/jpeg": (lambda head: head[:3] == b"\xff\xd8\xff", "jpg"),
    "image/png": (lambda head: head[:8] == b"\x89PNG\r\n\x1a\n", "png"),
    "image/webp": (lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP", "webp"),
}
_NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png|webp)")


@dataclass(frozen=True)
class StoredPhoto:
    storage_name: str  # relative to the photo folder: what a feature's row keeps
    content_type: str
    size_bytes: int
    sha256: str


def content_type_of(data: bytes) -> str | None:
    """``image/jpeg``, ``image/png`` or ``image/webp`` by the file's first bytes, else None."""
    head = data[:12]
    return next((name for name, (matches, _) in TYPES.items() if matches(head)), None)


def check_photo(data: bytes, field: str = "photo") -> str:
    """The photo's content type, or a RuleViolation on ``field`` (empty, too large, not an
    image of an accepted type)."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    if not data:
        raise RuleViolation({field: [_l("The photo is empty.")]})
    if len(data) > limit:
        raise RuleViolation({field: [_l("A photo may be at most %(mb)s MB.",
                                        mb=f"{limit / 1_000_000:g}")]})
    content_type = content_type_of(data)
    if content_type is None:
        raise RuleViolation({field: [_l("Send a JPEG, PNG or WebP picture.")]})
    return content_type


def store_photo(data: bytes, field: str = "photo") -> StoredPhoto:
    """Check ``data`` (:func:`check_photo`) and write it under a new random name. The file is
    written whole before it gets its name, so a reader never finds half a photo."""
    content_type = check_photo(data, field)
    token = secrets.token_hex(16)
    name = f"{token[:2]}/{token}.{TYPES[content_type][1]}"
    path = _root() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
        temporary.write(data)
    os.replace(temporary.name, path)
    return StoredPhoto(name, content_type, len(data), hashlib.sha256(data).hexdigest())


def delete_photo(storage_name: str) -> None:
    """Remove a stored file (a photo whose row was not kept); gone already is fine."""
    path = _path(storage_name)
    if path is not None:
        path.unlink(missing_ok=True)


def photo_response(storage_name: str, content_type: str, download_name: str):
    """The file as an answer, for a reader the caller has already allowed: its own type,
    ``nosniff`` and shown inline. 404 when the file is missing."""
    path = _path(storage_name)
    if path is None or not path.is_file() or content_type not in TYPES:
        raise NotFound(_l("No such photo."))
    response = send_file(path, mimetype=content_type, as_attachment=False,
                         download_name=f"{download_name}.{TYPES[content_type][1]}",
                         conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def photo_body_limit(photos: int = 1, encoding_overhead: float = 4 / 3) -> int:
    """A request body limit with room for ``photos`` photos of PHOTO_MAX_BYTES (base64 in JSON
    by default: 4/3 of the bytes) on top of MAX_CONTENT_LENGTH."""
    cfg = current_app.config
    return int(cfg["MAX_CONTENT_LENGTH"] + photos * cfg["PHOTO_MAX_BYTES"] * encoding_overhead)


def _root() -> Path:
    return Path(current_app.instance_path) / FOLDER


def _path(storage_name: str) -> Path | None:
    """The file of a stored name; None for anything this module did not make (no path from
    outside reaches the file system)."""
    if not isinstance(storage_name, str) or not _NAME.fullmatch(storage_name):
        return None
    return _root() / storage_name
