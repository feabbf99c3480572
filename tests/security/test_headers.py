"""Security headers on every answer; no inline script or handler in any template; the
proxy set-up (ProxyFix) and the production cookie."""

import base64
import hashlib
import re
from pathlib import Path

import pytest

from wastesort import create_app
from wastesort.extensions import db as _db

from ..conftest import app_config

TEMPLATES = Path(__file__).resolve().parents[2] / "wastesort" / "templates"


def csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";")}


@pytest.mark.parametrize("url", ["/login", "/dashboard/", "/households/", "/nowhere",
                                 "/api/v1/communities", "/healthz"])
def test_every_answer_has_the_headers(login, url):
    browser = login("street")
    response = browser.get(url)
    policy = csp(response)
    assert policy["script-src"] == "script-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_are_not_stored_by_caches(login, fmt):
    response = login("street").get(f"/households/export.{fmt}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/wastesort.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_api_documentation_allows_only_its_own_inline_script(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    scripts = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert csp(page)["script-src"] == f"script-src 'self' 'sha256-{digest}'"


def test_templates_hold_no_inline_script_handler_or_javascript_url():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), path
        assert "javascript:" not in text.lower(), path


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(client, city):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def production_app(migrated, tmp_path, monkeypatch):
    """The app with config/production.py, as the README's production section sets it up
    (the throttling counts in memory here: the Redis test is in test_throttle.py)."""
    path = Path(__file__).resolve().parents[2] / "config" / "production.py"
    monkeypatch.setenv("WASTESORT_CONFIG", str(path))
    app = create_app(app_config(migrated, tmp_path / "instance",
                                RATELIMIT_STORAGE_URI="memory://"))
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()  # its pooled connections closed, not left to the garbage collector


def login_through_proxy(client, username, password, address="203.0.113.7"):
    """A login as the proxy passes it on: TLS ended there, the client's address added."""
    from .conftest import csrf_token

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": address,
                 "Referer": "https://localhost/login"}
    page = client.get("/login", headers=forwarded, base_url="https://localhost")
    return page, client.post("/login", headers=forwarded, base_url="https://localhost", data={
        "csrf_token": csrf_token(page.text), "username": username, "password": password})


def test_behind_the_proxy_the_cookie_is_secure_and_https_is_known(production_app, city):
    client = production_app.test_client()
    plain = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert plain.headers["Strict-Transport-Security"].startswith("max-age=")  # ProxyFix
    _page, response = login_through_proxy(client, "manager", "password123")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.config(LOGIN_FAILURES_PER_ADDRESS="2 per 15 minutes")
def test_without_a_proxy_the_forwarded_address_does_not_dodge_the_limit(browser, city):
    for n in range(2):
        browser.submit("/login", {"username": f"x{n}", "password": "wrong-password"},
                       headers={"X-Forwarded-For": f"198.51.100.{n}"})
    refused = browser.submit("/login", {"username": "x9", "password": "wrong-password"},
                             headers={"X-Forwarded-For": "198.51.100.9"})
    assert refused.status_code == 429


def test_behind_the_proxy_the_limit_is_per_client_address(production_app, city):
    production_app.config["LOGIN_FAILURES_PER_ADDRESS"] = "2 per 15 minutes"
    client = production_app.test_client()

    def attempt(address):
        return login_through_proxy(client, "nobody", "wrong-password", address)[1].status_code

    assert [attempt("198.51.100.1") for _ in range(3)] == [422, 422, 429]
    assert attempt("198.51.100.2") == 422


def test_wrong_proxy_setting_is_one_line(migrated, tmp_path):
    from wastesort.config import ConfigError

    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        create_app(app_config(migrated, tmp_path, TRUSTED_PROXIES="one"))
