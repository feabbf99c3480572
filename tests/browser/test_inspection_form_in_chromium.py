"""An inspector's morning on a phone (390 × 844) in Chromium: the form is their landing page,
every control takes a finger (44 px), nothing is wider than the screen; they fill it in with a
photo from the camera's file input, see the inspection and its picture stored under today's
list, and the figures of their street's page change; the same form sent again from a lost
answer counts once."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from wastesort.inspections.models import Inspection, InspectionPhoto

from .conftest import log_in

pytestmark = pytest.mark.browser

TOUCH_PX = 44
TARGETS = """() => [...document.querySelectorAll(
    'a, button, input:not([type=hidden]), select, textarea, summary')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => [e.tagName.toLowerCase(), (e.innerText || e.name || e.id).trim().slice(0, 30),
             Math.round(e.getBoundingClientRect().height * 10) / 10])"""


def photo(tmp_path):
    """A real picture, as the phone's camera leaves one."""
    path = tmp_path / "bins.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (46, 125, 79)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def counts(db) -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Inspection)),
            db.session.scalar(select(func.count()).select_from(InspectionPhoto)))


def street_rates(page, base_url) -> str:
    page.goto(f"{base_url}/street/")
    return " ".join(page.locator("#inspection-rates tr.last-7").inner_text().split())


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_form_on_a_phone_takes_a_finger_everywhere(live_server, open_page, city, locale):
    page = open_page(locale=locale, phone=True)
    log_in(page, live_server, "inspector")
    expect(page).to_have_url(f"{live_server}/inspections/new")
    page.locator("details.where > summary").tap()  # the point and the bin, unfolded
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    small = [t for t in page.evaluate(TARGETS) if t[2] < TOUCH_PX]
    assert not small, small
    file_input = page.locator("input[type=file][name=photos]")
    assert file_input.get_attribute("accept") == "image/*"
    assert file_input.get_attribute("capture") == "environment"
    seen = page.locator("#households_seen").bounding_box()
    sorted_ = page.locator("#households_sorted").bounding_box()
    assert seen["y"] == sorted_["y"] and seen["x"] < sorted_["x"]  # two to a row


def fill(page, community="a1社区1"):
    page.select_option("#community_id", label=community)
    for name, value in (("households_seen", "40"), ("households_sorted", "30"),
                        ("items_inspected", "20"), ("items_correct", "15"),
                        ("contaminated_kitchen", "3"), ("contaminated_residual", "2")):
        page.fill(f"#{name}", value)
    page.fill("#notes", "桶边有散落垃圾")


def test_an_inspector_posts_with_a_photo_and_the_street_figures_change(
        live_server, open_page, city, db, tmp_path):
    page = open_page(phone=True)
    log_in(page, live_server, "inspector")
    assert street_rates(page, live_server).endswith(" 0 – 0 of 0 – 0 of 0 0 of 2")
    page.goto(f"{live_server}/inspections/new")
    fill(page)
    page.set_input_files("input[name=photos]", str(photo(tmp_path)))
    with page.expect_navigation():
        page.locator("button[type=submit].primary").tap()
    expect(page.locator(".flash").first).to_be_visible()
    flashes = " ".join(page.locator(".flash").all_inner_texts())
    assert "Saved: the inspection of a1社区1 at" in flashes and "1 photo attached." in flashes
    assert counts(db) == (1, 1)
    item = page.locator(".inspect-today li.inspection")
    expect(item).to_have_count(1)
    assert "Participation 75.0 % (30 of 40 households)" in item.inner_text()
    assert "Kitchen waste (green bin): 3 · Residual waste (grey bin): 2" in item.inner_text()
    thumb = item.locator("ul.thumbs img")
    expect(thumb).to_have_count(1)
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth === 320",
                           arg=thumb.element_handle())  # the picture, served back
    assert page.input_value("#households_seen") == ""  # a fresh form for the next
    assert street_rates(page, live_server).endswith(" 1 75.0 % 30 of 40 75.0 % 15 of 20 1 of 2")


def test_an_answer_lost_on_the_way_back_and_the_form_sent_again_count_once(
        live_server, open_page, city, db):
    page = open_page(phone=True)
    log_in(page, live_server, "inspector")
    fill(page, "a1社区2")
    answers = []

    def lose_the_answer(route):
        """The POST reaches the server, which stores it; its answer never arrives."""
        if route.request.method != "POST":
            route.continue_()
            return
        answers.append(route.fetch(max_redirects=0).status)
        route.abort("connectionreset")

    page.route(f"{live_server}/inspections/new", lose_the_answer)
    with page.expect_event("requestfailed"):
        page.locator("button[type=submit].primary").tap()
    assert answers == [302] and counts(db) == (1, 0)
    page.unroute(f"{live_server}/inspections/new")
    page.reload()  # the phone sends the same form again, with the same key
    page.wait_for_url(f"{live_server}/inspections/new")
    assert "Already saved (the form was sent twice), counted once: the inspection of " \
        "a1社区2" in " ".join(page.locator(".flash").all_inner_texts())
    assert counts(db) == (1, 0)
    expect(page.locator(".inspect-today li.inspection")).to_have_count(1)


def test_messages_beside_the_fields_on_a_phone(live_server, open_page, city, db):
    page = open_page(phone=True)
    log_in(page, live_server, "inspector")
    page.select_option("#community_id", label="a1社区2")
    page.fill("#households_seen", "10")
    page.fill("#households_sorted", "12")
    page.fill("#items_inspected", "5")
    page.fill("#items_correct", "5")
    page.locator("button[type=submit].primary").tap()
    message = page.locator("#households_sorted-errors")
    expect(message).to_have_text("More households sorted than were seen (10).")
    box = page.locator("#households_sorted").bounding_box()
    assert message.bounding_box()["y"] >= box["y"] + box["height"] - 1  # right below it
    assert page.locator("#community_id").input_value() != ""  # the values stay
    assert counts(db) == (0, 0)
