"""JSON bodies that cannot be decoded are a 400, however they fail.

Python's decoder recurses once per nesting level: ``[`` a thousand times deep raises
RecursionError, which nothing treats as bad input (a 500). Here it is a ValueError for Flask's
``request.get_json`` (werkzeug answers 400) and a JSONDecodeError for webargs (the API's
parser answers 400 with the same body as any malformed JSON).
"""

import json

from flask.json.provider import DefaultJSONProvider
from webargs import core

TOO_DEEP = "The JSON is nested too deeply."


class SafeJSONProvider(DefaultJSONProvider):
    """The app's JSON provider: ``loads`` raises ValueError for too deep nesting."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError(TOO_DEEP) from None


def parse_json_body(data: bytes):
    """webargs' ``parse_json``, with too deep nesting a JSONDecodeError like any bad JSON."""
    try:
        return core.parse_json(data)
    except RecursionError:
        raise json.JSONDecodeError(TOO_DEEP, data.decode("utf-8", "replace")[:80] or "?",
                                   0) from None
