"""The report's figures: inline styles in the e-mail (mail programs need them), none on the
page (its Content-Security-Policy allows no inline style; wastesort.css styles the tables)."""

import datetime as dt

import pytest

from wastesort.enums import WasteCategory
from wastesort.reports.mail import build_report_message
from wastesort.reports.models import ReportKind, ReportPeriod
from wastesort.reports.service import make_report
from wastesort.timeutil import local_today

from ..factories import add_collection


@pytest.fixture(autouse=True)
def _matplotlib(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))


@pytest.fixture
def capacity_report(city):
    day = local_today() - dt.timedelta(days=1)
    add_collection(city.points["a1"], day, WasteCategory.RESIDUAL, 1_000)
    return make_report(ReportKind.CAPACITY, ReportPeriod.DAY, day)[0]


def test_report_page_has_no_inline_style(login, capacity_report):
    page = login("manager").get(f"/reports/{capacity_report.id}")
    assert page.status_code == 200
    assert '<table class="figures">' in page.text
    assert "style=" not in page.text


def test_report_email_keeps_its_inline_styles(capacity_report):
    message = build_report_message(capacity_report, "a@example.cn")
    html = message.get_body(("html",)).get_content()
    assert '<table class="figures" style="border-collapse:collapse">' in html
    assert 'style="text-align:right;padding:2px 8px"' in html
