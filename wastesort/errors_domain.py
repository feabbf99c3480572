"""Exceptions the service layer raises. They are HTTP exceptions, so the one error handler
answers them as JSON (API) or an HTML page (browser); forms catch :class:`RuleViolation` to
show each message beside its field, and commands print it as one line.
"""

from werkzeug.exceptions import Conflict, Forbidden, NotFound, UnprocessableEntity

__all__ = ["Conflict", "Forbidden", "NotFound", "RuleViolation"]


class RuleViolation(UnprocessableEntity):
    """Bad input, with messages by field (for a batch, by record index then field)."""

    def __init__(self, errors: dict):
        super().__init__(description="The input is not valid; see the messages by field.")
        self.errors = errors
        self.data = {"messages": errors}

    def one_line(self) -> str:
        return "; ".join(f"{field}: {' '.join(map(str, messages))}"
                         for field, messages in self.errors.items())
