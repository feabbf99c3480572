"""The page helpers (a browser that sends each form's CSRF token) for the front-door tests,
and clients that run each request in an application context of its own, as a server does:
the ``app`` fixture's context would otherwise carry ``g`` (the loaded user, the CSRF token)
from one request into the next, and from one client to another."""

import pytest
from flask.testing import FlaskClient

from ..api.conftest import ApiClient, api, tokens  # noqa: F401
from ..pages.conftest import Browser, browser, csrf_token, login  # noqa: F401


class FreshContextClient(FlaskClient):
    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_context_per_request(app):
    app.test_client_class = FreshContextClient
