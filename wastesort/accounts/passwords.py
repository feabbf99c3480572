"""Password hashes: Argon2id with OWASP's parameters (the Password Storage Cheat Sheet's
first choice: 19 MiB of memory, 2 iterations, 1 lane; about 0.1 s here), through argon2-cffi.

A hash made another way (werkzeug's scrypt or PBKDF2 of earlier versions, or weaker Argon2
parameters) still verifies and is made again at the next successful login
(:func:`needs_rehash`). A login naming no user verifies the password against a dummy hash of
the same kind, so the answer takes as long whether the name exists or not.

``PASSWORD_HASH_METHOD`` is ``"argon2id"``, or a werkzeug method string (``"pbkdf2:sha256:1000"``
makes tests fast).
"""

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2 = "argon2id"
# A made password is typed on a phone from what a street administrator reads out or writes down:
# lower case and digits only (no shift key), without the look-alikes 0/o and 1/l.
MADE_PASSWORD_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"
MADE_PASSWORD_LENGTH = 12  # 32 ** 12 = 2 ** 60 choices
# OWASP Password Storage Cheat Sheet, Argon2id: m=19456 (19 MiB), t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def _method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def hash_password(password: str) -> str:
    method = _method()
    if method == ARGON2:
        return _hasher.hash(password)
    return generate_password_hash(password, method=method)


def new_password() -> str:
    """A random password from the operating system's source (:mod:`secrets`), for a person
    to type: shown once to whoever made it, stored only as its hash."""
    return "".join(secrets.choice(MADE_PASSWORD_ALPHABET) for _ in range(MADE_PASSWORD_LENGTH))


def verify_password(stored: str, password: str) -> bool:
    if stored.startswith("$argon2"):
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored, password)


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made otherwise than PASSWORD_HASH_METHOD makes hashes now."""
    method = _method()
    if method == ARGON2:
        return not stored.startswith("$argon2id$") or _hasher.check_needs_rehash(stored)
    return stored.partition("$")[0] != method


def verify_nobody(password: str) -> None:
    """Spend the time a real check takes, for a login that names no user."""
    verify_password(_dummy_hash(_method()), password)


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return hash_password("a password nobody has")


def valid_method(method) -> bool:
    return method == ARGON2 or (isinstance(method, str) and method.startswith(("scrypt",
                                                                             "pbkdf2:")))
