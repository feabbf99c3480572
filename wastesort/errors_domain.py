"""The one exception the service layer raises for bad input: messages by field.

The API answers it with 422 and the messages; a page re-renders the form with each message
beside its field; a command prints one line.
"""


class RuleViolation(Exception):
    def __init__(self, errors: dict[str, list[str]], status: int = 422):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors
        self.status = status

    def one_line(self) -> str:
        return str(self)
