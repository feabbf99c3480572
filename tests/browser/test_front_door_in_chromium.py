"""The Content-Security-Policy in Chromium: every page works under it without one violation,
the API documentation runs its one (hashed) inline script, and a script injected into a page
does not run."""

import datetime as dt

import pytest

from wastesort.enums import WasteCategory
from wastesort.reports.models import ReportKind, ReportPeriod
from wastesort.reports.service import make_report
from wastesort.timeutil import local_today

from ..factories import add_collection
from .conftest import log_in

pytestmark = pytest.mark.browser

PAGES = ["/dashboard/", "/households/", "/households/new", "/households/import",
         "/collections/", "/points/", "/bins/", "/facilities/", "/communities/", "/users/",
         "/users/new", "/reports/", "/reports/subscriptions", "/api/v1/docs"]


def test_every_page_runs_under_the_policy(live_server, open_page, city, tmp_path,
                                          monkeypatch):
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    day = local_today() - dt.timedelta(days=1)
    add_collection(city.points["a1"], day, WasteCategory.RESIDUAL, 1_000)
    report = make_report(ReportKind.CAPACITY, ReportPeriod.DAY, day)[0]
    page = open_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    log_in(page, live_server, "admin")
    for url in [*PAGES, f"/reports/{report.id}"]:
        response = page.goto(live_server + url)
        assert response.status == 200, url
        page.wait_for_load_state("load")
    assert violations == []


def test_api_documentation_renders(live_server, open_page, city):
    page = open_page()
    page.goto(f"{live_server}/api/v1/docs")
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("wastesort")


def test_an_injected_inline_script_does_not_run(live_server, open_page, city):
    page = open_page()
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    log_in(page, live_server, "manager")
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.appendChild(script);
        const img = document.createElement('img');
        img.setAttribute('onerror', 'window.injected = true');
        img.src = '/nowhere.png';
        document.body.appendChild(img);
    }""")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.injected") is None
    assert blocked  # Chromium reports what it refused
