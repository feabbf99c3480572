"""The idempotency key every posting carries (collections, inspections, bin problem reports):
one rule for what a key may be, so a client's keys mean the same on every endpoint.

A key is the caller's own (unique per poster, as an account's are at Stripe); none sent means
"make one": the posting is then simply not retryable by key.
"""

import uuid

from flask_babel import lazy_gettext as _l

from .errors_domain import RuleViolation

MAX_KEY_LENGTH = 100


def valid_key(key) -> str | None:
    """``key`` stripped when it is 1 to MAX_KEY_LENGTH printable characters, else None."""
    if not isinstance(key, str):
        return None
    key = key.strip()
    return key if key and len(key) <= MAX_KEY_LENGTH and key.isprintable() else None


def check_key(key: str | None) -> str:
    """The key of a single posting: the one sent, or a new random one when none was sent."""
    if key is None or key == "":
        return uuid.uuid4().hex
    checked = valid_key(key)
    if checked is None:
        raise RuleViolation({"idempotency_key": [
            _l("An idempotency key is 1 to %(n)s printable characters.", n=MAX_KEY_LENGTH)]})
    return checked
