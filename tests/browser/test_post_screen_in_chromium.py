"""Point staff post a day's four streams from a phone (390 × 844): an answer lost on the way
back and the form sent again, the near-duplicate confirmation, and a header that leaves the
form on the first screen with touch targets of at least 44 px."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from wastesort.collections.models import Collection
from wastesort.collections.tonnage import DailyTonnage
from wastesort.enums import WasteCategory
from wastesort.timeutil import local_today

from ..factories import add_collection
from .conftest import PHONE, log_in

pytestmark = pytest.mark.browser

SCREEN_HEIGHT = PHONE["viewport"]["height"]
TOUCH_PX = 44

# Every visible thing a finger may aim at, with its height in CSS pixels.
TARGETS = """() => [...document.querySelectorAll(
    'a, button, input:not([type=hidden]), select, textarea, summary')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => [e.tagName.toLowerCase(), (e.innerText || e.name || e.id).trim().slice(0, 30),
             Math.round(e.getBoundingClientRect().height * 10) / 10])"""


def totals(page) -> list[str]:
    return page.locator("table.day-totals td.num").all_inner_texts()


def stored_kg(db) -> tuple[int, int]:
    db.session.expire_all()
    rows = db.session.scalar(select(func.count()).select_from(Collection))
    return rows, db.session.scalar(select(func.coalesce(func.sum(DailyTonnage.weight_kg), 0)))


def test_an_answer_lost_on_the_way_back_and_the_form_sent_again_count_once(
        live_server, open_page, city, db):
    page = open_page(phone=True)
    log_in(page, live_server, "staff")
    page.goto(f"{live_server}/post")
    page.fill("input[name=weight_recyclable]", "300")
    page.fill("input[name=weight_kitchen]", "120")
    page.fill("input[name=weight_residual]", "80")
    answers = []

    def lose_the_answer(route):
        """The POST reaches the server, which stores the batch; its answer never arrives."""
        if route.request.method != "POST":
            route.continue_()
            return
        answers.append(route.fetch(max_redirects=0).status)
        route.abort("connectionreset")

    page.route(f"{live_server}/post", lose_the_answer)
    with page.expect_event("requestfailed"):
        page.tap("button[type=submit].primary")
    expect(page).to_have_url(re.compile("^chrome-error://"))  # the phone's "no connection"
    assert answers == [302]
    assert stored_kg(db) == (3, 500)
    page.unroute(f"{live_server}/post")
    sent_again = []
    page.on("request", lambda r: sent_again.append(r.method) if r.url.endswith("/post") else None)
    page.reload()  # the browser sends the same form again (the same keys)
    page.wait_for_url(f"{live_server}/post")
    assert sent_again[0] == "POST"
    assert "Already saved (the form was sent twice), counted once: 300 kg of Recyclable " \
        "(blue bin), 120 kg of Kitchen waste (green bin), and 80 kg of Residual waste " \
        "(grey bin)." in page.locator(".flash").all_inner_texts()
    assert totals(page) == ["300 kg", "0 kg", "120 kg", "80 kg", "500 kg"]
    assert page.locator(".quick-today .posting").count() == 3
    assert stored_kg(db) == (3, 500)
    assert page.input_value("input[name=weight_kitchen]") == ""  # a fresh form for the next


def test_the_same_figures_sent_again_from_a_fresh_page_ask_first(
        live_server, open_page, city, db):
    """Back and send again: the page shown afresh has new keys, so it is no replay."""
    page = open_page(phone=True)
    log_in(page, live_server, "staff")
    page.goto(f"{live_server}/post")
    page.fill("input[name=weight_kitchen]", "120")
    page.tap("button[type=submit].primary")
    assert page.locator(".flash").inner_text().endswith(": 120 kg of Kitchen waste (green bin).")
    page.go_back()
    page.fill("input[name=weight_kitchen]", "120")
    page.fill("input[name=weight_residual]", "80")
    page.tap("button[type=submit].primary")
    warning = page.locator("#weight_kitchen-near")
    assert "The same weight was posted for this category at" in warning.inner_text()
    assert page.locator("#weight_residual-near").count() == 0
    assert page.get_attribute("#weight_kitchen", "aria-describedby") == "weight_kitchen-near"
    assert totals(page)[-1] == "120 kg"  # nothing stored: the residual box waits too
    assert stored_kg(db) == (1, 120)
    page.tap("button.confirm-anyway")
    assert page.locator(".flash").inner_text().endswith(
        ": 120 kg of Kitchen waste (green bin) and 80 kg of Residual waste (grey bin).")
    assert totals(page) == ["0 kg", "0 kg", "240 kg", "80 kg", "320 kg"]
    assert stored_kg(db) == (3, 320)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_form_fits_the_first_screen_and_every_target_takes_a_finger(
        live_server, open_page, city, db, locale):
    for category, kg in ((WasteCategory.KITCHEN, 120), (WasteCategory.RESIDUAL, 80)):
        add_collection(city.points["a1"], local_today(), category, kg)
    page = open_page(locale=locale, phone=True)
    log_in(page, live_server, "staff")
    page.goto(f"{live_server}/post")
    for weight, moment in (("2", "a fresh page"), ("3", "after a post, with its message")):
        assert page.locator("button[type=submit].primary").bounding_box()["y"] + \
            page.locator("button[type=submit].primary").bounding_box()["height"] \
            <= SCREEN_HEIGHT, moment
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, moment
        assert page.locator("header.top").bounding_box()["height"] <= 60, moment
        page.locator(".quick-today summary").first.tap()  # a void form opened too
        small = [t for t in page.evaluate(TARGETS) if t[2] < TOUCH_PX]
        assert not small, (moment, small)
        targets = {kind for kind, _name, _px in page.evaluate(TARGETS)}
        assert {"a", "button", "input", "summary"} <= targets
        page.fill("input[name=weight_hazardous]", weight)
        page.tap("button[type=submit].primary")
        expect(page.locator(".flash")).to_have_count(1)
