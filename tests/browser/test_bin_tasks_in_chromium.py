"""Bin problems on a phone (390 × 844) in Chromium: a staff member reports a full bin with a
photo, the street's administrator finds the task on the list and resolves it; the report form
and the list fit the screen's width, every target takes a finger (44 px), and no page breaks
the Content-Security-Policy."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from wastesort.accounts.models import Role
from wastesort.bintasks import reporting
from wastesort.bintasks.models import BinTask

from .conftest import log_in

pytestmark = pytest.mark.browser

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
TOUCH_PX = 44
# What a finger aims at, with its height in CSS pixels: a radio button or a checkbox by the
# label around it (the whole label is the target).
TARGETS = """() => [...document.querySelectorAll(
    'a, button, input:not([type=hidden]), select, textarea, summary')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => ['radio', 'checkbox'].includes(e.type) && e.closest('label') ? e.closest('label') : e)
  .map(e => [e.tagName.toLowerCase(), (e.innerText || e.name || e.id).trim().slice(0, 30),
             Math.round(e.getBoundingClientRect().height * 10) / 10])"""


def _watch_policy(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def _fits(page, where: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, where
    small = [t for t in page.evaluate(TARGETS) if t[2] < TOUCH_PX]
    assert not small, (where, small)


def test_staff_report_a_full_bin_and_the_street_administrator_resolves_it(
        live_server, open_page, city, db, tmp_path):
    street_id = city.users["street"].id
    photo = tmp_path / "bin.jpg"
    photo.write_bytes(JPEG)
    page = open_page(phone=True)
    violations = _watch_policy(page)
    log_in(page, live_server, "staff")
    page.goto(f"{live_server}/bin-tasks/")
    page.tap("text=Report a bin problem")
    page.wait_for_url(f"{live_server}/bin-tasks/report")
    _fits(page, "the report form")
    page.locator("label.choice", has_text="S0kit").tap()
    page.locator("label.choice", has_text="The bin is full").tap()
    page.fill("textarea[name=note]", "溢出到地上")
    page.set_input_files("input[name=photo]", str(photo))
    page.tap("button[type=submit].primary")
    expect(page.locator(".flash")).to_contain_text("Reported: bin S0kit is full.")
    assert page.locator("img.bin-photo").count() == 1
    photo_src = page.locator("img.bin-photo").get_attribute("src")
    assert page.request.get(live_server + photo_src).body() == JPEG
    db.session.remove()
    (task,) = db.session.scalars(select(BinTask)).all()
    assert (task.kind.value, task.status.value) == ("full", "open")

    admin_page = open_page(phone=True)
    violations += _watch_policy(admin_page)
    log_in(admin_page, live_server, "street")
    admin_page.goto(f"{live_server}/bin-tasks/")
    card = admin_page.locator(f"li.bin-task[data-task-id='{task.id}']")
    expect(card).to_contain_text("S0kit")
    expect(card).to_contain_text("full")
    _fits(admin_page, "the task list")
    card.locator("button", has_text="Resolved").tap()
    expect(admin_page.locator(".flash")).to_have_text("Task resolved.")
    expect(admin_page.locator(f"li.bin-task[data-task-id='{task.id}']")).to_have_count(0)
    db.session.remove()
    resolved = db.session.get(BinTask, task.id)
    assert resolved.status.value == "resolved" and resolved.closed_by_id == street_id
    assert violations == []


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_an_inspector_reports_by_serial_and_the_pages_take_a_finger(
        live_server, open_page, city, db, locale):
    factories.make_user("inspector", Role.INSPECTOR, township_id=city.townships["a1"].id)
    db.session.commit()
    reporting.report_problem(city.users["staff"], {"serial": "S0rec", "kind": "damaged"})
    page = open_page(locale=locale, phone=True)
    violations = _watch_policy(page)
    log_in(page, live_server, "inspector")
    page.goto(f"{live_server}/bin-tasks/report")
    _fits(page, "the inspector's report form")
    page.select_option("select[name=community_id]", str(city.communities["a1c2"].id))
    page.tap(".bin-community button")
    page.wait_for_url(f"**/bin-tasks/report?community_id={city.communities['a1c2'].id}")
    assert page.locator("label.choice input[name=sorting_bin_id]").count() == 4
    page.fill("input[name=serial]", "S0rec")
    page.locator("label.choice input[value=damaged]").check()
    page.tap("button[type=submit].primary")
    expect(page.locator(".flash")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text("S0rec")
    _fits(page, "the task page")
    db.session.remove()
    assert db.session.scalar(select(BinTask.id)) is not None
    assert len(db.session.scalars(select(BinTask)).all()) == 1  # joined the staff's task
    page.goto(f"{live_server}/bin-tasks/")
    _fits(page, "the inspector's list")
    assert violations == []
