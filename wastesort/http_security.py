"""What every response tells the browser, and where the request really came from.

- ``Content-Security-Policy``: scripts, styles, fonts and images from this site only, no
  inline script, no plug-ins, not framed by any page (``frame-ancestors 'none'``); forms post
  only here. The one page with an inline script, the API documentation (flask-smorest's
  Swagger UI page), allows exactly that script by its SHA-256 hash.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (search terms in our
  URLs go to no other site), ``X-Frame-Options: DENY`` for browsers without CSP level 2.
- ``Cache-Control: no-store`` on every answer but static files (and a view that chose its
  own): pages of a logged-in user and exports stay out of shared and back-button caches.
- ``Strict-Transport-Security`` on requests that came over HTTPS.

``TRUSTED_PROXIES`` (the number of reverse proxies in front, 0 for none) turns on Werkzeug's
``ProxyFix``, so that the client's address (throttling) and HTTPS (secure cookies, HSTS, URLs)
are taken from the proxy's ``X-Forwarded-*`` headers; with 0 those headers are ignored, as
anyone could send them.
"""

import base64
import hashlib
import re

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ConfigError

CSP = ("default-src 'self'; script-src 'self'{scripts}; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
# Pages whose inline scripts are our own code (no user input is in them).
INLINE_SCRIPT_ENDPOINTS = {"api-docs.openapi_swagger_ui"}
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
HSTS_SECONDS = 365 * 24 * 3600
UNCACHED_EXCEPT = {"static", "swagger_assets.swagger_asset"}


def _script_hashes(response: Response) -> str:
    hashes = ""
    for script in INLINE_SCRIPT.findall(response.get_data(as_text=True)):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        hashes += f" 'sha256-{digest}'"
    return hashes


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    scripts = ""
    if request.endpoint in INLINE_SCRIPT_ENDPOINTS and not response.is_streamed:
        scripts = _script_hashes(response)
    headers.setdefault("Content-Security-Policy", CSP.format(scripts=scripts))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint not in UNCACHED_EXCEPT and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
    return response


def init_http_security(app: Flask) -> None:
    proxies = app.config.get("TRUSTED_PROXIES")
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise ConfigError(f"TRUSTED_PROXIES: must be a whole number >= 0, got {proxies!r}")
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,
                                x_host=proxies, x_port=proxies)
    app.after_request(add_security_headers)

