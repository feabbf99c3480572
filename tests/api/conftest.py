"""API fixtures: ``tokens`` (one bearer token per role of the small city) and ``api`` (a test
client that sends them)."""

import pytest

from wastesort.accounts.tokens import issue_token


class ApiClient:
    """``api.get(url, as_="street")`` and friends: JSON requests with a role's token, in
    English unless a test asks for another language (tests/api/test_languages.py reads the
    default, Chinese)."""

    def __init__(self, client, tokens):
        self.client, self.tokens = client, tokens

    def request(self, method, url, *, as_="admin", json=None, headers=None, **kwargs):
        headers = dict(headers or {})
        headers.setdefault("Accept-Language", "en")  # the English texts the tests read
        if as_ is not None:
            headers.setdefault("Authorization", f"Bearer {self.tokens[as_]}")
        response = self.client.open(url, method=method, json=json, headers=headers, **kwargs)
        response.close()
        return response

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def patch(self, url, **kwargs):
        return self.request("PATCH", url, **kwargs)


@pytest.fixture
def tokens(city):
    return {role: issue_token(user, f"{role} test")[1] for role, user in city.users.items()}


@pytest.fixture
def api(client, tokens):
    return ApiClient(client, tokens)
