"""Helpers for the page tests: CSRF stays on, so every POST carries the token that the
page's own form holds, as a browser would send it."""

import re

import pytest

from ..factories import PASSWORD

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'type="hidden" name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


class Browser:
    """The test client with the habits of a person: open a page, fill its form, send it."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def submit(self, url, data=None, *, form_url=None, **kwargs):
        """POST ``data`` to ``url`` with the CSRF token of the form at ``form_url``."""
        page = self.client.get(form_url or url)
        assert page.status_code == 200, page.status_code
        return self.client.post(url, data={"csrf_token": csrf_token(page.text), **(data or {})},
                                **kwargs)

    def login(self, username, password=PASSWORD):
        response = self.submit("/login", {"username": username, "password": password})
        assert response.status_code == 302, response.text
        return response


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def login(browser, city):
    """Log in as one of the city's users: ``login("street")``."""

    def _login(username):
        browser.login(username)
        return browser

    return _login
