"""End-to-end tests in headless Chromium (Debian's ``chromium``, driven by Playwright).

The app is served by a real WSGI server in a thread (werkzeug, threaded, a free port on
127.0.0.1) over the same test database. When a test fails, a screenshot of its page is kept
under ``test-artifacts/screenshots/``. Without Chromium these tests fail, never skip:
``make test`` installs it (``apt-get install -y chromium``).
"""

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def live_server(app, city):
    """The app over HTTP on a free port, with the small city in its database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `apt-get install -y "
                    "chromium` (make test does it).", pytrace=False)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=CHROMIUM_ARGS)  # Playwright gives each launch a fresh user-data directory
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def open_page(chromium, request):
    """``open_page(locale="en-US", phone=False)``: a fresh browser context and page;
    screenshots of every page of a failed test go to test-artifacts/screenshots/."""
    contexts = []

    def _open(locale: str = "en-US", phone: bool = False):
        context = chromium.new_context(locale=locale, **(PHONE if phone else {}))
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    failed = any(getattr(request.node, f"report_{when}", None) is not None
                 and getattr(request.node, f"report_{when}").failed
                 for when in ("setup", "call"))
    for n, context in enumerate(contexts):
        if failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for m, page in enumerate(context.pages):
                name = f"{request.node.name}-{n}-{m}.png".replace("/", "_")
                page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
        context.close()


def log_in(page, base_url: str, username: str, password: str = "password123") -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("domcontentloaded")
